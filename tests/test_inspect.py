"""`python -m sft.inspect` shows the loss mask the trainer really uses, for every category."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from sft.data_loader import CATEGORIES, validate_records
from sft.inspect import CLOSE, GREEN, OPEN, inspect_sample, render, select
from sft.prompt_builder import render_instruction
from sft.renderers import CHATML, IM_END
from sft.reply_format import target_object, to_json
from tests.conftest import make_records

REPO = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("category", CATEGORIES)
def test_weights_are_zero_on_system_and_user_tokens_and_one_on_the_json_and_end_of_turn(tokenizer, category) -> None:
    sample = select(validate_records(make_records()), category=category)[0]
    item = inspect_sample(sample, tokenizer, CHATML)

    unweighted = "".join(p for p, w in zip(item.pieces, item.weights) if not w)
    weighted = "".join(p for p, w in zip(item.pieces, item.weights) if w)
    # Every system and user token (and the assistant header) is unweighted, and nothing else is.
    assert unweighted == render_instruction(sample.prompt, renderer=CHATML)
    assert sample.prompt in unweighted and "<|im_start|>system" in unweighted
    # Exactly the JSON target and the end-of-turn token are weighted, all with weight 1.
    assert weighted == to_json(target_object(sample)) + IM_END
    assert item.pieces[-1] == IM_END and item.weights[-1] == 1.0
    assert {w for w in item.weights if w} == {1.0}
    assert item.weights[0] is None  # the first token is never a target
    assert item.weighted == len(tokenizer.encode(weighted, add_special_tokens=False))
    assert item.weighted + item.unweighted == len(item.token_ids)
    assert item.prompt_matches


def test_plain_output_marks_the_weighted_run_and_a_terminal_gets_colour(tokenizer) -> None:
    sample = select(validate_records(make_records()), category="calculator")[0]
    item = inspect_sample(sample, tokenizer, CHATML)
    plain = render(item, colour=False)
    assert f"{OPEN}{to_json(target_object(sample))}{IM_END}{CLOSE}" in plain
    assert f"{item.weighted} weighted" in plain and "\033[" not in plain
    coloured = render(item, colour=True)
    assert GREEN in coloured and OPEN + "{" not in coloured


def test_the_command_selects_by_index_and_category_and_prints_json(dataset_file: Path, capsys) -> None:
    from sft.inspect import main

    assert main(["--data_path", str(dataset_file), "--index", "0", "5", "--json"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    records = json.loads(dataset_file.read_text())
    assert [r["id"] for r in rows] == [records[0]["id"], records[5]["id"]]
    assert all(r["generation_prompt_matches_training"] and r["weighted_text"].endswith(IM_END) for r in rows)

    assert main(["--data_path", str(dataset_file), "--category", "no_tool", "--n", "2"]) == 0
    out = capsys.readouterr().out
    assert out.count("category no_tool") == 2 and "\033[" not in out  # not a terminal: marks, no colour
    assert "2 samples:" in out

    assert main(["--data_path", str(dataset_file), "--index", "999"]) == 2
    assert "--index 999" in capsys.readouterr().err


def test_python_m_sft_inspect_runs_and_leaves_the_standard_inspect_alone(dataset_file: Path) -> None:
    import inspect

    assert inspect.signature(len) is not None and Path(inspect.__file__).parent != REPO / "sft"
    env = dict(os.environ, PYTHONPATH=str(REPO), HF_HUB_OFFLINE="1")
    command = [sys.executable, "-m", "sft.inspect", "--data_path", str(dataset_file), "--id", "calc_0_0", "--json"]
    result = subprocess.run(command, capture_output=True, text=True, env=env, cwd=REPO, timeout=120)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["id"] == "calc_0_0"


def test_arg_weight_shows_the_weights_a_run_with_that_option_trains_on(dataset_file: Path, capsys) -> None:
    from sft.inspect import main

    records = json.loads(dataset_file.read_text())
    call = next(i for i, r in enumerate(records) if r["tool"] == "calculator")
    assert main(["--data_path", str(dataset_file), "--index", str(call), "--json", "--arg_weight", "3"]) == 0
    tokens = json.loads(capsys.readouterr().out)["tokens"]
    heavy = "".join(t["text"] for t in tokens if t["weight"] == 3.0)
    assert records[call]["tool_args"]["expression"] in heavy
    assert {t["weight"] for t in tokens} == {None, 0.0, 1.0, 3.0}

    assert main(["--data_path", str(dataset_file), "--index", str(call), "--arg_weight", "-1"]) == 2
    assert "arg_weight" in capsys.readouterr().err
