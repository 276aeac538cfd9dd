"""The user's commands on Tinker: `python -m sft.train` and `python -m sft.evaluate` with `--backend tinker`,
run as a user runs them (subprocesses, command-line flags, TINKER_API_KEY in the environment), against the
real Tinker-API server of conftest.py through the official SDK.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import make_records
from tests.integration.conftest import API_KEY, REPO_ROOT

pytestmark = pytest.mark.tinker_it

RUN = "tinker-it-run"
NUM_STEPS = 8
CHECKPOINT_INTERVAL = 4
# Constant learning rate: a resumed run then sees exactly the learning rates the first run saw.
TRAIN_FLAGS = [
    "--backend", "tinker",
    "--batch_size", "4",
    "--lora_rank", "8",
    "--learning_rate", "3e-2",
    "--lr_schedule", "constant",
    "--warmup_steps", "0",
    "--log_interval", "1",
    "--checkpoint_interval", str(CHECKPOINT_INTERVAL),
    "--validation_interval", str(NUM_STEPS),
    "--validation_samples", "2",
    "--max_new_tokens", "16",
    "--run_name", RUN,
]  # fmt: skip
CLI_TIMEOUT_S = 900


@dataclass
class Workspace:
    """Where a user's runs write, and the server they use."""

    root: Path
    data: Path
    checkpoints: Path
    logs: Path
    base_url: str
    base_model: str

    def paths(self) -> list[str]:
        return ["--data_path", str(self.data), "--checkpoint_dir", str(self.checkpoints), "--log_dir", str(self.logs)]

    def metrics(self) -> list[dict[str, Any]]:
        lines = (self.logs / RUN / "metrics.jsonl").read_text(encoding="utf-8").splitlines()
        return [json.loads(line) for line in lines]

    def registry(self) -> dict[str, Any]:
        return json.loads((self.checkpoints / RUN / "checkpoints.json").read_text(encoding="utf-8"))


def run_cli(
    module: str, args: list[str], cwd: Path, timeout_s: float = CLI_TIMEOUT_S
) -> subprocess.CompletedProcess[str]:
    """``python -m <module> <args>`` as a user runs it, with a Tinker API key in the environment."""
    env = dict(os.environ, TINKER_API_KEY=API_KEY, HF_HUB_OFFLINE="1", PYTHONPATH=str(REPO_ROOT))
    env.pop("TINKER_BASE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout_s,
        stdin=subprocess.DEVNULL,
    )


def explain(result: subprocess.CompletedProcess[str]) -> str:
    return f"exit {result.returncode}\n--- stdout ---\n{result.stdout[-4000:]}\n--- stderr ---\n{result.stderr[-6000:]}"


def train_losses(metrics: list[dict[str, Any]]) -> dict[int, float]:
    return {m["step"]: m["train/loss"] for m in metrics if "train/loss" in m}


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory, tinker_server: Any) -> Workspace:
    root = tmp_path_factory.mktemp("user")
    data = root / "data" / "tool_calling_sft_dataset.json"
    data.parent.mkdir()
    data.write_text(json.dumps(make_records()), encoding="utf-8")
    return Workspace(
        root, data, root / "checkpoints", root / "logs", tinker_server.base_url, str(tinker_server.model_dir)
    )


@pytest.fixture(scope="module")
def first_run(workspace: Workspace) -> subprocess.CompletedProcess[str]:
    """A short training run on Tinker: NUM_STEPS steps, checkpoints every CHECKPOINT_INTERVAL."""
    args = [*TRAIN_FLAGS, "--num_steps", str(NUM_STEPS), "--base_url", workspace.base_url]
    args += ["--base_model", workspace.base_model, *workspace.paths()]
    result = run_cli("sft.train", args, workspace.root)
    assert result.returncode == 0, explain(result)
    return result


@pytest.fixture(scope="module")
def first_run_metrics(workspace: Workspace, first_run: subprocess.CompletedProcess[str]) -> list[dict[str, Any]]:
    return workspace.metrics()


def test_training_on_tinker_lowers_the_loss(first_run_metrics: list[dict[str, Any]]) -> None:
    losses = train_losses(first_run_metrics)
    assert sorted(losses) == list(range(1, NUM_STEPS + 1))
    steps = sorted(losses)
    first, last = [losses[s] for s in steps[:3]], [losses[s] for s in steps[-3:]]
    assert losses[steps[-1]] < losses[steps[0]], losses
    assert sum(last) / 3 < sum(first) / 3, losses


def test_checkpoints_record_both_tinker_paths(workspace: Workspace, first_run: Any) -> None:
    registry = workspace.registry()
    assert registry["backend"] == "tinker"
    assert registry["base_model"] == workspace.base_model
    checkpoints = registry["checkpoints"]
    assert {f"checkpoint_step_{CHECKPOINT_INTERVAL}", "final_checkpoint"} <= set(checkpoints)
    for name, entry in checkpoints.items():
        assert re.fullmatch(rf"tinker://[^/]+/weights/{name}", entry["state_path"]), entry
        assert re.fullmatch(rf"tinker://[^/]+/sampler_weights/{name}", entry["sampler_path"]), entry
    assert checkpoints["final_checkpoint"]["step"] == NUM_STEPS


def test_validation_samples_the_model_during_training(first_run_metrics: list[dict[str, Any]]) -> None:
    validations = [m for m in first_run_metrics if "validation/valid_json_rate" in m]
    assert [m["step"] for m in validations] == [NUM_STEPS]
    for key in ("validation/valid_json_rate", "validation/correct_format_rate", "validation/correct_tool_rate"):
        assert 0.0 <= validations[0][key] <= 1.0


def test_resumed_training_continues_exactly_where_the_checkpoint_left_off(
    workspace: Workspace, first_run_metrics: list[dict[str, Any]]
) -> None:
    before = train_losses(first_run_metrics)
    resume_point = f"checkpoint_step_{CHECKPOINT_INTERVAL}"
    state_path = workspace.registry()["checkpoints"][resume_point]["state_path"]
    args = [*TRAIN_FLAGS, "--num_steps", str(NUM_STEPS), "--resume_from", resume_point]
    args += ["--base_url", workspace.base_url, "--base_model", workspace.base_model, *workspace.paths()]
    result = run_cli("sft.train", args, workspace.root)
    assert result.returncode == 0, explain(result)
    assert f"resumed from {state_path} at step {CHECKPOINT_INTERVAL}" in result.stderr + result.stdout

    resumed = train_losses(workspace.metrics()[len(first_run_metrics) :])
    assert sorted(resumed) == list(range(CHECKPOINT_INTERVAL + 1, NUM_STEPS + 1))
    # Same weights, same Adam moments, same batches and learning rates: the same losses.
    for step, loss in resumed.items():
        assert loss == pytest.approx(before[step], rel=1e-4), (step, loss, before[step])
    final = workspace.registry()["checkpoints"]["final_checkpoint"]
    assert final["step"] == NUM_STEPS
    assert final["state_path"] != state_path and final["state_path"].startswith("tinker://")


def test_evaluate_scores_a_checkpoint_sampled_on_tinker(workspace: Workspace, first_run: Any) -> None:
    output = workspace.root / "eval.json"
    args = ["final_checkpoint", "--num_samples", "3", "--run", RUN, "--max_new_tokens", "16"]
    args += ["--checkpoint_dir", str(workspace.checkpoints), "--output", str(output)]
    result = run_cli("sft.evaluate", args, workspace.root)
    assert result.returncode == 0, explain(result)
    assert "valid JSON rate" in result.stdout
    evaluation = json.loads(output.read_text(encoding="utf-8"))
    assert evaluation["sampler_path"] == workspace.registry()["checkpoints"]["final_checkpoint"]["sampler_path"]
    assert evaluation["num_samples"] == len(evaluation["predictions"]) == 3
    for key in ("valid_json_rate", "correct_format_rate", "correct_tool_rate"):
        assert 0.0 <= evaluation["report"][key] <= 1.0


def test_the_default_model_is_checked_against_what_the_server_offers(workspace: Workspace) -> None:
    """Without --base_model a Tinker run uses Qwen/Qwen3-4B-Instruct-2507; this server only has its tiny model."""
    args = ["--backend", "tinker", "--base_url", workspace.base_url, "--num_steps", "1", "--run_name", "default-model"]
    result = run_cli("sft.train", [*args, *workspace.paths()], workspace.root)
    assert result.returncode != 0, explain(result)
    assert "does not offer base model 'Qwen/Qwen3-4B-Instruct-2507'" in result.stderr, explain(result)
    assert workspace.base_model in result.stderr and "--base_model Qwen/Qwen3.5-4B" in result.stderr


def test_an_unreachable_service_stops_training_within_the_timeout(tmp_path: Path) -> None:
    """Needs no server: a key, but nothing listening at the URL."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    data = tmp_path / "data.json"
    data.write_text(json.dumps(make_records()), encoding="utf-8")
    args = ["--backend", "tinker", "--base_url", url, "--remote_timeout_s", "5", "--num_steps", "1"]
    args += ["--data_path", str(data), "--checkpoint_dir", str(tmp_path / "ck"), "--log_dir", str(tmp_path / "logs")]
    start = time.monotonic()
    result = run_cli("sft.train", args, tmp_path, timeout_s=300)
    elapsed = time.monotonic() - start
    assert result.returncode != 0, explain(result)
    assert f"Cannot reach the Tinker service at {url}" in result.stderr, explain(result)
    # The SDK alone would retry for 5 minutes; start-up (imports, dataset) takes some seconds on a busy CPU.
    assert elapsed < 120, elapsed
