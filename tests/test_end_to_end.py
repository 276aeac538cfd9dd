"""The user's commands, end to end, on the bundled model: train a few steps, save, evaluate."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tinker import types

from sft.datum_builder import build_generation_prompt

REPO = Path(__file__).resolve().parent.parent
BUNDLED = "bundled:SmolLM2-135M-Instruct"


def run(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(REPO), HF_HUB_OFFLINE="1")
    env.pop("TINKER_API_KEY", None)
    return subprocess.run([sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=900)


def test_bundled_model_sampling_stops_at_end_of_turn() -> None:
    from sft.engines.local import LocalServiceClient

    sampler = LocalServiceClient(device="cpu").create_sampling_client(base_model=BUNDLED).result()
    tokenizer = sampler.get_tokenizer()
    im_end = tokenizer.convert_tokens_to_ids("<|im_end|>")
    prompt = build_generation_prompt("Say hello in one word.", tokenizer)
    seq = sampler.sample(prompt, 1, types.SamplingParams(max_tokens=96, temperature=0.0, stop=[im_end])).result()
    tokens = seq.sequences[0].tokens
    assert seq.sequences[0].stop_reason == "stop"
    assert tokens[-1] == im_end and im_end not in tokens[:-1]


def test_train_then_evaluate_through_the_commands_a_user_runs(tmp_path: Path, dataset_file: Path) -> None:
    steps = 4
    train = run(
        [
            "-m",
            "sft.train",
            "--data_path",
            str(dataset_file),
            "--num_steps",
            str(steps),
            "--batch_size",
            "2",
            "--log_interval",
            "2",
            "--checkpoint_interval",
            "2",
            "--validation_interval",
            "4",
            "--validation_samples",
            "3",
            "--validation_fraction",
            "0.25",
            "--max_new_tokens",
            "24",
            "--run_name",
            "e2e",
            "--backend",
            "local",
        ],
        cwd=tmp_path,
    )
    assert train.returncode == 0, train.stderr[-3000:]

    registry = json.loads((tmp_path / "checkpoints" / "e2e" / "checkpoints.json").read_text())
    assert registry["backend"] == "local" and registry["base_model"] == BUNDLED
    assert set(registry["checkpoints"]) == {"checkpoint_step_2", "checkpoint_step_4", "final_checkpoint"}
    for entry in registry["checkpoints"].values():
        assert Path(tmp_path, entry["state_path"], "optimizer.pt").is_file()
        assert Path(tmp_path, entry["sampler_path"], "adapter_config.json").is_file()
    assert (tmp_path / "checkpoints" / "LATEST").read_text().strip() == "e2e"

    rows = [json.loads(line) for line in (tmp_path / "logs" / "e2e" / "metrics.jsonl").read_text().splitlines()]
    losses = [r for r in rows if "train/loss" in r]
    validations = [r for r in rows if "validation/valid_json_rate" in r]
    assert [r["step"] for r in losses] == [2, 4]
    assert all(r["train/loss"] > 0 for r in losses)
    assert [r["step"] for r in validations] == [4]
    assert (tmp_path / "logs" / "e2e" / "curves.png").read_bytes().startswith(b"\x89PNG")
    log = (tmp_path / "logs" / "e2e" / "train.log").read_text()
    assert "step 2: loss " in log and "step 4: validation on 3 samples: valid_json_rate" in log
    config = json.loads((tmp_path / "logs" / "e2e" / "config.json").read_text())
    assert config["num_steps"] == steps and config["resolved"]["backend"] == "local"

    evaluate = run(["-m", "sft.evaluate", "final_checkpoint", "--num_samples", "4", "--show", "2"], cwd=tmp_path)
    assert evaluate.returncode == 0, evaluate.stderr[-3000:]
    for line in ("valid JSON rate:", "correct format rate:", "correct tool rate:", "Sample predictions:"):
        assert line in evaluate.stdout
    result = json.loads((tmp_path / "logs" / "e2e" / "eval_final_checkpoint_n4.json").read_text())
    assert result["num_samples"] == 4 and len(result["predictions"]) == 4

    baseline = run(
        ["-m", "sft.evaluate", "none", "--untrained", "--num_samples", "3", "--max_new_tokens", "8", "--show", "0"],
        cwd=tmp_path,
    )
    assert baseline.returncode == 0, baseline.stderr[-3000:]
    assert "(untrained)" in baseline.stdout
    assert (tmp_path / "logs" / "e2e" / "eval_untrained_n3.json").is_file()

    # Any file in the dataset schema is scored whole (no split), with the untrained base beside the checkpoint and a
    # Markdown summary beside the JSON results.
    records = json.loads(dataset_file.read_text())
    mine = tmp_path / "my.json"
    mine.write_text(json.dumps(records[:5]))
    scored = run(
        [
            *("-m", "sft.evaluate", "final_checkpoint", "--data", str(mine), "--max_new_tokens", "16"),
            *("--compare_base", "--constrained"),
        ],
        cwd=tmp_path,
    )
    assert scored.returncode == 0, scored.stderr[-3000:]
    assert "on 5 of 5 records of" in scored.stdout and "(untrained)" in scored.stdout
    result = json.loads((tmp_path / "logs" / "e2e" / "eval_final_checkpoint_my_n5.json").read_text())
    assert [p["id"] for p in result["predictions"]] == [r["id"] for r in records[:5]]
    assert len(result["untrained_base"]["predictions"]) == 5
    assert len(result["constrained"]["predictions"]) == 5 and "Constrained decoding" in scored.stdout
    summary = (tmp_path / "logs" / "e2e" / "eval_final_checkpoint_my_n5.md").read_text()
    assert summary.startswith("# Evaluation of final_checkpoint") and "| correct tool |" in summary

    chat = run(["-m", "sft.chat", "final_checkpoint", "--prompt", "What is 17 * 23?", "--json"], cwd=tmp_path)
    assert chat.returncode == 0, chat.stderr[-3000:]
    assert set(json.loads(chat.stdout.strip().splitlines()[-1])) >= {"reply", "decision"}

    # Resuming from a mid-run checkpoint continues the same run to a new final checkpoint.
    resumed = run(
        [
            "-m",
            "sft.train",
            "--run_name",
            "e2e",
            "--resume_from",
            "checkpoint_step_2",
            "--num_steps",
            "3",
            "--data_path",
            str(dataset_file),
            "--batch_size",
            "2",
            "--validation_samples",
            "0",
            "--backend",
            "local",
        ],
        cwd=tmp_path,
    )
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    registry = json.loads((tmp_path / "checkpoints" / "e2e" / "checkpoints.json").read_text())
    assert registry["checkpoints"]["final_checkpoint"]["step"] == 3


def test_unknown_checkpoint_name_lists_what_exists(tmp_path: Path) -> None:
    (tmp_path / "checkpoints" / "r").mkdir(parents=True)
    (tmp_path / "checkpoints" / "r" / "checkpoints.json").write_text(
        json.dumps(
            {"run_name": "r", "backend": "local", "base_model": BUNDLED, "checkpoints": {"final_checkpoint": {}}}
        )
    )
    result = run(["-m", "sft.evaluate", "checkpoint_step_300", "--num_samples", "2"], cwd=tmp_path)
    assert result.returncode == 2
    assert "no checkpoint 'checkpoint_step_300'" in result.stderr and "final_checkpoint" in result.stderr
