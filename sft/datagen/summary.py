"""Dataset statistics: counts per category and source, template and family counts, and prompt/target length
distributions."""

from __future__ import annotations

import json
import statistics
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

from sft.datagen.core import family_of


def target_text(record: dict[str, Any]) -> str:
    """The JSON reply the model is trained to produce for a record (compact, as the training target)."""
    if record["tool"] is None:
        obj: dict[str, Any] = {"final": record["expected_answer"]}
    else:
        obj = {"tool": record["tool"], "args": record["tool_args"]}
    return json.dumps(obj, ensure_ascii=False)


def _distribution(values: Sequence[int]) -> dict[str, float]:
    ordered = sorted(values)
    if not ordered:
        return {}

    def q(p: float) -> int:
        return ordered[min(len(ordered) - 1, int(p * len(ordered)))]

    return {
        "min": ordered[0],
        "mean": round(statistics.fmean(ordered), 1),
        "p50": q(0.5),
        "p90": q(0.9),
        "p99": q(0.99),
        "max": ordered[-1],
    }


def summarize(
    records: Sequence[dict[str, Any]],
    count_tokens: Callable[[str], int] | None = None,
    count_row: Callable[[dict[str, Any]], int] | None = None,
    tokenizer_name: str | None = None,
) -> dict[str, Any]:
    """Build the summary saved next to the dataset.

    Args:
        records: Dataset records.
        count_tokens: Token counter; character lengths are reported when ``None``.
        count_row: Tokens of a whole training row (system prompt, prompt and target), when known.
        tokenizer_name: What ``count_tokens`` uses, recorded in the summary.

    Returns:
        A JSON-serialisable summary.
    """
    by_cat = Counter(r["category"] for r in records)
    by_source = Counter(r["source"] for r in records)
    templates_per_cat: dict[str, int] = {}
    generators: dict[str, set[str]] = {}
    for r in records:
        generators.setdefault(r["category"], set()).add(r["source"].split("/")[0])
    families: dict[str, dict[str, set[str]]] = {}
    for cat in sorted(by_cat):
        sources = {r["source"] for r in records if r["category"] == cat}
        templates_per_cat[cat] = len(sources)
        for source in sources:
            # A family is named with its generator, as templates are: "synth_calc/pct_off".
            name = f"{source.split('/')[0]}/{family_of(source)}"
            families.setdefault(cat, {}).setdefault(name, set()).add(source)
    measure = count_tokens or len
    unit = "tokens" if count_tokens else "characters"
    lengths: dict[str, Any] = {"unit": unit}
    if tokenizer_name:
        lengths["tokenizer"] = tokenizer_name
    for cat in sorted(by_cat):
        rows = [r for r in records if r["category"] == cat]
        lengths[cat] = {
            "prompt": _distribution([measure(r["prompt"]) for r in rows]),
            "target": _distribution([measure(target_text(r)) for r in rows]),
        }
        if count_row is not None:
            lengths[cat]["training_row"] = _distribution([count_row(r) for r in rows])
    return {
        "total": len(records),
        "per_category": dict(sorted(by_cat.items())),
        "share_per_category": {k: round(v / len(records), 3) for k, v in sorted(by_cat.items())},
        "templates_per_category": templates_per_cat,
        "templates_total": len(by_source),
        "families_per_category": {k: len(v) for k, v in sorted(families.items())},
        # Families of several templates (phrasing styles of one task): the split can hold out one and train on the rest.
        "templates_per_family": {
            name: len(members)
            for fams in families.values()
            for name, members in sorted(fams.items())
            if len(members) > 1
        },
        "generators_per_category": {k: sorted(v) for k, v in sorted(generators.items())},
        "lengths": lengths,
        "per_source": dict(sorted(by_source.items())),
    }


def format_summary(summary: dict[str, Any]) -> str:
    """A short human-readable rendering of :func:`summarize`'s output."""
    lines = [f"{summary['total']} samples, {summary['templates_total']} templates (sources)"]
    for cat, n in summary["per_category"].items():
        lines.append(
            f"  {cat:12s} {n:5d} ({summary['share_per_category'][cat]:.1%}), "
            f"{summary['templates_per_category'][cat]} templates in {summary['families_per_category'][cat]} families"
        )
    unit = summary["lengths"]["unit"]
    for cat in summary["per_category"]:
        p, t = summary["lengths"][cat]["prompt"], summary["lengths"][cat]["target"]
        row = summary["lengths"][cat].get("training_row")
        whole = f"; whole row: p50 {row['p50']} max {row['max']}" if row else ""
        lines.append(
            f"  {cat:12s} {unit}: prompt p50 {p['p50']} max {p['max']}; target p50 {t['p50']} max {t['max']}{whole}"
        )
    return "\n".join(lines)
