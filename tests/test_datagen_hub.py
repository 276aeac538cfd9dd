"""Specification of the ``--hub-sources`` conversion, on offline fixtures shaped like the hub rows."""

from __future__ import annotations

import json
from pathlib import Path

from sft.data_loader import validate_records
from sft.datagen.hub import candidates_to_records, gsm8k_candidates, gsm8k_expression, mbpp_candidates

FIXTURES = Path(__file__).parent / "fixtures"


def _rows(name: str) -> list[dict]:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def test_a_chain_of_gsm8k_steps_becomes_one_expression() -> None:
    answer = "He has 5*12 = <<5*12=60>>60 pencils.\nHe keeps 60-17 = <<60-17=43>>43 pencils.\n#### 43"
    assert gsm8k_expression(answer) == "(5 * 12) - 17"


def test_gsm8k_rows_without_annotations_or_with_a_wrong_total_are_dropped() -> None:
    rows = _rows("hub_gsm8k_rows.json")
    kept = gsm8k_candidates(rows, limit=100)
    questions = {c.prompt for c in kept}
    assert rows[6]["question"] not in questions  # no calculator annotation
    assert rows[7]["question"] not in questions  # the annotated steps do not reach the stated answer
    assert len(kept) == 6


def test_hub_limit_caps_each_dataset() -> None:
    assert len(gsm8k_candidates(_rows("hub_gsm8k_rows.json"), limit=2)) == 2


def test_hub_records_are_verified_and_pass_the_loader() -> None:
    candidates = gsm8k_candidates(_rows("hub_gsm8k_rows.json"), 100) + mbpp_candidates(_rows("hub_mbpp_rows.json"), 100)
    records = candidates_to_records(candidates, existing=[])
    validate_records(records)
    by_source = {r["source"]: r for r in records}
    assert by_source["hub_mbpp/task_901"]["expected_answer"] == "14"
    assert by_source["hub_mbpp/task_904"]["expected_answer"] == "[1, 2, 3, 4, 9, 10]"
    assert "hub_mbpp/task_903" not in by_source  # its reference solution fails
    assert by_source["hub_gsm8k/row_00004"]["expected_answer"] == "24"


def test_hub_prompts_already_in_the_dataset_are_skipped() -> None:
    candidates = gsm8k_candidates(_rows("hub_gsm8k_rows.json"), 100)
    existing = [{"prompt": candidates[0].prompt.upper()}]
    records = candidates_to_records(candidates, existing=existing)
    assert candidates[0].prompt not in {r["prompt"] for r in records}
