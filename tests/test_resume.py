"""Interrupted runs resume exactly: after a SIGKILL between checkpoints, after SIGTERM (checkpoint, printed
command, non-zero exit), after a kill in the middle of a checkpoint write, and from a registered checkpoint whose
files are partial; a resumed run keeps its stored recipe.

Every run is ``python -m sft.train`` on the local engine with a tiny random Llama and the real tokenizer; the
interrupted runs are real subprocesses. Their kills land at a chosen point through hooks in libraries the run
uses (``tqdm``'s progress update, ``safetensors``' file write), not in this project's code, so the tests do not
race the training loop on a busy 2-core machine. Resumed losses and adapter weights are compared bit for bit with
an uninterrupted run: same inputs, same order, same CPU kernels, so exact equality is expected.
"""

from __future__ import annotations

import json
import os
import shlex
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from sft.train import main
from tests.conftest import make_records

REPO = Path(__file__).resolve().parent.parent
STEPS = 8

# Runs sft.train as `python -m sft.train` does, after installing one fault hook: argv = hook, at, train options.
CHILD = r"""
import os, runpy, signal, sys

hook, at = sys.argv[1], int(sys.argv[2])
if hook == "stop-after-step":  # SIGSTOP itself once the progress bar counts step `at`; the test sends the signal
    import tqdm

    update = tqdm.tqdm.update

    def update_then_stop(self, n=1):
        result = update(self, n)
        if self.desc == "train" and self.n == at:
            os.kill(os.getpid(), signal.SIGSTOP)
        return result

    tqdm.tqdm.update = update_then_stop
elif hook == "kill-in-checkpoint-write":  # write half of checkpoint_step_<at>'s first file, then SIGKILL
    import safetensors.torch as st

    save_file = st.save_file

    def half_then_kill(tensors, filename, metadata=None):
        if f"checkpoint_step_{at}" in str(filename):
            data = st.save(tensors, metadata)
            with open(filename, "wb") as f:
                f.write(data[: len(data) // 2])
                f.flush()
            os.kill(os.getpid(), signal.SIGKILL)
        return save_file(tensors, filename, metadata)

    st.save_file = half_then_kill
sys.argv = ["sft.train", *sys.argv[3:]]
runpy.run_module("sft.train", run_name="__main__", alter_sys=True)
"""


def options(root: Path, model_dir: Path, run: str) -> list[str]:
    args = ["--backend", "local", "--device", "cpu", "--base_model", str(model_dir)]
    args += ["--data_path", str(root / "data.json"), "--run_name", run]
    args += ["--checkpoint_dir", str(root / "checkpoints"), "--log_dir", str(root / "logs")]
    args += ["--num_steps", str(STEPS), "--batch_size", "4", "--lora_rank", "4", "--seed", "3"]
    args += ["--learning_rate", "2e-2", "--lr_schedule", "linear", "--warmup_steps", "2"]
    args += ["--log_interval", "1", "--checkpoint_interval", "2", "--validation_samples", "0"]
    return [*args, "--validation_fraction", "0.25"]


def losses(root: Path, run: str) -> dict[int, float]:
    """Loss per step as logged; a step logged again by a resumed run counts with its latest value."""
    rows = [json.loads(line) for line in (root / "logs" / run / "metrics.jsonl").read_text().splitlines()]
    return {r["step"]: r["train/loss"] for r in rows if "train/loss" in r}


def adapter(root: Path, run: str, name: str = "final_checkpoint") -> dict[str, torch.Tensor]:
    return load_file(str(root / "checkpoints" / run / "weights" / name / "adapter_model.safetensors"))


def registry(root: Path, run: str) -> dict:
    return json.loads((root / "checkpoints" / run / "checkpoints.json").read_text())


def train_log(root: Path, run: str) -> str:
    return (root / "logs" / run / "train.log").read_text()


def start_child(root: Path, hook: str, at: int, args: list[str]) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(REPO), HF_HUB_OFFLINE="1")
    env.pop("TINKER_API_KEY", None)
    out, err = (root / "child.out").open("w"), (root / "child.err").open("w")  # files: a full pipe would block it
    command = [sys.executable, "-c", CHILD, hook, str(at), *args]
    return subprocess.Popen(command, cwd=root, env=env, stdout=out, stderr=err)


def wait_stopped(child: subprocess.Popen, root: Path) -> None:
    _, status = os.waitpid(child.pid, os.WUNTRACED)
    assert os.WIFSTOPPED(status), (status, (root / "child.err").read_text()[-3000:])


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("resume")
    (path / "data.json").write_text(json.dumps(make_records()), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def reference(root: Path, tiny_model_dir: Path) -> tuple[dict[int, float], dict[str, torch.Tensor]]:
    """The uninterrupted run: its loss per step and final adapter."""
    assert main(options(root, tiny_model_dir, "reference")) == 0
    expected = losses(root, "reference")
    assert sorted(expected) == list(range(1, STEPS + 1))
    return expected, adapter(root, "reference")


def assert_same_run(root: Path, run: str, reference: tuple[dict[int, float], dict[str, torch.Tensor]]) -> None:
    expected_losses, expected_adapter = reference
    assert losses(root, run) == expected_losses
    final = adapter(root, run)
    assert final.keys() == expected_adapter.keys()
    for key, value in final.items():
        assert torch.equal(value, expected_adapter[key]), key
    assert registry(root, run)["checkpoints"]["final_checkpoint"]["step"] == STEPS


@pytest.mark.slow
def test_sigkill_between_checkpoints_then_resume_equals_the_uninterrupted_run(
    root: Path, tiny_model_dir: Path, reference, capsys: pytest.CaptureFixture[str]
) -> None:
    child = start_child(root, "stop-after-step", 5, options(root, tiny_model_dir, "killed"))
    wait_stopped(child, root)  # step 5 done, step 6's forward_backward in flight; checkpoint_step_4 saved
    child.send_signal(signal.SIGKILL)
    assert child.wait(timeout=60) == -signal.SIGKILL
    saved = registry(root, "killed")["checkpoints"]
    assert set(saved) == {"checkpoint_step_2", "checkpoint_step_4"}

    assert main(["--checkpoint_dir", str(root / "checkpoints"), "--run_name", "killed", "--resume"]) == 0
    assert "at step 4 (checkpoint_step_4)" in train_log(root, "killed")
    assert_same_run(root, "killed", reference)

    # The stored recipe holds: a conflicting option is refused with every difference listed, before any work.
    args = ["--checkpoint_dir", str(root / "checkpoints"), "--run_name", "killed", "--resume"]
    capsys.readouterr()
    assert main([*args, "--batch_size", "3", "--seed", "9", "--lora_rank", "4"]) == 2
    error = capsys.readouterr().err.strip().splitlines()[-1]
    assert "cannot resume run 'killed' with a different recipe: batch_size: stored 4, given 3; seed: stored 3" in error
    assert "lora_rank" not in error  # the stored value, given again: no difference
    other_data = root / "other.json"
    other_data.write_text(json.dumps(make_records()[::-1]), encoding="utf-8")
    assert main([*args, "--data_path", str(other_data)]) == 2
    assert "is not the dataset run 'killed' trained on (sha256" in capsys.readouterr().err
    # Extending the run is allowed, and the log says what it does to the learning-rate schedule.
    assert main([*args, "--num_steps", str(STEPS + 2)]) == 0
    log = train_log(root, "killed")
    assert f"num_steps {STEPS} -> {STEPS + 2}" in log and "linear learning-rate schedule is recomputed" in log
    assert registry(root, "killed")["checkpoints"]["final_checkpoint"]["step"] == STEPS + 2


@pytest.mark.slow
def test_sigterm_saves_a_checkpoint_prints_the_command_and_that_command_finishes_the_same_run(
    root: Path, tiny_model_dir: Path, reference
) -> None:
    child = start_child(root, "stop-after-step", 3, options(root, tiny_model_dir, "terminated"))
    wait_stopped(child, root)
    child.send_signal(signal.SIGTERM)
    child.send_signal(signal.SIGCONT)
    assert child.wait(timeout=120) == 143
    stderr = (root / "child.err").read_text()
    assert "Traceback" not in stderr
    command = stderr.split("Resume with:\n", 1)[1].strip().splitlines()[0]
    argv = shlex.split(command)
    assert argv[:3] == ["python", "-m", "sft.train"]
    name = argv[argv.index("--resume_from") + 1]
    saved = registry(root, "terminated")["checkpoints"][name]
    assert saved["step"] >= 3 and name == f"checkpoint_step_{saved['step']}"  # the step in flight was finished
    assert "final_checkpoint" not in registry(root, "terminated")["checkpoints"]

    assert main(argv[3:]) == 0
    assert_same_run(root, "terminated", reference)


@pytest.mark.slow
def test_a_kill_in_a_checkpoint_write_resumes_from_the_previous_complete_checkpoint(
    root: Path, tiny_model_dir: Path, reference
) -> None:
    child = start_child(root, "kill-in-checkpoint-write", 4, options(root, tiny_model_dir, "cut"))
    assert child.wait(timeout=120) == -signal.SIGKILL, (root / "child.err").read_text()[-3000:]
    assert set(registry(root, "cut")["checkpoints"]) == {"checkpoint_step_2"}
    leftovers = [p.name for p in (root / "checkpoints" / "cut" / "weights").iterdir() if p.name.startswith(".")]
    assert leftovers and all("checkpoint_step_4" in name for name in leftovers), leftovers

    assert main(["--checkpoint_dir", str(root / "checkpoints"), "--run_name", "cut", "--resume"]) == 0
    log = train_log(root, "cut")
    assert "an incomplete checkpoint write" in log and leftovers[0] in log
    assert "at step 2 (checkpoint_step_2)" in log
    assert not [p for p in (root / "checkpoints" / "cut" / "weights").iterdir() if p.name.startswith(".")]
    assert_same_run(root, "cut", reference)

    # Registered checkpoints whose files were cut short (a crash before they reached the disk): resuming from the
    # final one's state path falls back, with a warning, to the latest complete checkpoint, and replays from it.
    weights = root / "checkpoints" / "cut" / "weights"
    for name in ("final_checkpoint", f"checkpoint_step_{STEPS}"):
        optimizer = weights / name / "optimizer.pt"
        optimizer.write_bytes(optimizer.read_bytes()[:100])
    args = ["--checkpoint_dir", str(root / "checkpoints"), "--resume_from", str(weights / "final_checkpoint")]
    assert main(args) == 0
    log = train_log(root, "cut")
    assert f"cannot resume from final_checkpoint (step {STEPS}): " in log and "a write was cut off" in log
    assert f"Resuming from checkpoint_step_{STEPS - 2} instead" in log
    assert f"at step {STEPS - 2} (checkpoint_step_{STEPS - 2})" in log
    assert_same_run(root, "cut", reference)
