"""The dataset loader: schema validation with errors a user can act on, and a leak-free split."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sft.data_loader import (
    DatasetError,
    load_dataset,
    prompt_skeleton,
    select_validation_samples,
    split_dataset,
    validate_records,
)
from tests.conftest import make_records


def write(path: Path, records: object) -> Path:
    path.write_text(json.dumps(records), encoding="utf-8")
    return path


def test_valid_file_loads_every_record(dataset_file: Path, dataset_records: list[dict]) -> None:
    samples = load_dataset(dataset_file)
    assert [s.id for s in samples] == [r["id"] for r in dataset_records]
    assert {s.category for s in samples} == {"calculator", "python_exec", "no_tool"}


def test_bad_record_error_names_file_index_id_and_field(tmp_path: Path, dataset_records: list[dict]) -> None:
    dataset_records[2]["tool"] = "python"  # record 2 is a calculator sample
    path = write(tmp_path / "bad.json", dataset_records)
    with pytest.raises(DatasetError) as err:
        load_dataset(path)
    message = str(err.value)
    assert str(path) in message
    assert "record 2" in message
    assert repr(dataset_records[2]["id"]) in message
    assert "field 'tool'" in message


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda r: r.pop("prompt"), "prompt"),
        (lambda r: r.update(category="maths"), "category"),
        (lambda r: r.update(tool_needed="yes"), "tool_needed"),
        (lambda r: r.update(tool_args={"expr": "1+1"}), "tool_args"),
        (lambda r: r.update(toolargs=None), "toolargs"),
        (lambda r: r.update(prompt="   "), "prompt"),
    ],
)
def test_each_kind_of_problem_names_its_field(dataset_records: list[dict], mutate, field: str) -> None:
    mutate(dataset_records[0])
    with pytest.raises(DatasetError, match=f"record 0 .*field '{field}'"):
        validate_records(dataset_records, "data.json")


def test_duplicate_ids_are_rejected(dataset_records: list[dict]) -> None:
    dataset_records[3]["id"] = dataset_records[1]["id"]
    with pytest.raises(DatasetError, match="record 3 .*duplicate of record 1"):
        validate_records(dataset_records, "data.json")


def test_missing_file_says_how_to_create_it(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match="create_dataset.py"):
        load_dataset(tmp_path / "nope.json")


def test_invalid_json_reports_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('[{"id": "a",\n  "source": }]', encoding="utf-8")
    with pytest.raises(DatasetError, match=r"broken.json: invalid JSON: .* line 2, column"):
        load_dataset(path)


def test_jsonl_files_load_too(tmp_path: Path, dataset_records: list[dict]) -> None:
    path = tmp_path / "d.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in dataset_records) + "\n", encoding="utf-8")
    assert len(load_dataset(path)) == len(dataset_records)


def test_split_never_puts_one_source_on_both_sides() -> None:
    samples = validate_records(make_records(per_source=5))
    train, val = split_dataset(samples, validation_fraction=0.25, seed=0)
    assert val and train
    assert {s.source for s in train}.isdisjoint({s.source for s in val})
    assert {s.category for s in val} == {"calculator", "python_exec", "no_tool"}
    assert len(train) + len(val) == len(samples)


def test_split_keeps_near_duplicates_together_across_sources() -> None:
    records = make_records(per_source=1)
    twin = dict(records[1], id="twin", source="other_gen/other", prompt=records[1]["prompt"].upper() + "!!")
    samples = validate_records([*records, twin])
    assert prompt_skeleton(twin["prompt"]) == prompt_skeleton(records[1]["prompt"])
    for seed in range(10):
        train, val = split_dataset(samples, 0.3, seed)
        sides = {("val" if s in val else "train") for s in samples if s.id in ("twin", records[1]["id"])}
        assert len(sides) == 1


def test_split_is_deterministic_for_a_seed() -> None:
    samples = validate_records(make_records(per_source=3))
    assert split_dataset(samples, 0.25, 7) == split_dataset(samples, 0.25, 7)


def test_validation_selection_covers_every_category_even_when_small() -> None:
    samples = validate_records(make_records(per_source=3))
    chosen = select_validation_samples(samples, 3, seed=0)
    assert sorted(s.category for s in chosen) == ["calculator", "no_tool", "python_exec"]
    assert select_validation_samples(samples, 1000, 0) == select_validation_samples(samples, 1000, 0)
    assert len(select_validation_samples(samples, 1000, 0)) == len(samples)


def test_short_prompts_do_not_merge_unrelated_templates() -> None:
    records = make_records(per_source=3)
    bare = [
        dict(
            records[0],
            id=f"bare{i}",
            source=f"bare/t{i}",
            prompt=f"{i + 10} * 7",
            tool_args={"expression": f"{i + 10} * 7"},
        )
        for i in range(12)
    ]
    samples = validate_records(records + bare)
    train, val = split_dataset(samples, 0.3, seed=0)
    # Twelve templates of bare arithmetic share the empty skeleton, yet land on both sides of the split.
    assert any(s.source.startswith("bare/") for s in train) and any(s.source.startswith("bare/") for s in val)
