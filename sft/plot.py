"""Training curves of a run as a PNG: the loss and the validation rates over steps.

Usage::

    python -m sft.plot                 # the latest run
    python -m sft.plot run-20261203-101500-1a2b3c --out curves.png

It reads ``logs/<run>/metrics.jsonl`` (written during training) and the run's ``config.json``, and writes
``logs/<run>/curves.png`` unless ``--out`` says otherwise. Training writes the same picture when it ends. Each
validation rate is drawn with its Wilson 95% interval: validation runs on few samples (10 by default), so a
jump of 20 points between two validations is often noise, and the bars say so.
"""

from __future__ import annotations

import argparse
import io
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sft.checkpoints import latest_run
from sft.errors import UserError, reports_user_errors
from sft.metrics import wilson_interval
from sft.utils import atomic_write_bytes

CURVES_FILE = "curves.png"
RATES = (
    ("validation/valid_json_rate", "valid JSON"),
    ("validation/correct_format_rate", "correct format"),
    ("validation/correct_tool_rate", "correct tool"),
)


class PlotError(UserError, ValueError):
    """The run has no metrics to plot, or its metrics file is unreadable."""


def read_metrics(path: Path) -> list[dict[str, Any]]:
    """The rows of a ``metrics.jsonl``; a line cut short by a killed run is skipped, any other bad line is an
    error naming the file and line."""
    if not path.is_file():
        raise PlotError(f"{path}: no metrics file (has the run logged a step yet?)")
    rows = []
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            if number == len(lines):  # the last line of a run killed while writing it
                continue
            raise PlotError(f"{path}, line {number}: not JSON ({exc.msg})") from None
        if isinstance(row, dict) and isinstance(row.get("step"), int):
            rows.append(row)
    return rows


def plot_metrics(rows: Sequence[dict[str, Any]], out: Path, title: str, validation_samples: int | None) -> Path:
    """Draw the loss and the validation rates of ``rows`` into ``out`` (PNG, written atomically)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    losses = [(r["step"], r["train/loss"]) for r in rows if "train/loss" in r]
    if not losses and not any(key in r for r in rows for key, _ in RATES):
        raise PlotError(f"nothing to plot for {title}: no training loss or validation rates logged yet")
    fig, (ax_loss, ax_rate) = plt.subplots(1, 2, figsize=(11, 4), constrained_layout=True)
    if losses:
        steps, values = zip(*losses)
        ax_loss.plot(steps, values, marker="o", markersize=3, color="tab:blue")
    ax_loss.set(title="training loss (per target token)", xlabel="step", ylabel="loss")
    ax_loss.grid(alpha=0.3)
    for key, label in RATES:
        points = [(r["step"], r[key]) for r in rows if r.get(key) is not None]
        if not points:
            continue
        steps, values = zip(*points)
        if validation_samples:
            intervals = [wilson_interval(round(v * validation_samples), validation_samples) for v in values]
            below = [100 * (v - lo) for v, (lo, _) in zip(values, intervals)]
            above = [100 * (hi - v) for v, (_, hi) in zip(values, intervals)]
            ax_rate.errorbar(
                steps, [100 * v for v in values], yerr=[below, above], marker="o", capsize=3, label=label, alpha=0.8
            )
        else:
            ax_rate.plot(steps, [100 * v for v in values], marker="o", label=label)
    if not ax_rate.get_legend_handles_labels()[0]:
        ax_rate.text(0.5, 0.5, "no validation logged", ha="center", va="center", transform=ax_rate.transAxes)
    n = f" on {validation_samples} samples, 95% intervals" if validation_samples else ""
    ax_rate.set(title=f"validation{n}", xlabel="step", ylabel="%", ylim=(-5, 105))
    ax_rate.grid(alpha=0.3)
    if ax_rate.get_legend_handles_labels()[0]:
        ax_rate.legend(loc="lower right")
    fig.suptitle(title)
    buffer = io.BytesIO()
    try:
        fig.savefig(buffer, dpi=110, format="png")
    finally:
        plt.close(fig)
    atomic_write_bytes(out, buffer.getvalue(), mode=0o644)  # a picture is for sharing: not the temp file's 0600
    return out


def plot_run(run: str, log_dir: str | Path = "logs", out: str | Path | None = None) -> Path:
    """Plot run ``run``'s curves; returns the PNG's path."""
    run_dir = Path(log_dir) / run
    rows = read_metrics(run_dir / "metrics.jsonl")
    config_file = run_dir / "config.json"
    samples = None
    if config_file.is_file():
        try:
            samples = int(json.loads(config_file.read_text(encoding="utf-8")).get("validation_samples") or 0) or None
        except (json.JSONDecodeError, TypeError, ValueError, AttributeError):
            samples = None  # the picture is still useful without intervals
    return plot_metrics(rows, Path(out) if out else run_dir / CURVES_FILE, f"run {run}", samples)


@reports_user_errors
def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sft.plot", description=__doc__.split("\n\n")[0])
    parser.add_argument("run", nargs="?", default=None, help="run name (default: the latest run)")
    parser.add_argument("--log_dir", default="logs")
    parser.add_argument("--checkpoint_dir", default="checkpoints", help="where the latest run is looked up")
    parser.add_argument("--out", default=None, help=f"PNG to write (default: logs/<run>/{CURVES_FILE})")
    args = parser.parse_args(argv)
    path = plot_run(args.run or latest_run(args.checkpoint_dir), args.log_dir, args.out)
    print(f"curves written to {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
