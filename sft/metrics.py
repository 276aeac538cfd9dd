"""Scoring the model's replies: one module for training-time validation and for ``sft.evaluate``.

Checks run in order and the first failure names the error, so reports can show a histogram of what goes wrong:
the reply parses as one JSON object and nothing else (valid JSON); it has exactly one of the three shapes with
the right keys and types (correct format); its decision (answer directly, calculator, python) matches the
sample (correct tool); its arguments match; and, when the tools are run, the call's output matches the
expected answer (execution accuracy).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sft.data_loader import Sample

DECISIONS = ("final", "calculator", "python")
TOOL_ARG = {"calculator": "expression", "python": "code"}


@dataclass(frozen=True)
class ParsedReply:
    """What a reply says, and the first way it falls short (``error`` is ``None`` when well-formed)."""

    valid_json: bool
    correct_format: bool
    decision: str | None = None
    args: dict[str, Any] | None = None
    final: str | None = None
    error: str | None = None


def parse_reply(text: str) -> ParsedReply:
    """Parse a completion (the text before the end-of-turn token)."""
    stripped = text.strip()
    decoder = json.JSONDecoder()
    try:
        obj, end = decoder.raw_decode(stripped)
    except json.JSONDecodeError:
        return ParsedReply(False, False, error="invalid_json")
    if stripped[end:].strip():
        return ParsedReply(False, False, error="trailing_text")
    if not isinstance(obj, dict):
        return ParsedReply(False, False, error="not_an_object")
    if "final" in obj:
        if set(obj) != {"final"}:
            return ParsedReply(True, False, error="extra_keys")
        if not isinstance(obj["final"], str):
            return ParsedReply(True, False, error="final_not_string")
        return ParsedReply(True, True, decision="final", final=obj["final"])
    if "tool" not in obj:
        return ParsedReply(True, False, error="missing_final_or_tool")
    tool = obj["tool"]
    if set(obj) != {"tool", "args"}:
        return ParsedReply(True, False, decision=_known(tool), error="wrong_tool_keys")
    if tool not in TOOL_ARG:
        return ParsedReply(True, False, error="unknown_tool")
    args = obj["args"]
    arg = TOOL_ARG[tool]
    if not isinstance(args, dict) or set(args) != {arg}:
        return ParsedReply(True, False, decision=tool, error="wrong_args_keys")
    if not isinstance(args[arg], str):
        return ParsedReply(True, False, decision=tool, error="arg_not_string")
    return ParsedReply(True, True, decision=tool, args=args)


def _known(tool: Any) -> str | None:
    return tool if tool in TOOL_ARG else None


def _normalise_expression(expression: str) -> str:
    return re.sub(r"\s+", "", expression).replace("**", "^")


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

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.sample_id,
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

    def headline(self) -> dict[str, float]:
        """The seed's three rates."""
        return {
            "valid_json_rate": self.valid_json_rate,
            "correct_format_rate": self.correct_format_rate,
            "correct_tool_rate": self.correct_tool_rate,
        }

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def summarize(scores: Sequence[SampleScore]) -> Report:
    """Rates overall and per category, a confusion matrix (expected decision -> predicted), error histogram."""
    n = len(scores)
    tool_scores = [s for s in scores if s.args_match is not None]
    tool_samples = [s for s in scores if s.expected_decision != "final"]
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
    confusion: dict[str, dict[str, int]] = {d: dict.fromkeys((*DECISIONS, "invalid"), 0) for d in DECISIONS}
    for s in scores:
        predicted = s.parsed.decision if s.parsed.correct_format else "invalid"
        confusion[s.expected_decision][predicted or "invalid"] += 1
    errors = Counter(s.parsed.error for s in scores if s.parsed.error)
    return Report(
        n=n,
        valid_json_rate=_rate(sum(s.parsed.valid_json for s in scores), n) or 0.0,
        correct_format_rate=_rate(sum(s.parsed.correct_format for s in scores), n) or 0.0,
        correct_tool_rate=_rate(sum(s.correct_tool for s in scores), n) or 0.0,
        args_match_rate=_rate(sum(bool(s.args_match) for s in tool_scores), len(tool_scores)),
        # Over all tool samples: a wrong decision on a tool sample counts as a failed execution.
        execution_accuracy=_rate(sum(bool(s.execution_correct) for s in tool_samples), len(tool_samples))
        if any_executed
        else None,
        per_category=per_category,
        confusion=confusion,
        errors=dict(errors),
    )


def format_report(report: Report) -> str:
    """Human-readable rates, per-category table, confusion matrix and error histogram."""

    def pct(x: float | None) -> str:
        return "   n/a" if x is None else f"{100 * x:5.1f}%"

    lines = [
        f"samples:             {report.n}",
        f"valid JSON rate:     {pct(report.valid_json_rate)}",
        f"correct format rate: {pct(report.correct_format_rate)}",
        f"correct tool rate:   {pct(report.correct_tool_rate)}",
    ]
    if report.args_match_rate is not None:
        lines.append(f"args match rate:     {pct(report.args_match_rate)}  (of tool calls with the right tool)")
    if report.execution_accuracy is not None:
        lines.append(
            f"execution accuracy:  {pct(report.execution_accuracy)}  (of tool samples: call ran, answer right)"
        )
    lines.append("")
    lines.append(f"{'category':<12} {'n':>4} {'json':>7} {'format':>7} {'tool':>7} {'exec':>7}")
    for category, row in report.per_category.items():
        lines.append(
            f"{category:<12} {row['n']:>4} {pct(row['valid_json_rate']):>7} {pct(row['correct_format_rate']):>7} "
            f"{pct(row['correct_tool_rate']):>7} {pct(row.get('execution_accuracy')):>7}"
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
    return "\n".join(lines)
