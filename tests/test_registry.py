"""The checkpoint registry cannot be corrupted: concurrent writers lose nothing, a bad file is a one-line error,
a run is registered only once it has validated, names are never reused by accident, and a resume only ever uses a
checkpoint that is complete on disk.

Real files, real processes (``fcntl`` locks are per process), real ``sft.train`` / ``sft.evaluate`` entry points.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from sft.checkpoints import (
    RegistryError,
    RunBusyError,
    RunExistsError,
    RunRegistry,
    clean_incomplete_writes,
    hold_run,
    last_complete,
    make_durable,
)
from sft.evaluate import main as evaluate_main
from sft.train import main as train_main
from sft.utils import default_run_name

REPO = Path(__file__).resolve().parent.parent

HAMMER = r"""
import sys
from sft.checkpoints import RunRegistry

registry = RunRegistry(sys.argv[1], "shared")
for i in range(int(sys.argv[3])):
    name = f"{sys.argv[2]}_{i}"
    written = registry.record(name, i, f"state/{name}", f"sampler/{name}")
    assert (written.name, written.step, written.state_path) == (name, i, f"state/{name}"), written
"""


def env() -> dict[str, str]:
    environment = dict(os.environ, PYTHONPATH=str(REPO), HF_HUB_OFFLINE="1")
    environment.pop("TINKER_API_KEY", None)
    return environment


def fake_state(folder: Path, step: int, base_model: str = "m") -> Path:
    """A local training-state folder as the engine writes it (files and their metadata)."""
    folder.mkdir(parents=True)
    (folder / "adapter_model.safetensors").write_bytes(os.urandom(4096))
    (folder / "optimizer.pt").write_bytes(os.urandom(8192))
    (folder / "state.json").write_text(json.dumps({"step": step, "base_model": base_model}))
    return folder


def test_two_processes_recording_at_once_lose_no_entry(tmp_path: Path) -> None:
    RunRegistry(tmp_path, "shared").start("local", "m", {})
    per_process = 100
    writers = [
        subprocess.Popen([sys.executable, "-c", HAMMER, str(tmp_path), who, str(per_process)], env=env())
        for who in ("a", "b")
    ]
    assert [w.wait(timeout=120) for w in writers] == [0, 0]
    names = set(RunRegistry(tmp_path, "shared").read()["checkpoints"])
    assert names == {f"{who}_{i}" for who in ("a", "b") for i in range(per_process)}


def test_record_returns_what_it_wrote(tmp_path: Path) -> None:
    registry = RunRegistry(tmp_path, "r")
    registry.start("local", "m", {})
    written = registry.record("checkpoint_step_2", 2, "s", "p", {"a": 1})
    assert written == registry.get("checkpoint_step_2")
    assert (written.step, written.state_path, written.sampler_path, written.files) == (2, "s", "p", {"a": 1})


@pytest.mark.parametrize(
    "content, why",
    [
        (b'{"run_name": "r", "backend": "local", "base_model": "m", "checkpoints": {"final_c', "invalid JSON"),
        (b"\xff\xfe garbage", "not UTF-8"),
        (b'{"backend": "local", "base_model": "m", "checkpoints": []}', "'checkpoints' is not an object"),
        (b'{"backend": "local", "base_model": "m", "checkpoints": {"c": {"step": "x"}}}', "checkpoint 'c': field"),
    ],
)
def test_a_corrupt_registry_is_one_line_naming_the_file_in_train_and_evaluate(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes, why: str
) -> None:
    registry = tmp_path / "checkpoints" / "r" / "checkpoints.json"
    registry.parent.mkdir(parents=True)
    registry.write_bytes(content)
    for command in (
        lambda: evaluate_main(["c", "--checkpoint_dir", str(tmp_path / "checkpoints"), "--run", "r"]),
        lambda: train_main(["--checkpoint_dir", str(tmp_path / "checkpoints"), "--run_name", "r", "--resume"]),
    ):
        capsys.readouterr()
        assert command() == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert err[-1].startswith(f"error: {registry}: corrupt checkpoint registry") and why in err[-1], err
        assert "Traceback" not in "\n".join(err)
    with pytest.raises(RegistryError, match=why):
        RunRegistry(tmp_path / "checkpoints", "r").records()


def test_a_failing_run_registers_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A bad dataset or a resume without a usable state stops the run before LATEST or the stored config move."""
    checkpoints = tmp_path / "checkpoints"
    old = RunRegistry(checkpoints, "old")
    old.start("local", "m", {"num_steps": 5, "seed": 0})
    old.record("checkpoint_step_2", 2, str(tmp_path / "gone"), None)  # its state folder was deleted
    RunRegistry(checkpoints, "other").start("local", "m", {})
    before = old.path.read_bytes()
    bad_data = tmp_path / "bad.json"
    bad_data.write_text("[{}]")
    common = ["--checkpoint_dir", str(checkpoints), "--log_dir", str(tmp_path / "logs"), "--backend", "local"]

    assert train_main([*common, "--data_path", str(bad_data), "--run_name", "new"]) == 2
    assert train_main([*common, "--run_name", "old", "--resume"]) == 2
    err = capsys.readouterr().err
    assert "no complete checkpoint to resume from (checkpoint_step_2 (step 2): its state folder" in err
    assert (checkpoints / "LATEST").read_text().strip() == "other"
    assert old.path.read_bytes() == before
    assert not (checkpoints / "new").exists()  # not even the folder its lock was in
    assert (checkpoints / "old" / "checkpoints.json").is_file()  # a registered run keeps its folder


def test_a_registered_run_name_is_not_reused_without_resume(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    checkpoints = tmp_path / "checkpoints"
    RunRegistry(checkpoints, "taken").start("local", "m", {})
    RunRegistry(checkpoints, "taken").start("local", "m", {})  # stopped before its first checkpoint: nothing to mix
    RunRegistry(checkpoints, "taken").record("checkpoint_step_2", 2, "s", None)
    with pytest.raises(RunExistsError):
        RunRegistry(checkpoints, "taken").start("local", "m", {})
    args = ["--checkpoint_dir", str(checkpoints), "--log_dir", str(tmp_path / "logs"), "--run_name", "taken"]
    assert train_main([*args, "--backend", "local", "--data_path", str(tmp_path / "missing.json")]) == 2
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert "run 'taken' already exists" in err and "--run_name taken --resume" in err


def test_default_run_names_are_unique_within_a_second() -> None:
    names = {default_run_name() for _ in range(200)}
    assert len(names) == 200


def test_one_process_trains_a_run_at_a_time(tmp_path: Path) -> None:
    registry = RunRegistry(tmp_path, "r")
    with hold_run(registry), pytest.raises(RunBusyError, match=f"pid {os.getpid()}"):
        hold_run(registry)
    hold_run(registry).close()  # released with its file


def test_resume_skips_missing_partial_and_mismatched_checkpoints_naming_why(tmp_path: Path) -> None:
    registry = RunRegistry(tmp_path, "r")
    registry.start("local", "m", {})
    weights = registry.run_dir / "weights"
    for step in (2, 4, 6, 8):
        state = fake_state(weights / f"checkpoint_step_{step}", step)
        registry.record(f"checkpoint_step_{step}", step, str(state), None, make_durable(str(state), None))
    (weights / "checkpoint_step_8" / "optimizer.pt").write_bytes(b"cut")  # partial
    (weights / "checkpoint_step_6" / "state.json").write_text(json.dumps({"step": 7, "base_model": "m"}))
    (weights / "checkpoint_step_4" / "state.json").write_text(json.dumps({"step": 4, "base_model": "o"}))  # same size
    record, skipped = last_complete(registry)
    assert record.name == "checkpoint_step_2"
    assert "checkpoint_step_8 (step 8): " in skipped[0] and "has 3 of its 8192 bytes" in skipped[0]
    assert "its state holds step 7, the registry says step 6" in skipped[1]
    assert "its state is of base model 'o', the run's is 'm'" in skipped[2]
    # Asking for one checkpoint considers it and the earlier ones only.
    record, skipped = last_complete(registry, at_most=registry.get("checkpoint_step_6"))
    assert record.name == "checkpoint_step_2" and len(skipped) == 2


def test_leftovers_of_interrupted_writes_are_cleaned_and_a_checkpoint_moved_aside_is_restored(tmp_path: Path) -> None:
    registry = RunRegistry(tmp_path, "r")
    weights = registry.run_dir / "weights"
    fake_state(weights / ".checkpoint_step_4.k2j3h4", 4)  # a write killed before its rename
    fake_state(weights / ".checkpoint_step_2.old-1a2b3c4d", 2)  # killed between "move old aside" and "move new in"
    fake_state(weights / ".checkpoint_step_2.x9y8z7", 2)
    kept = fake_state(weights / "checkpoint_step_6", 6)
    (registry.run_dir / ".checkpoints.json.abc123").write_text('{"run_na')  # a registry write cut off
    done = clean_incomplete_writes(registry)
    assert sorted(p.name for p in weights.iterdir()) == ["checkpoint_step_2", "checkpoint_step_6"]
    assert not list(registry.run_dir.glob(".checkpoints.json.*"))
    assert len(done) == 4 and any("restored" in line and "checkpoint_step_2" in line for line in done)
    assert (weights / "checkpoint_step_2" / "state.json").is_file() and kept.is_dir()


@pytest.mark.slow
def test_two_trainings_at_once_in_one_checkpoint_folder_keep_every_entry(tmp_path: Path, tiny_model_dir: Path) -> None:
    from tests.conftest import make_records

    (tmp_path / "data.json").write_text(json.dumps(make_records()), encoding="utf-8")
    args = ["--backend", "local", "--device", "cpu", "--base_model", str(tiny_model_dir), "--data_path", "data.json"]
    args += ["--num_steps", "3", "--batch_size", "2", "--lora_rank", "4", "--checkpoint_interval", "1"]
    args += ["--validation_samples", "0", "--log_interval", "1"]
    # No --run_name: both take a default name, in the same second.
    runs = [
        subprocess.Popen(
            [sys.executable, "-m", "sft.train", *args],
            cwd=tmp_path,
            env=env(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    results = [(r.wait(timeout=300), r.stderr.read()[-3000:]) for r in runs]
    assert [code for code, _ in results] == [0, 0], results
    registries = sorted((tmp_path / "checkpoints").glob("*/checkpoints.json"))
    assert len(registries) == 2
    expected = {f"checkpoint_step_{s}" for s in range(1, 4)} | {"final_checkpoint"}
    for path in registries:
        saved = json.loads(path.read_text())["checkpoints"]
        assert set(saved) == expected, path
        for entry in saved.values():  # each run's entries point at its own, complete states
            state = Path(tmp_path, entry["state_path"])
            assert state.parent.parent == path.parent, entry
            assert json.loads((state / "state.json").read_text())["step"] == entry["step"]
    assert (tmp_path / "checkpoints" / "LATEST").read_text().strip() in {p.parent.name for p in registries}
