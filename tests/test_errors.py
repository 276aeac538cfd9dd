"""One base class for what a user can fix, reported the same way by every command: one line, ``error: ...``,
exit status 2, no traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from sft.chat import main as chat_main
from sft.checkpoints import CheckpointNotFoundError, RegistryError, RunBusyError, RunExistsError
from sft.config import ConfigError
from sft.data_loader import DatasetError
from sft.engines.errors import EngineError
from sft.engines.models import ModelNotFoundError
from sft.errors import UserError
from sft.evaluate import main as evaluate_main
from sft.export import ExportError
from sft.export import main as export_main
from sft.inspect import main as inspect_main
from sft.plot import PlotError
from sft.plot import main as plot_main
from sft.renderers import RendererError
from sft.serve import main as serve_main
from sft.train import main as train_main


@pytest.mark.parametrize(
    "error, builtin",
    [
        (ConfigError, ValueError),
        (DatasetError, ValueError),
        (RendererError, ValueError),
        (PlotError, ValueError),
        (EngineError, RuntimeError),
        (ExportError, RuntimeError),
        (CheckpointNotFoundError, LookupError),
        (RegistryError, LookupError),
        (RunExistsError, FileExistsError),
        (RunBusyError, BlockingIOError),
        (ModelNotFoundError, FileNotFoundError),
    ],
)
def test_each_error_a_user_can_fix_is_a_user_error_and_its_builtin(error: type, builtin: type) -> None:
    assert issubclass(error, UserError) and issubclass(error, builtin)


def test_every_command_reports_a_missing_run_in_one_line_with_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = ["--checkpoint_dir", str(tmp_path / "checkpoints")]
    commands = {
        "train": lambda: train_main([*folder, "--resume"]),
        "evaluate": lambda: evaluate_main(["final_checkpoint", *folder]),
        "chat": lambda: chat_main(["final_checkpoint", *folder, "--prompt", "hi"]),
        "serve": lambda: serve_main(["final_checkpoint", *folder, "--port", "0"]),
        "export": lambda: export_main(["final_checkpoint", *folder, "--out", str(tmp_path / "out")]),
        "plot": lambda: plot_main([*folder, "--log_dir", str(tmp_path / "logs")]),
    }
    for name, command in commands.items():
        capsys.readouterr()
        assert command() == 2, name
        err = capsys.readouterr().err.strip().splitlines()
        assert err[-1] == f"error: {tmp_path / 'checkpoints'}: no training runs found. Train first: python -m sft.train"
        assert "Traceback" not in "\n".join(err), name


def test_inspect_reports_a_sample_that_is_not_there_naming_the_option(
    dataset_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert inspect_main(["--data_path", str(dataset_file), "--id", "no-such-id"]) == 2
    assert capsys.readouterr().err.strip() == "error: --id 'no-such-id': no such sample"
