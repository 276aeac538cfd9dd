"""Optional samples from public datasets on the Hugging Face hub (``create_dataset.py --hub-sources``).

Only rows that convert *cleanly* into this project's decisions are kept:

- GSM8K (calculator): a solution is a chain of ``<<expression=result>>`` calculator annotations. Rows with exactly
  one annotation become one calculator call; rows with several are kept when each step's result is used by the
  next step, by substituting each earlier expression (in parentheses) for its result, so the whole solution becomes
  one expression. A row is kept only if the project's calculator reproduces the dataset's final ``#### answer``.
- MBPP (python): the reference solution plus one of its test calls, printed, answers "run this function on these
  arguments"; the sandbox output is the expected answer.

The conversion functions take plain row dicts, so they are tested offline on fixtures shaped like the hub rows.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterable, Sequence
from typing import Any

from sft.datagen.build import Candidate, compute_answers, normalize_prompt
from sft.datagen.core import CALCULATOR, PYTHON, Draft
from sft.datagen.execute import ToolAnswerError, evaluate_expression, run_snippets

GSM8K = ("openai/gsm8k", "main", "train")
MBPP = ("google-research-datasets/mbpp", "full", "train")

_ANNOTATION = re.compile(r"<<([^=<>]+)=([^<>]+)>>")
_FINAL = re.compile(r"####\s*([-\d.,]+)\s*$")
_PLAIN_EXPR = re.compile(r"^[\d\s.+\-*/()%]+$")


def _number(text: str) -> float | None:
    try:
        return float(text.replace(",", "").strip())
    except ValueError:
        return None


def gsm8k_expression(answer: str) -> str | None:
    """One calculator expression for a GSM8K solution, or ``None`` when it does not convert cleanly.

    Args:
        answer: The row's ``answer`` field (reasoning with ``<<expr=result>>`` annotations, then ``#### N``).

    Returns:
        The expression whose value is the final answer, or ``None``.
    """
    final = _FINAL.search(answer.strip())
    steps = _ANNOTATION.findall(answer)
    if not final or not steps:
        return None
    expressions: list[tuple[str, str]] = []
    for expr, result in steps:
        expr = expr.strip()
        if not _PLAIN_EXPR.match(expr):
            return None
        # Replace results of earlier steps (as whole numbers) by their expressions, so the chain becomes one formula.
        for prev_expr, prev_result in reversed(expressions):
            expr = re.sub(rf"(?<![\d.]){re.escape(prev_result.strip())}(?![\d.])", f"({prev_expr})", expr)
        expressions.append((expr, result))
    combined = expressions[-1][0]
    if len(steps) > 1 and not all(f"({e})" in combined for e, _ in expressions[:-1][-1:]):
        return None  # the last step does not build on the previous one: not a single chain
    return _canonical(combined)


_TOKEN = re.compile(r"\d+(?:\.\d+)?|\*\*|//|[-+*/%()]")


def _canonical(expr: str) -> str:
    """Spaces around binary operators and none inside parentheses, the style of the generated expressions."""
    out: list[str] = []
    for tok in _TOKEN.findall(expr):
        # An operator is binary when it follows a number or a closing parenthesis; otherwise it is a sign.
        if tok in ("+", "-", "*", "/", "//", "%", "**") and out and (out[-1][-1].isdigit() or out[-1] == ")"):
            out.append(f" {tok} ")
        else:
            out.append(tok)
    return "".join(out).strip()


def gsm8k_candidates(rows: Iterable[dict[str, Any]], limit: int) -> list[Candidate]:
    """Calculator candidates from GSM8K rows whose expression reproduces the final answer.

    Args:
        rows: Rows with ``question`` and ``answer``.
        limit: Maximum number kept.

    Returns:
        The candidates, source ``hub_gsm8k/<row index>``.
    """
    out: list[Candidate] = []
    for i, row in enumerate(rows):
        if len(out) >= limit:
            break
        expr = gsm8k_expression(row["answer"])
        final = _FINAL.search(row["answer"].strip())
        if expr is None or final is None:
            continue
        try:
            value = _number(evaluate_expression(expr))
        except ToolAnswerError:
            continue
        target = _number(final.group(1))
        if value is None or target is None or abs(value - target) > 1e-6 * max(1.0, abs(target)):
            continue
        out.append(
            Candidate(
                f"hub_gsm8k/row_{i:05d}",
                CALCULATOR,
                row["question"].strip(),
                Draft(row["question"].strip(), expression=expr),
            )
        )
    return out


_ASSERT = re.compile(r"^assert\s+(?:math\.isclose\()?\s*(.+?)\s*==\s*(.+)$")


def mbpp_candidates(rows: Iterable[dict[str, Any]], limit: int) -> list[Candidate]:
    """Python candidates from MBPP rows: run the reference solution on the first test's arguments.

    Args:
        rows: Rows with ``task_id``, ``text``, ``code`` and ``test_list``.
        limit: Maximum number kept.

    Returns:
        The candidates, source ``hub_mbpp/task_<task_id>``.
    """
    out: list[Candidate] = []
    for row in rows:
        if len(out) >= limit:
            break
        tests = row.get("test_list") or []
        m = _ASSERT.match(tests[0].strip()) if tests else None
        if not m or "import" in m.group(1):
            continue
        call = m.group(1).strip()
        task = row["text"].strip().rstrip(".")
        task = task[0].lower() + task[1:]
        prompt = f"Run a Python function that does this: {task}. What does {call} return?"
        code = row["code"].replace("\r\n", "\n").strip() + f"\nprint({call})"
        out.append(Candidate(f"hub_mbpp/task_{row['task_id']}", PYTHON, prompt, Draft(prompt, code=code, fragile=True)))
    return out


def candidates_to_records(
    candidates: Sequence[Candidate], existing: Sequence[dict[str, Any]], workers: int = 2
) -> list[dict[str, Any]]:
    """Verified records for hub candidates, skipping prompts already in the dataset and snippets that fail.

    Args:
        candidates: Hub candidates.
        existing: Records already in the dataset (for duplicate removal and id uniqueness).
        workers: Parallel sandbox runs.

    Returns:
        Records in the seed's schema, ids ``hub-<n>``.
    """
    seen = {normalize_prompt(r["prompt"]) for r in existing}
    fresh = []
    for c in candidates:
        key = normalize_prompt(c.prompt)
        if key not in seen:
            seen.add(key)
            fresh.append(c)
    # Public reference solutions can fail in our sandbox (missing modules, slow code); drop those rows one by one
    # instead of failing the build, because they are not our generator's bugs.
    kept: list[tuple[Candidate, str]] = []
    calc = [c for c in fresh if c.category == CALCULATOR]
    kept.extend(zip(calc, compute_answers(calc), strict=True))
    for c in (c for c in fresh if c.category == PYTHON):
        try:
            kept.append((c, run_snippets([c.draft.code or ""], [c.source], workers)[0]))
        except ToolAnswerError:
            continue
    records = []
    for n, (c, answer) in enumerate(kept):
        is_calc = c.category == CALCULATOR
        records.append(
            {
                "id": f"hub-{n:05d}",
                "source": c.source,
                "category": c.category,
                "tool_needed": True,
                "tool": "calculator" if is_calc else "python",
                "tool_args": {"expression": c.draft.expression} if is_calc else {"code": c.draft.code},
                "prompt": c.prompt,
                "expected_answer": answer,
            }
        )
    return records


def load_hub_records(limit: int, seed: int, existing: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Download GSM8K and MBPP with ``datasets`` and convert what converts cleanly.

    Args:
        limit: Maximum samples per dataset.
        seed: Shuffle seed for which rows are taken.
        existing: Records already generated.

    Returns:
        The new records.

    Raises:
        RuntimeError: If ``datasets`` is not installed or the hub cannot be reached.
    """
    try:
        import datasets
    except ImportError as exc:
        raise RuntimeError("--hub-sources needs the 'datasets' package: pip install datasets") from exc
    try:
        gsm = list(datasets.load_dataset(GSM8K[0], GSM8K[1], split=GSM8K[2]))
        mbpp = list(datasets.load_dataset(MBPP[0], MBPP[1], split=MBPP[2]))
    except Exception as exc:  # datasets raises many types for a missing network; one clear message is enough
        raise RuntimeError(f"could not load public datasets from the Hugging Face hub: {exc}") from exc
    rng = random.Random(f"{seed}/hub")
    rng.shuffle(gsm)
    rng.shuffle(mbpp)
    return candidates_to_records(gsm8k_candidates(gsm, limit) + mbpp_candidates(mbpp, limit), existing)
