"""The recipe study's paraphrase set is verified by the real tools, and its table reports what it measured."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks import study
from sft.data_loader import load_dataset
from sft.tools import run_tool

REPO = Path(__file__).resolve().parent.parent


def test_paraphrase_answers_are_what_the_tools_return() -> None:
    samples = load_dataset(REPO / "benchmarks" / "study_paraphrases.json")
    assert {s.category for s in samples} == {"calculator", "python_exec", "no_tool"}
    for s in samples:
        if s.tool:
            result = run_tool(s.tool, s.tool_args)
            assert result.ok and result.output == s.expected_answer, s.id


def _prediction(category: str, source: str, tool_ok: bool, executed: bool | None) -> dict:
    return {
        "category": category,
        "source": source,
        "expected_decision": "final" if category == "no_tool" else category,
        "valid_json": True,
        "correct_tool": tool_ok,
        "execution_correct": executed,
    }


def test_rows_report_rates_per_category_and_family(tmp_path, monkeypatch) -> None:
    predictions = [
        _prediction("calculator", "synth_calc/pct_off_story", True, True),
        _prediction("calculator", "synth_calc/pct_off_terse", True, False),
        _prediction("python_exec", "synth_py/gcd_question", False, None),
        _prediction("no_tool", "smalltalk/greeting", True, None),
    ]
    summary = study.summarize({"scope": "4 samples", "wall_s": 3.0, "predictions": predictions})
    assert summary["correct_tool_rate"] == 0.75
    assert summary["execution_accuracy"] == pytest.approx(1 / 3)  # over the three tool samples
    assert summary["per_category"]["calculator"]["execution_accuracy"] == 0.5
    assert summary["per_family"]["synth_calc/pct_off"]["n"] == 2  # both phrasings of one family
    row = {
        "about": "x",
        "dataset_sha256": "ca8488054fbd",
        "num_steps": 600,
        "train_s": 600.0,
        "recorded": "t",
        "eval": {"validation": summary},
    }
    table = study.render_table({"study-default": row})
    assert "| study-default | `ca848805` | 600 | 10.0 min | 100% | 75% | 50% | 0% | n/a |" in table


def test_unknown_recipe_is_refused() -> None:
    with pytest.raises(SystemExit):
        study.parse_args(["no-such-recipe"])
    assert json.loads(json.dumps(study.RECIPES))  # recipes are plain data (recorded with each row)
