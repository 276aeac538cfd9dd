"""Scoring the model's replies: one module for training-time validation and for ``sft.evaluate``.

Checks run in order and the first failure names the error, so reports can show a histogram of what goes wrong:
the reply parses as one JSON object and nothing else (valid JSON); it has exactly one of the three shapes with
the right keys and types (correct format); its decision (answer directly, calculator, python) matches the
sample (correct tool); its arguments match; and, when the tools are run, the call's output matches the
expected answer (execution accuracy). Direct answers whose expected text is short and factual are checked for
content (answer accuracy); long free-form answers are "not scored", never counted as right.

Every rate comes with its Wilson 95% interval: 100 samples pin a rate down to about +-10 points, not better.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sft.data_loader import Sample
from sft.reply_format import DECISIONS, TOOL_ARG, ParsedReply, parse_reply

# A direct answer is checked for content only when its expected text is at most this many words: longer ones are
# explanations, advice or creative text, where many different replies are right.
MAX_SCORED_ANSWER_WORDS = 12
_ARTICLES = {"a", "an", "the"}


def _normalise_expression(expression: str) -> str:
    return re.sub(r"\s+", "", expression).replace("**", "^")


def _canonical_number(token: str) -> str:
    """``1,000`` -> ``1000``, ``7.50`` -> ``7.5``, ``3.0`` -> ``3``, ``007`` -> ``7``; anything else unchanged."""
    plain = token.replace(",", "")
    if not re.fullmatch(r"-?\d+(\.\d+)?", plain):
        return token
    value = Decimal(plain).normalize()
    return format(value if value != 0 else Decimal(0), "f")


def answer_tokens(text: str) -> list[str]:
    """A text's words for content matching: Unicode-normalised, lower case, punctuation and articles dropped,
    numbers in one canonical form (thousands separators, trailing zeros)."""
    text = unicodedata.normalize("NFKC", text).lower()
    words = re.findall(r"-?\d[\d,]*(?:\.\d+)?|[^\W_]+(?:'[^\W_]+)?", text)
    return [_canonical_number(w) for w in words if w not in _ARTICLES]


def answer_is_scored(expected: str) -> bool:
    """Whether a direct answer's content is checked: short (at most ``MAX_SCORED_ANSWER_WORDS`` words), one line."""
    return "\n" not in expected.strip() and 0 < len(answer_tokens(expected)) <= MAX_SCORED_ANSWER_WORDS


def answer_matches(reply: str, expected: str) -> bool:
    """A direct answer is right when, after normalisation (:func:`answer_tokens`), the expected answer's words
    appear in the reply in order and together: ``"It is Paris."`` answers ``"Paris"``; ``"7"`` answers
    ``"1 and 6 make 7"`` only if the expected text is just ``7``. Paraphrases count as wrong (strict, never
    generous)."""
    want, got = answer_tokens(expected), answer_tokens(reply)
    if not want:
        return False
    return any(got[i : i + len(want)] == want for i in range(len(got) - len(want) + 1))


def wilson_interval(successes: int, n: int, z: float = 1.96) -> tuple[float, float] | None:
    """The Wilson score interval (95% by default) of a rate ``successes / n``; ``None`` when ``n`` is 0."""
    if n <= 0:
        return None
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


@dataclass
class SampleScore:
    """One sample's prediction and how it scored."""

    sample_id: str
    category: str
    expected_decision: str
    completion: str
    parsed: ParsedReply
    correct_tool: bool
    args_match: bool | None = None
    executed: bool = False
    execution_correct: bool | None = None
    tool_output: str | None = None
    source: str = ""
    answer_correct: bool | None = None
    """For direct answers: content right / wrong; ``None`` when not scored (long free-form text, wrong decision)."""

    @property
    def failed(self) -> bool:
        """Whether the sample counts as a failure: wrong decision or format, a call that ran and gave the wrong
        answer, or a scored direct answer that is wrong."""
        return not self.correct_tool or self.execution_correct is False or self.answer_correct is False

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.sample_id,
            "source": self.source,
            "category": self.category,
            "expected_decision": self.expected_decision,
            "completion": self.completion,
            "valid_json": self.parsed.valid_json,
            "correct_format": self.parsed.correct_format,
            "decision": self.parsed.decision,
            "error": self.parsed.error,
            "correct_tool": self.correct_tool,
            "args_match": self.args_match,
            "execution_correct": self.execution_correct,
            "tool_output": self.tool_output,
            "answer_correct": self.answer_correct,
        }


# A function that runs a predicted tool call; returns (ok, output text).
ToolRunner = Callable[[str, dict[str, Any]], tuple[bool, str]]
# A function that says whether a tool's output matches an expected answer.
AnswerMatcher = Callable[[str, str], bool]


def score_sample(
    sample: Sample,
    completion: str,
    run_tool: ToolRunner | None = None,
    answers_match: AnswerMatcher | None = None,
) -> SampleScore:
    """Score one completion against its sample. With ``run_tool``, a correct-tool call is also executed."""
    parsed = parse_reply(completion)
    correct_tool = parsed.correct_format and parsed.decision == sample.decision
    score = SampleScore(sample.id, sample.category, sample.decision, completion, parsed, correct_tool)
    score.source = sample.source
    if correct_tool and sample.tool is None and answer_is_scored(sample.expected_answer):
        score.answer_correct = answer_matches(parsed.final or "", sample.expected_answer)
    if not correct_tool or sample.tool is None:
        return score
    arg = TOOL_ARG[sample.tool]
    predicted = parsed.args[arg] if parsed.args else ""
    expected = (sample.tool_args or {}).get(arg, "")
    if sample.tool == "calculator":
        score.args_match = _normalise_expression(predicted) == _normalise_expression(expected)
    else:
        score.args_match = predicted.strip() == expected.strip()
    if run_tool is not None and answers_match is not None:
        ok, output = run_tool(sample.tool, dict(parsed.args or {}))
        score.executed = True
        score.tool_output = output
        score.execution_correct = ok and answers_match(output, sample.expected_answer)
    return score


def _rate(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


@dataclass
class Report:
    """Aggregate rates over scored samples."""

    n: int
    valid_json_rate: float
    correct_format_rate: float
    correct_tool_rate: float
    args_match_rate: float | None
    execution_accuracy: float | None
    per_category: dict[str, dict[str, Any]] = field(default_factory=dict)
    confusion: dict[str, dict[str, int]] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    answer_accuracy: float | None = None
    """Of the direct answers whose content is scored (short, factual) and whose decision was right."""
    answers_scored: int = 0
    answers_not_scored: int = 0
    """Direct answers with the right decision whose content is not checked (long free-form expected text)."""
    intervals: dict[str, tuple[float, float] | None] = field(default_factory=dict)
    """Wilson 95% interval of each headline rate, by the rate's name."""
    per_source: list[dict[str, Any]] = field(default_factory=list)
    """One row per template family (``source``), most failures first."""

    def headline(self) -> dict[str, float]:
        """The seed's three rates."""
        return {
            "valid_json_rate": self.valid_json_rate,
            "correct_format_rate": self.correct_format_rate,
            "correct_tool_rate": self.correct_tool_rate,
        }

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _counted(scores: Sequence[SampleScore], test: Callable[[SampleScore], bool]) -> tuple[int, int]:
    return sum(bool(test(s)) for s in scores), len(scores)


def summarize(scores: Sequence[SampleScore]) -> Report:
    """Rates overall and per category, a confusion matrix (expected decision -> predicted), error histogram,
    Wilson intervals, and a per-source failure table."""
    n = len(scores)
    tool_scores = [s for s in scores if s.args_match is not None]
    tool_samples = [s for s in scores if s.expected_decision != "final"]
    answered = [s for s in scores if s.answer_correct is not None]
    any_executed = any(s.executed for s in scores)
    per_category: dict[str, dict[str, Any]] = {}
    for category in sorted({s.category for s in scores}):
        cat = [s for s in scores if s.category == category]
        per_category[category] = {
            "n": len(cat),
            "valid_json_rate": _rate(sum(s.parsed.valid_json for s in cat), len(cat)),
            "correct_format_rate": _rate(sum(s.parsed.correct_format for s in cat), len(cat)),
            "correct_tool_rate": _rate(sum(s.correct_tool for s in cat), len(cat)),
        }
        if any_executed and category != "no_tool":
            per_category[category]["execution_accuracy"] = _rate(sum(bool(s.execution_correct) for s in cat), len(cat))
        scored = [s for s in cat if s.answer_correct is not None]
        if scored:
            per_category[category]["answer_accuracy"] = _rate(sum(bool(s.answer_correct) for s in scored), len(scored))
            per_category[category]["answers_scored"] = len(scored)
    confusion: dict[str, dict[str, int]] = {d: dict.fromkeys((*DECISIONS, "invalid"), 0) for d in DECISIONS}
    for s in scores:
        predicted = s.parsed.decision if s.parsed.correct_format else "invalid"
        confusion[s.expected_decision][predicted or "invalid"] += 1
    errors = Counter(s.parsed.error for s in scores if s.parsed.error)
    counts = {
        "valid_json_rate": _counted(scores, lambda s: s.parsed.valid_json),
        "correct_format_rate": _counted(scores, lambda s: s.parsed.correct_format),
        "correct_tool_rate": _counted(scores, lambda s: s.correct_tool),
        "args_match_rate": _counted(tool_scores, lambda s: s.args_match),
        # Over all tool samples: a wrong decision on a tool sample counts as a failed execution.
        "execution_accuracy": _counted(tool_samples, lambda s: s.execution_correct) if any_executed else (0, 0),
        "answer_accuracy": _counted(answered, lambda s: s.answer_correct),
    }
    return Report(
        n=n,
        valid_json_rate=_rate(*counts["valid_json_rate"]) or 0.0,
        correct_format_rate=_rate(*counts["correct_format_rate"]) or 0.0,
        correct_tool_rate=_rate(*counts["correct_tool_rate"]) or 0.0,
        args_match_rate=_rate(*counts["args_match_rate"]),
        execution_accuracy=_rate(*counts["execution_accuracy"]) if any_executed else None,
        per_category=per_category,
        confusion=confusion,
        errors=dict(errors),
        answer_accuracy=_rate(*counts["answer_accuracy"]),
        answers_scored=len(answered),
        answers_not_scored=sum(
            1 for s in scores if s.expected_decision == "final" and s.correct_tool and s.answer_correct is None
        ),
        intervals={name: wilson_interval(k, total) for name, (k, total) in counts.items()},
        per_source=_per_source(scores),
    )


def _per_source(scores: Sequence[SampleScore]) -> list[dict[str, Any]]:
    rows = []
    for source in sorted({s.source for s in scores}):
        group = [s for s in scores if s.source == source]
        failed = sum(s.failed for s in group)
        reasons = Counter(_failure_reason(s) for s in group if s.failed)
        rows.append(
            {
                "source": source or "(none)",
                "category": group[0].category,
                "n": len(group),
                "failed": failed,
                "failure_rate": failed / len(group),
                "reasons": dict(reasons.most_common()),
            }
        )
    return sorted(rows, key=lambda r: (-r["failed"], -r["failure_rate"], r["source"]))


def _failure_reason(score: SampleScore) -> str:
    if score.parsed.error:
        return score.parsed.error
    if not score.correct_tool:
        return f"decided {score.parsed.decision}"
    if score.execution_correct is False:
        return "wrong result"
    return "wrong answer"


def format_report(report: Report, max_sources: int = 15) -> str:
    """Human-readable rates with their 95% intervals, per-category table, confusion matrix, error histogram and
    the template families with the most failures."""

    def pct(x: float | None) -> str:
        return "   n/a" if x is None else f"{100 * x:5.1f}%"

    def ci(name: str) -> str:
        interval = report.intervals.get(name)
        return f"  [{100 * interval[0]:.0f}-{100 * interval[1]:.0f}%]" if interval else ""

    lines = [
        f"samples:             {report.n}   (95% Wilson intervals in brackets)",
        f"valid JSON rate:     {pct(report.valid_json_rate)}{ci('valid_json_rate')}",
        f"correct format rate: {pct(report.correct_format_rate)}{ci('correct_format_rate')}",
        f"correct tool rate:   {pct(report.correct_tool_rate)}{ci('correct_tool_rate')}",
    ]
    if report.args_match_rate is not None:
        lines.append(
            f"args match rate:     {pct(report.args_match_rate)}{ci('args_match_rate')}  "
            "(of tool calls with the right tool)"
        )
    if report.execution_accuracy is not None:
        lines.append(
            f"execution accuracy:  {pct(report.execution_accuracy)}{ci('execution_accuracy')}  "
            "(of tool samples: call ran, answer right)"
        )
    if report.answers_scored or report.answers_not_scored:
        lines.append(
            f"answer accuracy:     {pct(report.answer_accuracy)}{ci('answer_accuracy')}  (of {report.answers_scored} "
            f"short factual direct answers; {report.answers_not_scored} long free-form ones not scored)"
        )
    lines.append("")
    lines.append(f"{'category':<12} {'n':>4} {'json':>7} {'format':>7} {'tool':>7} {'exec':>7} {'answer':>7}")
    for category, row in report.per_category.items():
        lines.append(
            f"{category:<12} {row['n']:>4} {pct(row['valid_json_rate']):>7} {pct(row['correct_format_rate']):>7} "
            f"{pct(row['correct_tool_rate']):>7} {pct(row.get('execution_accuracy')):>7} "
            f"{pct(row.get('answer_accuracy')):>7}"
        )
    lines.append("")
    header = "expected \\ predicted"
    cols = (*DECISIONS, "invalid")
    lines.append(f"{header:<21}" + "".join(f"{c:>11}" for c in cols))
    for expected, row in report.confusion.items():
        if sum(row.values()):
            lines.append(f"{expected:<21}" + "".join(f"{row[c]:>11}" for c in cols))
    if report.errors:
        lines.append("")
        lines.append(
            "errors: " + ", ".join(f"{k}={v}" for k, v in sorted(report.errors.items(), key=lambda kv: -kv[1]))
        )
    failing = [r for r in report.per_source if r["failed"]]
    if failing:
        lines.append("")
        lines.append(f"template families by failures ({len(failing)} of {len(report.per_source)} with any):")
        lines.append(f"  {'source':<36} {'n':>4} {'failed':>7}  reasons")
        for row in failing[:max_sources]:
            reasons = ", ".join(f"{k} x{v}" for k, v in row["reasons"].items())
            lines.append(f"  {row['source'][:36]:<36} {row['n']:>4} {row['failed']:>7}  {reasons}")
        if len(failing) > max_sources:
            lines.append(f"  ... {len(failing) - max_sources} more in the JSON results")
    return "\n".join(lines)
