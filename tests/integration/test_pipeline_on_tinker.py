"""The user's commands on Tinker: `python -m sft.train` and `python -m sft.evaluate` with `--backend tinker`,
run as a user runs them (subprocesses, command-line flags, TINKER_API_KEY in the environment), against the
real Tinker-API server of conftest.py through the official SDK.
"""

from __future__ import annotations

import json
import re
import shlex
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import make_records
from tests.integration.helpers import (
    checkpoint_ttls,
    cli_env,
    explain,
    finished_sessions,
    run_cli,
    server_rows,
    train_losses,
)

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


def test_chat_with_a_run_trained_on_a_self_hosted_server_uses_that_servers_url(
    workspace: Workspace, tinker_server: Any, first_run: Any
) -> None:
    """The run was trained with --base_url; chat is given no URL (and no TINKER_BASE_URL): it takes the run's."""
    before = finished_sessions(tinker_server)
    args = ["final_checkpoint", "--run", RUN, "--checkpoint_dir", str(workspace.checkpoints)]
    args += ["--prompt", "What is 17 * 23?", "--json", "--max_new_tokens", "16"]
    result = run_cli("sft.chat", args, workspace.root, env=cli_env(TINKER_BASE_URL=None))
    assert result.returncode == 0, explain(result)
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    assert isinstance(answer["reply"], str) and "decision" in answer, answer
    new = {sid: how for sid, how in finished_sessions(tinker_server).items() if sid not in before}
    assert list(new.values()) == ["success"], new  # chat's session, on this server


def test_constrained_decoding_on_tinker_is_refused_naming_the_option(workspace: Workspace, first_run: Any) -> None:
    """Tinker's sampling API takes no grammar: chat --constrained says so instead of replying unconstrained."""
    args = ["final_checkpoint", "--run", RUN, "--checkpoint_dir", str(workspace.checkpoints)]
    result = run_cli("sft.chat", [*args, "--prompt", "What is 17 * 23?", "--constrained"], workspace.root)
    assert result.returncode == 2, explain(result)
    assert "--constrained: grammar-constrained decoding runs on the local engine only" in result.stderr
    assert "Traceback" not in result.stderr and "model:" not in result.stdout


def test_without_the_default_model_or_its_replacement_training_stops_with_a_command_that_works(
    workspace: Workspace,
) -> None:
    """This server offers neither Qwen/Qwen3-4B-Instruct-2507 nor Qwen/Qwen3.5-4B, only its tiny model: the default
    command stops at once, lists what is offered, and prints the exact command to run instead, which works."""
    args = ["--backend", "tinker", "--base_url", workspace.base_url, "--num_steps", "1", "--run_name", "default-model"]
    args += ["--validation_samples", "0", *workspace.paths()]
    start = time.monotonic()
    result = run_cli("sft.train", args, workspace.root)
    assert result.returncode == 2, explain(result)
    assert time.monotonic() - start < 120  # at once: no model created, nothing retried
    assert "does not offer the base model 'Qwen/Qwen3-4B-Instruct-2507'" in result.stderr, explain(result)
    assert f"Models offered for training and sampling: {workspace.base_model}." in result.stderr
    assert not (workspace.checkpoints / "default-model").exists()  # nothing registered for a run that never started
    command = result.stderr.split("Run: ", 1)[1].strip().splitlines()[0]
    argv = shlex.split(command)
    assert argv[:3] == ["python", "-m", "sft.train"] and argv[-2:] == ["--base_model", workspace.base_model]
    retry = run_cli("sft.train", argv[3:], workspace.root)
    assert retry.returncode == 0, explain(retry)
    assert json.loads((workspace.checkpoints / "default-model" / "checkpoints.json").read_text())["base_model"] == (
        workspace.base_model
    )


def test_ctrl_c_while_a_step_is_queued_checkpoints_exactly_and_the_printed_command_resumes_it(
    workspace: Workspace, tinker_server: Any, first_run_metrics: list[dict[str, Any]]
) -> None:
    """Ctrl-C during a long queue wait: the step in flight finishes, a checkpoint of exactly the steps applied is
    saved (with step N+1's forward_backward already submitted ahead), and the printed command resumes from it with
    the losses of the uninterrupted run."""
    run = "interrupted"
    # The third forward_backward (step 3) waits in the simulated queue for 40 s.
    tinker_server.hold(["forward_backward"], hold_s=40, skip=2, count=1)
    args = [*TRAIN_FLAGS[:-1], run, "--num_steps", str(NUM_STEPS), "--checkpoint_interval", "100"]
    args += ["--queue_notice_interval_s", "3", "--base_url", workspace.base_url, "--base_model", workspace.base_model]
    args += workspace.paths()
    process = subprocess.Popen(
        [sys.executable, "-m", "sft.train", *args],
        cwd=workspace.root,
        env=cli_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    stderr: list[str] = []
    try:
        assert process.stderr is not None
        for line in process.stderr:
            stderr.append(line)
            if "Tinker forward_backward: queued for" in line and "paused_capacity" in line:
                process.send_signal(signal.SIGINT)
                break
        _, rest = process.communicate(timeout=600)
        stderr.append(rest or "")
    finally:
        tinker_server.release()
        if process.poll() is None:
            process.kill()
    text = "".join(stderr)
    assert process.returncode == 130, text[-6000:]
    match = re.search(r"saved (checkpoint_step_(\d+)) \(exactly (\d+) steps\)", text)
    assert match, text[-6000:]
    name, step = match.group(1), int(match.group(2))
    assert step == 3 == int(match.group(3))  # the held step finished; the one submitted ahead was not applied
    registry = json.loads((workspace.checkpoints / run / "checkpoints.json").read_text(encoding="utf-8"))
    assert registry["checkpoints"][name]["step"] == step and "final_checkpoint" not in registry["checkpoints"]
    assert list(finished_sessions(tinker_server).values()).count("interrupted") >= 1

    resume = shlex.split(text.split("Resume with:", 1)[1].strip().splitlines()[0])
    assert resume[:3] == ["python", "-m", "sft.train"] and resume[-4:] == ["--run_name", run, "--resume_from", name]
    resumed = run_cli("sft.train", resume[3:], workspace.root)
    assert resumed.returncode == 0, explain(resumed)
    losses = train_losses([json.loads(x) for x in (workspace.logs / run / "metrics.jsonl").read_text().splitlines()])
    reference = train_losses(first_run_metrics)
    assert sorted(losses) == list(range(1, NUM_STEPS + 1))
    for s in range(1, NUM_STEPS + 1):  # the same batches, the same weights: the same losses, before and after
        assert losses[s] == pytest.approx(reference[s], rel=1e-4), (s, losses[s], reference[s])


def test_periodic_checkpoints_expire_after_a_week_and_the_final_one_never(
    workspace: Workspace, tinker_server: Any, first_run: Any
) -> None:
    # The first run's model (the resume test re-saves final_checkpoint from another client later).
    name = f"checkpoint_step_{CHECKPOINT_INTERVAL}"
    model_id = workspace.registry()["checkpoints"][name]["state_path"].split("/")[2]
    saves = {
        (e["kind"], e["name"]): e["ttl_seconds"] for e in checkpoint_ttls(tinker_server) if e["model_id"] == model_id
    }
    for kind in ("weights", "sampler_weights"):
        assert saves[(kind, f"checkpoint_step_{CHECKPOINT_INTERVAL}")] == 7 * 24 * 3600
        assert saves[(kind, "final_checkpoint")] is None


def test_every_command_closes_its_session(workspace: Workspace, tinker_server: Any, first_run: Any) -> None:
    before = finished_sessions(tinker_server)
    output = workspace.root / "eval-close.json"
    args = ["final_checkpoint", "--num_samples", "2", "--run", RUN, "--max_new_tokens", "8", "--no_execute"]
    args += ["--checkpoint_dir", str(workspace.checkpoints), "--output", str(output)]
    result = run_cli("sft.evaluate", args, workspace.root)
    assert result.returncode == 0, explain(result)
    after = finished_sessions(tinker_server)
    new = {sid: how for sid, how in after.items() if sid not in before}
    assert list(new.values()) == ["success"], after  # evaluate's session, ended as a success
    assert "success" in before.values()  # and the training run's (first_run) before it


def test_greedy_sampling_asks_for_top_k_1_at_temperature_0(tinker_server: Any, first_run: Any) -> None:
    """Validation during training sampled greedily: every sample request carried temperature 0 and top_k 1."""
    rows = server_rows(tinker_server, "SELECT request_data FROM futures WHERE request_type = 'SAMPLE'")
    rows += server_rows(tinker_server, "SELECT request_data FROM futures WHERE request_type = 'sample'")
    params = [json.loads(data)["sampling_params"] for (data,) in rows]
    assert params, "no sample requests recorded"
    assert all(p["temperature"] == 0.0 and p["top_k"] == 1 for p in params), params[:3]


def test_evaluating_a_run_whose_model_was_retired_says_so_at_once(workspace: Workspace) -> None:
    """A run trained on Qwen/Qwen3-4B-Instruct-2507, which the service no longer offers."""
    run = "retired-model-run"
    run_dir = workspace.checkpoints / run
    run_dir.mkdir(parents=True)
    config = {"backend": "tinker", "base_url": workspace.base_url, "data_path": str(workspace.data)}
    entry = {"step": 600, "state_path": "tinker://run-2026/weights/final_checkpoint"}
    entry["sampler_path"] = "tinker://run-2026/sampler_weights/final_checkpoint"
    registry = {"run_name": run, "backend": "tinker", "base_model": "Qwen/Qwen3-4B-Instruct-2507", "config": config}
    registry["checkpoints"] = {"final_checkpoint": {**entry, "saved_at": "2026-05-01T10:00:00+00:00"}}
    (run_dir / "checkpoints.json").write_text(json.dumps(registry), encoding="utf-8")
    start = time.monotonic()
    args = ["final_checkpoint", "--run", run, "--checkpoint_dir", str(workspace.checkpoints)]
    result = run_cli("sft.evaluate", args, workspace.root)
    assert result.returncode == 2, explain(result)
    assert time.monotonic() - start < 120
    message = result.stderr
    assert "Cannot evaluate final_checkpoint of run retired-model-run" in message, explain(result)
    assert "'Qwen/Qwen3-4B-Instruct-2507', which Tinker at" in message and "no longer offers" in message
    assert f"Models offered for training and sampling: {workspace.base_model}." in message
    assert "Traceback" not in message and "sending it again" not in message


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


def test_a_service_that_accepts_but_never_answers_stops_training_within_the_timeout(tmp_path: Path) -> None:
    """Needs no server: a port that accepts connections (into the kernel's backlog) and never answers, so the run
    must stop on its own time limit, not on a refused connection."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(16)
        url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        data = tmp_path / "data.json"
        data.write_text(json.dumps(make_records()), encoding="utf-8")
        args = ["--backend", "tinker", "--base_url", url, "--remote_timeout_s", "4", "--num_steps", "1"]
        args += ["--data_path", str(data), "--checkpoint_dir", str(tmp_path / "ck"), "--log_dir", str(tmp_path / "l")]
        start = time.monotonic()
        result = run_cli("sft.train", args, tmp_path, timeout_s=300)
        elapsed = time.monotonic() - start
    assert result.returncode == 2, explain(result)
    assert "no answer within 4 s" in result.stderr and url in result.stderr, explain(result)
    assert "Traceback" not in result.stderr
    # The limit, plus start-up (imports, dataset) on a busy CPU; the SDK alone would wait and retry for minutes.
    assert elapsed < 60, elapsed
    assert not (tmp_path / "ck" / "LATEST").exists()  # nothing registered
