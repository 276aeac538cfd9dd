"""Submit-ahead (step N+1's forward_backward queued before step N's results are awaited) without the resume bug:
a checkpoint holds exactly the steps applied, and resuming from it replays the uninterrupted run exactly.

Local engine, a tiny random Llama, through ``python -m sft.train``'s entry point.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from sft.train import main

STEPS = 6


def train(tmp_path: Path, dataset_file: Path, model_dir: Path, run: str, *extra: str) -> list[dict]:
    args = ["--backend", "local", "--device", "cpu", "--base_model", str(model_dir), "--data_path", str(dataset_file)]
    args += ["--checkpoint_dir", str(tmp_path / "checkpoints"), "--log_dir", str(tmp_path / "logs"), "--run_name", run]
    args += ["--batch_size", "4", "--lora_rank", "4", "--log_interval", "1", "--checkpoint_interval", "2"]
    args += ["--learning_rate", "2e-2", "--lr_schedule", "constant", "--warmup_steps", "0", "--seed", "3"]
    args += ["--validation_interval", "3", "--validation_samples", "2", "--max_new_tokens", "4"]
    args += ["--validation_fraction", "0.25", "--submit_ahead", "true", *extra]
    assert main(args) == 0
    lines = (tmp_path / "logs" / run / "metrics.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines]


def adapter(tmp_path: Path, run: str, name: str) -> dict[str, torch.Tensor]:
    state = tmp_path / "checkpoints" / run / "weights" / name
    assert json.loads((state / "state.json").read_text())["step"] == int(name.rsplit("_", 1)[-1])
    return load_file(str(state / "adapter_model.safetensors"))


def losses(rows: list[dict]) -> dict[int, float]:
    return {r["step"]: r["train/loss"] for r in rows if "train/loss" in r}


@pytest.mark.slow
def test_checkpoints_hold_exactly_the_steps_applied_and_resume_replays_the_run(
    tmp_path: Path, dataset_file: Path, tiny_model_dir: Path
) -> None:
    full = train(tmp_path, dataset_file, tiny_model_dir, "full", "--num_steps", str(STEPS))
    reference = losses(full)
    assert sorted(reference) == list(range(1, STEPS + 1))
    at_2 = adapter(tmp_path, "full", "checkpoint_step_2")
    at_end = {k: v.clone() for k, v in adapter(tmp_path, "full", f"checkpoint_step_{STEPS}").items()}

    # A run that stops at step 2 never submits a third forward_backward: its weights are exactly 2 steps. The
    # uninterrupted run's checkpoint_step_2 was saved with step 3's forward_backward already queued: same weights.
    short = train(tmp_path, dataset_file, tiny_model_dir, "short", "--num_steps", "2")
    assert losses(short) == {s: reference[s] for s in (1, 2)}
    for key, value in adapter(tmp_path, "short", "checkpoint_step_2").items():
        assert torch.equal(value, at_2[key]), key

    # Resume the uninterrupted run from checkpoint_step_2: steps 3..6 again, with the same losses and weights.
    resumed = train(
        tmp_path, dataset_file, tiny_model_dir, "full", "--num_steps", str(STEPS), "--resume_from", "checkpoint_step_2"
    )
    again = losses(resumed[len(full) :])
    assert sorted(again) == list(range(3, STEPS + 1))
    for step, loss in again.items():
        assert loss == reference[step], (step, loss, reference[step])  # bit for bit: same inputs, same CPU kernels
    for key, value in adapter(tmp_path, "full", f"checkpoint_step_{STEPS}").items():
        assert torch.equal(value, at_end[key]), key
    # Validation during the run saw the weights of its step too: the same rates at step 3 and 6 both times.
    rates = [{k: v for k, v in r.items() if k.startswith("validation/")} | {"step": r["step"]} for r in full]
    rates_again = [{k: v for k, v in r.items() if k.startswith("validation/")} | {"step": r["step"]} for r in resumed]
    assert [r for r in rates if len(r) > 1 and r["step"] > 2] == [r for r in rates_again[len(full) :] if len(r) > 1]


@pytest.mark.slow
def test_submit_ahead_changes_nothing_but_speed(tmp_path: Path, dataset_file: Path, tiny_model_dir: Path) -> None:
    ahead = losses(train(tmp_path, dataset_file, tiny_model_dir, "ahead", "--num_steps", "4"))
    plain = losses(
        train(tmp_path, dataset_file, tiny_model_dir, "plain", "--num_steps", "4", "--submit_ahead", "false")
    )
    assert ahead == plain
    for key, value in adapter(tmp_path, "ahead", "checkpoint_step_4").items():
        assert torch.equal(value, adapter(tmp_path, "plain", "checkpoint_step_4")[key]), key
