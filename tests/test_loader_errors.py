"""Hostile dataset files: every one is a one-line DatasetError naming the file, the record and the field, never a
traceback, both from the loader and through ``python -m sft.train``'s entry point."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sft.data_loader import DatasetError, load_dataset
from sft.train import main as train_main
from tests.conftest import make_records


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def array_with(value_json: str, index: int = 3, field: str = "expected_answer") -> bytes:
    """The test dataset as a JSON array, with ``field`` of record ``index`` replaced by raw JSON text."""
    records = make_records()
    records[index][field] = "@@VALUE@@"
    return json.dumps(records, indent=1).replace('"@@VALUE@@"', value_json).encode()


def lines_with(value_json: str, index: int = 3, field: str = "expected_answer") -> bytes:
    records = make_records()
    records[index][field] = "@@VALUE@@"
    return "\n".join(json.dumps(r) for r in records).replace('"@@VALUE@@"', value_json).encode()


def problem(path: Path) -> str:
    with pytest.raises(DatasetError) as raised:
        load_dataset(path)
    message = str(raised.value)
    # One line per problem, each naming the file (the summary line of a multi-problem report aside).
    assert all(str(path) in line for line in message.splitlines() if "problem(s)" not in line), message
    return message


def test_a_file_that_is_not_utf8_names_the_record_and_field(tmp_path: Path) -> None:
    data = json.dumps(make_records(), indent=1).encode().replace(b"Paris", b"Par\xffis")
    message = problem(write(tmp_path, "data.json", data))
    assert "record 8 (id 'chat_0_0'): field 'expected_answer': not UTF-8 text (byte 0xff" in message
    assert "\n" not in message


def test_a_category_that_is_an_array_is_a_field_error(tmp_path: Path) -> None:
    message = problem(write(tmp_path, "data.json", array_with('["calculator"]', field="category")))
    assert "record 3 (id 'calc_3_0'): field 'category': expected one of calculator, python_exec, no_tool" in message


@pytest.mark.parametrize("form", ["json", "jsonl"])
def test_a_5000_digit_integer_names_its_record_and_field(tmp_path: Path, form: str) -> None:
    data = array_with("9" * 5000) if form == "json" else lines_with("9" * 5000)
    message = problem(write(tmp_path, f"data.{form}", data))
    assert "record 3 (id 'calc_3_0'): field 'expected_answer': expected a string, got <an integer of 5000 digits>" in (
        message
    )
    assert len(message) < 400


@pytest.mark.parametrize("form", ["json", "jsonl"])
def test_deeply_nested_json_names_its_record_and_field(tmp_path: Path, form: str) -> None:
    nested = "[" * 100_000 + "]" * 100_000
    data = array_with(nested) if form == "json" else lines_with(nested)
    message = problem(write(tmp_path, f"data.{form}", data))
    where = "record 3, field 'expected_answer'" if form == "json" else "line 4 (record 3): field 'expected_answer'"
    assert f"{where}: JSON nested more than 100 levels deep" in message
    assert "\n" not in message and len(message) < 400


def test_train_reports_a_hostile_file_in_one_line_and_registers_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, "data.json", array_with("[" * 50_000 + "]" * 50_000))
    args = ["--backend", "local", "--data_path", str(path), "--run_name", "r"]
    args += ["--checkpoint_dir", str(tmp_path / "checkpoints"), "--log_dir", str(tmp_path / "logs")]
    assert train_main(args) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith(f"error: {path}: record 3, field 'expected_answer': JSON nested"), err[-3:]
    assert "Traceback" not in "\n".join(err)
    assert not (tmp_path / "checkpoints" / "LATEST").exists()
    assert not (tmp_path / "checkpoints" / "r" / "checkpoints.json").exists()
