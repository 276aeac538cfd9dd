"""Turn registered templates into verified, deduplicated dataset records.

Pipeline: allocate each category's quota over its templates -> draw drafts from a per-template seeded generator
-> drop near-duplicates (by the prompt before surface noise) -> add surface noise -> compute every tool sample's
expected answer with the project's own tools -> records in the seed's schema.
"""

from __future__ import annotations

import json
import random
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sft.datagen.core import (
    CALCULATOR,
    CATEGORIES,
    NO_TOOL,
    PYTHON,
    REGISTRY,
    Category,
    Draft,
    TemplateSpec,
    style,
)

DEFAULT_SIZE = 5000
# Why these shares: python has the most tasks (~140, each a different piece of code to write) and was the weakest
# category at 35 / 30 / 35 (correct tool 85-92%, execution 22-38% on held-out templates, with ~5 samples per
# template), while the no-tool decision held at 97-98% correct; so python gets the largest share and no-tool the
# smallest. Calculator and python together make three samples in four tool calls.
DEFAULT_SHARES: dict[Category, float] = {CALCULATOR: 0.35, PYTHON: 0.40, NO_TOOL: 0.25}

# How many draws a template gets per sample it is asked for before it is considered exhausted.
_ATTEMPTS_PER_SAMPLE = 12
# Longest prompt + payload (expression, code or answer), in characters. The system prompt and chat markup take about
# 160 of the 512 tokens, and code-like text runs about two characters per token, so this keeps every training row
# near 400 tokens at most.
MAX_DRAFT_CHARS = 450


class GenerationError(RuntimeError):
    """A template produced something invalid (a failing snippet, a bad expression): a generator bug."""


@dataclass(frozen=True)
class Candidate:
    """A styled draft waiting for its answer."""

    source: str
    category: Category
    prompt: str
    draft: Draft


def normalize_prompt(text: str) -> str:
    """Key for duplicate detection: case, accents, punctuation and spacing removed; digits kept.

    Two prompts that differ only in numbers are different tasks (different answers), so digits stay; prompts that
    differ only in case, spacing or punctuation are the same task.

    Args:
        text: A prompt.

    Returns:
        The normalised key.
    """
    text = unicodedata.normalize("NFKD", text.lower())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


def _allocate(total: int, specs: Sequence[TemplateSpec]) -> dict[str, int]:
    """Split ``total`` over templates in proportion to their weights (largest remainder, deterministic)."""
    weight_sum = sum(s.weight for s in specs)
    raw = {s.source: total * s.weight / weight_sum for s in specs}
    counts = {k: int(v) for k, v in raw.items()}
    leftover = total - sum(counts.values())
    for source in sorted(raw, key=lambda k: (-(raw[k] - counts[k]), k))[:leftover]:
        counts[source] += 1
    return counts


def _check_draft(spec: TemplateSpec, draft: Draft) -> None:
    filled = {"expression": draft.expression, "code": draft.code, "answer": draft.answer}
    wanted = {CALCULATOR: "expression", PYTHON: "code", NO_TOOL: "answer"}[spec.category]
    if not draft.prompt.strip() or not (filled[wanted] or "").strip():
        raise GenerationError(f"{spec.source}: empty prompt or {wanted}: {draft!r}")
    if any(v is not None for k, v in filled.items() if k != wanted):
        raise GenerationError(f"{spec.source}: a {spec.category} draft may only set {wanted}: {draft!r}")


def draw_candidates(size: int, seed: int, shares: dict[Category, float] | None = None) -> list[Candidate]:
    """Draw unique, styled prompts from every registered template.

    Args:
        size: Total number of samples wanted.
        seed: Master seed; each template gets its own generator derived from it and its source, so adding a
            template does not change what the others produce.
        shares: Fraction of ``size`` per category (defaults to :data:`DEFAULT_SHARES`).

    Returns:
        Candidates in a deterministic order, at most ``size`` of them (fewer only if the templates run dry).

    Raises:
        GenerationError: If a template returns an invalid draft.
    """
    shares = shares or DEFAULT_SHARES
    seen: dict[str, str] = {}
    out: list[Candidate] = []
    quotas = _allocate(size, [TemplateSpec(c, c, lambda r: Draft(""), shares[c]) for c in CATEGORIES])
    for category in CATEGORIES:
        specs = sorted((s for s in REGISTRY.values() if s.category == category), key=lambda s: s.source)
        if not specs:
            continue
        wanted = _allocate(quotas[category], specs)
        rngs = {s.source: random.Random(f"{seed}/{s.source}") for s in specs}
        got: dict[str, int] = dict.fromkeys(wanted, 0)
        exhausted: set[str] = set()
        # Round 1 fills each template's own share; later rounds give what exhausted templates could not deliver to
        # the templates that still produce new prompts, so the category quota is met whenever possible.
        missing = quotas[category]
        while missing > 0:
            active = [s for s in specs if s.source not in exhausted]
            if not active:
                break
            targets = wanted if missing == quotas[category] else _allocate(missing, active)
            for spec in active:
                need = targets.get(spec.source, 0)
                added = _draw_from(spec, need, rngs[spec.source], seen, out)
                got[spec.source] += added
                if added < need:
                    exhausted.add(spec.source)
            new_missing = quotas[category] - sum(got.values())
            if new_missing == missing:
                break
            missing = new_missing
    return out


def _draw_from(spec: TemplateSpec, need: int, rng: random.Random, seen: dict[str, str], out: list[Candidate]) -> int:
    added = 0
    for _ in range(need * _ATTEMPTS_PER_SAMPLE):
        if added >= need:
            break
        draft = spec.fn(rng)
        _check_draft(spec, draft)
        payload = draft.expression or draft.code or draft.answer or ""
        if len(draft.prompt) + len(payload) > MAX_DRAFT_CHARS:
            continue
        key = normalize_prompt(draft.prompt)
        if key in seen:
            continue
        seen[key] = spec.source
        prompt = style(rng, draft.prompt, fragile=draft.fragile)
        out.append(Candidate(spec.source, spec.category, prompt, draft))
        added += 1
    return added


def compute_answers(candidates: Sequence[Candidate], workers: int = 2) -> list[str]:
    """Expected answers: calculator results, sandboxed Python output, or the draft's own answer.

    Args:
        candidates: The candidates, in order.
        workers: Parallel sandbox runs for Python snippets.

    Returns:
        One answer per candidate.

    Raises:
        GenerationError: If an expression fails to evaluate or a snippet fails, times out or prints nothing.
    """
    from sft.datagen.execute import evaluate_expression, run_snippets

    answers: list[str | None] = [None] * len(candidates)
    py_index = [i for i, c in enumerate(candidates) if c.category == PYTHON]
    for i, c in enumerate(candidates):
        if c.category == CALCULATOR:
            answers[i] = evaluate_expression(c.draft.expression or "", where=c.source)
        elif c.category == NO_TOOL:
            answers[i] = c.draft.answer
    outputs = run_snippets(
        [candidates[i].draft.code or "" for i in py_index], [candidates[i].source for i in py_index], workers
    )
    for i, output in zip(py_index, outputs, strict=True):
        answers[i] = output
    return [a if a is not None else "" for a in answers]


def to_records(candidates: Sequence[Candidate], answers: Sequence[str], seed: int) -> list[dict[str, object]]:
    """Records in the seed's schema, shuffled deterministically so categories interleave.

    Args:
        candidates: The candidates.
        answers: Their expected answers.
        seed: Shuffle seed.

    Returns:
        The records, with ids ``<category prefix>-<running number>`` in final order.
    """
    prefix = {CALCULATOR: "calc", PYTHON: "py", NO_TOOL: "chat"}
    order = list(range(len(candidates)))
    random.Random(f"{seed}/shuffle").shuffle(order)
    records: list[dict[str, object]] = []
    for n, i in enumerate(order):
        c, answer = candidates[i], answers[i]
        tool_args: dict[str, str] | None
        if c.category == CALCULATOR:
            tool, tool_args = "calculator", {"expression": c.draft.expression or ""}
        elif c.category == PYTHON:
            tool, tool_args = "python", {"code": c.draft.code or ""}
        else:
            tool, tool_args = None, None
        records.append(
            {
                "id": f"{prefix[c.category]}-{n:05d}",
                "source": c.source,
                "category": c.category,
                "tool_needed": tool is not None,
                "tool": tool,
                "tool_args": tool_args,
                "prompt": c.prompt,
                "expected_answer": answer,
            }
        )
    return records


def dumps_records(records: Iterable[dict[str, object]]) -> str:
    """The file's exact text: one record per line inside a JSON array, UTF-8 kept readable, newline at the end.

    One record per line keeps the committed file diff-friendly while staying a plain JSON array.
    """
    lines = [json.dumps(r, ensure_ascii=False, separators=(", ", ": ")) for r in records]
    return "[\n" + ",\n".join(lines) + "\n]\n"
