"""Task families (``sft.datagen.calc_families`` and ``py_families``): minimal pairs, several phrasing styles per
family, numbers and task parameters copied exactly from the prompt into the call."""

from __future__ import annotations

import random
import re
from collections import defaultdict
from pathlib import Path

import pytest

from sft.data_loader import group_samples, load_dataset
from sft.datagen import REGISTRY, calc_families, py_families
from sft.datagen.chat_templates import DIGIT_WORDS
from sft.datagen.core import CALCULATOR, PYTHON, family_of
from sft.datagen.summary import summarize

FAMILY_MODULES = {"synth_calc": calc_families, "synth_py": py_families}


def _families() -> dict[str, list[str]]:
    members: dict[str, list[str]] = defaultdict(list)
    for spec in REGISTRY.values():
        members[f"{spec.source.split('/')[0]}/{spec.family}"].append(spec.source)
    return members


def _family_sources() -> list[str]:
    """Templates registered by ``family_templates`` (one per phrasing style, named ``<family>_<style>``)."""
    return [
        s.source
        for s in REGISTRY.values()
        if s.category in (CALCULATOR, PYTHON) and s.fn.__module__ == "sft.datagen.core"
    ]


def test_every_family_has_several_phrasing_styles_so_a_held_out_one_keeps_siblings() -> None:
    members = _families()
    new = {f"{src.split('/')[0]}/{REGISTRY[src].family}" for src in _family_sources()}
    assert len(new) >= 30
    for family in new:
        assert len(members[family]) >= 3, (family, members[family])


def test_family_of_reads_the_registry_and_falls_back_to_the_source() -> None:
    assert family_of("synth_calc/pct_off_story") == "pct_off"
    assert family_of("synth_calc/discount_price") == "pct_off"
    assert family_of("synth_calc/bmi") == "bmi"
    assert family_of("hub/gsm8k") == "gsm8k"


@pytest.mark.parametrize(
    ("tasks", "shapes"),
    [
        (
            ("_pct_of", "_pct_increase", "_pct_decrease"),
            ("{y} * {x} / 100", "{y} * (1 + {x} / 100)", "{y} * (1 - {x} / 100)"),
        ),
        (
            ("_tip_amount", "_tip_total", "_tip_split"),
            ("round({y} * {x} / 100, 2)", "round({y} * (1 + {x} / 100), 2)", "round({y} * (1 + {x} / 100) / {n}, 2)"),
        ),
    ],
)
def test_minimal_pairs_draw_the_same_numbers_and_flip_only_the_expression(
    tasks: tuple[str, ...], shapes: tuple[str, ...]
) -> None:
    for seed in range(30):
        drawn = [getattr(calc_families, name)(random.Random(seed)) for name in tasks]
        values = [v for v, _ in drawn]
        assert all(v == values[0] for v in values)
        y = re.sub(r"[^\d.]", "", str(values[0]["y"]))
        y = y.rstrip("0").rstrip(".") if "." in y else y
        for (_, expression), shape in zip(drawn, shapes, strict=True):
            assert expression == shape.format(y=y, x=values[0]["x"], n=values[0].get("n")), expression


def _numbers(text: str) -> set[float]:
    text = re.sub(r"(?<=\d),(?=\d{3})", "", text)
    return {float(n) for n in re.findall(r"\d+(?:\.\d+)?", text)}


def _spelled_digits(text: str) -> set[float]:
    """Digits written as words ("six times two")."""
    words = re.findall(r"[a-z]+", text.lower())
    return {float(DIGIT_WORDS.index(w)) for w in words if w in DIGIT_WORDS}


# Constants a formula adds on its own: percent, the rounding digits, and conversion factors.
_FORMULA_CONSTANTS = {100.0, 1.0, 2.0, 1000.0, 60.0, 1.609344, 0.45359237, 2.54, 0.3048}


def test_calculator_families_copy_every_number_of_the_prompt_into_the_expression() -> None:
    for source in (s for s in _family_sources() if REGISTRY[s].category == CALCULATOR):
        rng = random.Random(source)
        for _ in range(25):
            draft = REGISTRY[source].fn(rng)
            in_prompt = _numbers(draft.prompt)
            in_expression = _numbers(draft.expression or "")
            given = len(re.findall(r"\d+(?:[.,]\d+)*", draft.prompt))  # an average divides by how many were given
            written = in_prompt | _spelled_digits(draft.prompt)
            assert in_expression - _FORMULA_CONSTANTS - {float(given - 1), float(given)} <= written, (source, draft)
            # Each number the user gave is used (counts of items in the prompt's words aside).
            assert in_prompt <= in_expression | {0.0}, (source, draft)


def test_python_families_build_the_code_from_the_task_in_the_prompt() -> None:
    for source in (s for s in _family_sources() if REGISTRY[s].category == PYTHON):
        rng = random.Random(source)
        for _ in range(10):
            draft = REGISTRY[source].fn(rng)
            code = draft.code or ""
            assert draft.fragile
            for literal in re.findall(r"'([^']*)'", code):
                if literal not in ("aeiou", " ", "", "%A"):
                    assert literal in draft.prompt, (source, draft)
            if "datetime" in code:
                continue  # a spelled month ("March") is its number in the code
            assert _numbers(code) - {0.0, 0.5, 1.0, 2.0, 5.0, 8.0, 16.0} <= _numbers(draft.prompt) | {
                n + 1 for n in _numbers(draft.prompt)
            }, (source, draft)


def test_sort_and_base_families_follow_the_words_that_name_the_operation() -> None:
    for seed in range(200):
        values, code = py_families._sort_list(random.Random(seed))
        descending = any(
            word in str(values["o"]) for word in ("desc", "largest to", "high to", "biggest", "decr", "Z to", "reverse")
        )
        assert ("reverse=True" in code) == descending, (values, code)
        values, code = py_families._to_decimal(random.Random(seed))
        base = {"hexadecimal": 16, "binary": 2, "octal": 8}[str(values["w"])]
        assert code == f"print(int({values['t']!r}, {base}))"


def test_summary_counts_families_and_their_templates() -> None:
    records = [
        {"source": s, "category": REGISTRY[s].category, "prompt": "p", "tool": "calculator", "tool_args": {}}
        for s in ("synth_calc/pct_off_ask", "synth_calc/pct_off_story", "synth_calc/bmi")
    ]
    summary = summarize(records)
    assert summary["families_per_category"] == {CALCULATOR: 2}
    assert summary["templates_per_family"] == {"synth_calc/pct_off": 2}


def test_the_split_never_joins_two_templates_of_one_family_into_one_group() -> None:
    committed = Path(__file__).resolve().parents[1] / "data" / "tool_calling_sft_dataset.json"
    if not committed.is_file():
        pytest.skip("the dataset has not been generated yet")
    samples = load_dataset(committed)
    for group in group_samples(samples):
        sources = {samples[i].source for i in group}
        families = [family_of(s) for s in sources]
        assert len(families) == len(set(families)), sorted(sources)
