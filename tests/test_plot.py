"""``python -m sft.plot``: the curves of a run from its metrics file, and clear errors for what cannot be drawn."""

from __future__ import annotations

import json
import struct
from pathlib import Path

import pytest

from sft.plot import PlotError, main, plot_run, read_metrics


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    return struct.unpack(">II", data[16:24])


def _run(tmp_path: Path, lines: list[str], samples: int = 10) -> Path:
    run_dir = tmp_path / "logs" / "r1"
    run_dir.mkdir(parents=True)
    (run_dir / "metrics.jsonl").write_text("\n".join(lines) + "\n")
    (run_dir / "config.json").write_text(json.dumps({"validation_samples": samples}))
    return run_dir


def test_a_run_with_losses_and_validations_gives_a_png_and_a_cut_last_line_is_skipped(tmp_path: Path) -> None:
    rows = [{"step": s, "train/loss": 2.0 / s} for s in (10, 20, 30)]
    rows.append({"step": 30, "validation/valid_json_rate": 0.9, "validation/correct_tool_rate": 0.6})
    run_dir = _run(tmp_path, [json.dumps(r) for r in rows] + ['{"step": 40, "train/lo'])
    assert len(read_metrics(run_dir / "metrics.jsonl")) == 4
    assert main(["r1", "--log_dir", str(tmp_path / "logs")]) == 0
    width, height = _png_size(run_dir / "curves.png")
    assert width > 800 and height > 300
    out = plot_run("r1", tmp_path / "logs", tmp_path / "elsewhere" / "c.png")
    assert out.is_file() and not list(out.parent.glob(".*"))  # no temp file left


def test_what_cannot_be_plotted_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["missing", "--log_dir", str(tmp_path / "logs")]) == 2
    assert "no metrics file" in capsys.readouterr().err
    _run(tmp_path, ['{"step": 1, "train/loss": 1.0}', "garbage", '{"step": 2, "train/loss": 0.5}'])
    with pytest.raises(PlotError, match=r"metrics.jsonl, line 2: not JSON"):
        plot_run("r1", tmp_path / "logs")
