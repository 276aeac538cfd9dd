"""Task families (``sft.datagen.calc_families`` and ``py_families``): minimal pairs, several phrasing styles per
family, numbers and task parameters copied exactly from the prompt into the call."""

from __future__ import annotations

import random
import re
from collections import defaultdict
from pathlib import Path

import pytest

from sft.data_loader import group_samples, load_dataset, prompt_skeleton
from sft.datagen import REGISTRY, calc_families, py_families
from sft.datagen.chat_templates import DIGIT_WORDS
from sft.datagen.core import (
    CALCULATOR,
    NO_TOOL,
    PYTHON,
    Draft,
    TemplateSpec,
    family_of,
    pick,
    split_phrasings,
)
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
        if s.category in (CALCULATOR, PYTHON) and s.fn.__module__ == "sft.datagen.core" and not s.half
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
    assert family_of("synth_calc/bmi_h1") == "bmi"
    assert family_of("synth_calc/no_such_template") == "no_such_template"
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
        for s in ("synth_calc/pct_off_ask", "synth_calc/pct_off_story", "synth_calc/bmi_h1")
    ]
    summary = summarize(records)
    assert summary["families_per_category"] == {CALCULATOR: 2}
    assert summary["templates_per_family"] == {"synth_calc/pct_off": 2}


def test_the_split_never_joins_two_templates_of_one_family_into_one_group() -> None:
    committed = Path(__file__).resolve().parents[1] / "data" / "tool_calling_sft_dataset.json"
    if not committed.is_file():
        pytest.skip("the dataset has not been generated yet")
    samples = load_dataset(committed)
    halves_joined: set[str] = set()
    halves: set[str] = {spec.family for spec in REGISTRY.values() if spec.half}
    for group in group_samples(samples):
        sources = {samples[i].source for i in group}
        families = [family_of(s) for s in sources]
        repeated = {f for f in families if families.count(f) > 1}
        # Two phrasing halves of one template may share a prompt skeleton by chance; the split then keeps them on one
        # side, as one template. That must stay rare, and it never happens to the hand-written styles.
        assert repeated <= halves, sorted(sources)
        halves_joined |= repeated
    assert len(halves_joined) <= 0.02 * len(halves), sorted(halves_joined)


# --- phrasing halves of single-template families (core.split_phrasings) ---------------------------------------------


def _prompts(source: str, n: int = 120) -> set[str]:
    rng = random.Random(7)
    return {prompt_skeleton(REGISTRY[source].fn(rng).prompt) for _ in range(n)}


def test_a_single_template_family_becomes_two_halves_that_never_share_a_phrasing() -> None:
    h1, h2 = REGISTRY["synth_py/dedupe_list_h1"], REGISTRY["synth_py/dedupe_list_h2"]
    assert "synth_py/dedupe_list" not in REGISTRY
    assert (h1.family, h2.family) == ("dedupe_list", "dedupe_list") and (h1.half, h2.half) == (1, 2)
    assert h1.weight == h2.weight == 0.5  # the original's weight, shared
    # The wording that stays after numbers are removed tells the phrasings apart: the halves ask differently.
    first = {re.sub(r"\s+", " ", s) for s in _prompts("synth_py/dedupe_list_h1")}
    second = {re.sub(r"\s+", " ", s) for s in _prompts("synth_py/dedupe_list_h2")}
    assert first and second and not first & second
    # Between them they still ask every way the original did (3 phrasings, with or without a "run it" prefix).
    assert any("remove duplicates" in s for s in first | second)
    assert any("deduplicate this list" in s for s in first | second)
    assert any("unique values of" in s for s in first | second)


def test_templates_whose_prompt_is_not_a_phrasing_list_stay_whole() -> None:
    registry: dict[str, TemplateSpec] = {}

    def fixed(rng: random.Random) -> Draft:
        # The only split-able list picks a suffix: halves would differ in two words, so the probe keeps it whole.
        return Draft(prompt="What is the tallest mountain on Earth" + pick(rng, ("?", ", please?")), answer="Everest.")

    def listed(rng: random.Random) -> Draft:
        return Draft(prompt=pick(rng, ("Name a primary colour.", "Give me one primary colour.")), answer="Red.")

    registry["t/fixed"] = TemplateSpec("t/fixed", NO_TOOL, fixed, family="fixed")
    registry["t/listed"] = TemplateSpec("t/listed", NO_TOOL, listed, weight=2.0, family="listed")
    registry["t/pair_a"] = TemplateSpec("t/pair_a", NO_TOOL, listed, family="pair")
    registry["t/pair_b"] = TemplateSpec("t/pair_b", NO_TOOL, listed, family="pair")
    assert split_phrasings(registry) == ["t/listed"]
    assert sorted(registry) == ["t/fixed", "t/listed_h1", "t/listed_h2", "t/pair_a", "t/pair_b"]
    rng = random.Random(0)
    assert {registry["t/listed_h1"].fn(rng).prompt for _ in range(20)} == {"Name a primary colour."}
    assert {registry["t/listed_h2"].fn(rng).prompt for _ in range(20)} == {"Give me one primary colour."}
    assert registry["t/listed_h1"].weight == 1.0 and registry["t/listed_h2"].family == "listed"
    # Outside a half, pick draws from every phrasing as before.
    assert {listed(rng).prompt for _ in range(40)} == {"Name a primary colour.", "Give me one primary colour."}
