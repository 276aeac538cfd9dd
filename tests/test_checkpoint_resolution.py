"""One way from a name or a path to a run: the registry resolves it, and every command opens the checkpoint with
the run's stored config (its backend, Tinker URL, device, precision and data split), not with defaults.

Real registries on disk and the real commands; the Tinker runs point at a port where nothing listens, so each
command's service is really constructed against the run's URL and stops at the reachability probe, which names
the URL it tried.
"""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from sft.chat import main as chat_main
from sft.checkpoints import CheckpointNotFoundError, RunRegistry, resolve_checkpoint, resolve_run
from sft.config import TrainConfig
from sft.evaluate import main as evaluate_main
from sft.serve import main as serve_main

SAMPLER = "tinker://session-1/sampler_weights/final_checkpoint"
STATE = "tinker://session-1/weights/final_checkpoint"


def closed_port_url() -> str:
    """A local URL where nothing listens (connections are refused at once)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@pytest.fixture
def tinker_run(tmp_path: Path, dataset_file: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, str]:
    """A run trained on a self-hosted Tinker server (a non-default URL), with its final checkpoint registered."""
    monkeypatch.delenv("TINKER_BASE_URL", raising=False)
    url = closed_port_url()
    config = TrainConfig(backend="tinker", base_url=url, data_path=str(dataset_file), remote_timeout_s=5.0)
    checkpoints = tmp_path / "checkpoints"
    registry = RunRegistry(checkpoints, "self-hosted")
    registry.start("tinker", "Qwen/Qwen3.5-4B", config.to_dict())
    registry.record("final_checkpoint", 600, STATE, SAMPLER)
    return checkpoints, url


def test_a_name_and_its_paths_resolve_to_the_run_with_its_stored_config(tinker_run: tuple[Path, str]) -> None:
    checkpoints, url = tinker_run
    for given in ("final_checkpoint", SAMPLER, STATE):
        resolved = resolve_checkpoint(given, checkpoints)
        assert resolved.run_name == "self-hosted" and resolved.record is not None
        assert resolved.record.name == "final_checkpoint" and resolved.base_model == "Qwen/Qwen3.5-4B"
        assert resolved.config.backend == "tinker" and resolved.config.resolved_base_url() == url
        assert resolved.config.remote_timeout_s == 5.0
    assert resolve_checkpoint("final_checkpoint", checkpoints).sampler_path == SAMPLER
    # What a command is given goes over the stored config; what it is not given stays the run's.
    engine = resolve_checkpoint("final_checkpoint", checkpoints).engine_config(device="cpu", base_url=None)
    assert (engine.device, engine.base_url, engine.backend) == ("cpu", url, "tinker")


def test_the_registry_answers_whether_a_run_has_a_checkpoint(tinker_run: tuple[Path, str], tmp_path: Path) -> None:
    checkpoints, _ = tinker_run
    registry = RunRegistry(checkpoints, "self-hosted")
    assert registry.has("final_checkpoint") and not registry.has("checkpoint_step_100")
    assert not RunRegistry(checkpoints, "never-trained").has("final_checkpoint")


@pytest.mark.parametrize(
    "command, args",
    [
        (chat_main, ["final_checkpoint", "--prompt", "What is 17 * 23?"]),
        (evaluate_main, ["final_checkpoint", "--num_samples", "2", "--no_execute"]),
        (evaluate_main, ["final_checkpoint", "--untrained", "--num_samples", "2", "--no_execute"]),
        (serve_main, ["final_checkpoint", "--port", "0"]),
    ],
    ids=["chat", "evaluate", "evaluate-untrained", "serve"],
)
def test_every_command_opens_a_self_hosted_run_on_its_own_url(
    tinker_run: tuple[Path, str], capsys: pytest.CaptureFixture[str], command, args: list[str]
) -> None:
    checkpoints, url = tinker_run
    assert command([*args, "--checkpoint_dir", str(checkpoints)]) == 2
    err = capsys.readouterr().err
    assert f"error: Cannot reach the Tinker service at {url}" in err, err
    assert "Traceback" not in err


def test_a_path_no_run_saved_takes_the_given_runs_config_or_the_defaults_of_its_engine(
    tinker_run: tuple[Path, str], tmp_path: Path
) -> None:
    checkpoints, url = tinker_run
    adapter = tmp_path / "adapters" / "mine"
    adapter.mkdir(parents=True)
    alone = resolve_checkpoint(str(adapter), checkpoints)
    assert (alone.run_name, alone.record, alone.sampler_path) == (None, None, str(adapter))
    assert alone.config.backend == "local" and alone.base_model is None
    assert resolve_checkpoint("tinker://elsewhere/sampler_weights/x", checkpoints).config.backend == "tinker"
    of_run = resolve_checkpoint(str(adapter), checkpoints, "self-hosted")
    assert of_run.run_name == "self-hosted" and of_run.config.resolved_base_url() == url


def test_a_path_of_another_run_or_an_unknown_run_is_refused_naming_both(tinker_run: tuple[Path, str]) -> None:
    checkpoints, _ = tinker_run
    RunRegistry(checkpoints, "other").start("local", "m", {})
    with pytest.raises(CheckpointNotFoundError, match="checkpoint of run 'self-hosted', not of run 'other'"):
        resolve_checkpoint(SAMPLER, checkpoints, "other")
    with pytest.raises(CheckpointNotFoundError, match=r"no run 'missing' .* \(runs: other, self-hosted\)"):
        resolve_run(checkpoints, "missing")
    with pytest.raises(CheckpointNotFoundError, match="has no checkpoint 'checkpoint_step_5'"):
        resolve_checkpoint("checkpoint_step_5", checkpoints, "self-hosted")
