"""Measurements against a real Tinker-API server (SkyRL, JAX on CPU, a tiny random Llama), through ``sft.train``.

    .venv-tinker-it/bin/python scripts/tinker_it/measure.py lr-sweep       # clipping rate and loss per LR, batch 8
    .venv-tinker-it/bin/python scripts/tinker_it/measure.py submit-ahead   # steps/s with and without submit-ahead

Each starts its own server (gradient scale: Tinker's sum, see patch_skyrl.py), runs ``python -m sft.train --backend
tinker`` as a user would, reads ``logs/<run>/metrics.jsonl``, prints a table and writes it as JSON (``--output``).
The model is tiny and random (hidden size 64), so the numbers show the gradient scale, clipping and request
pipelining as Tinker's API makes them, not how a 4B model learns.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(HERE))

import skyrl_server as launcher  # noqa: E402


def run_train(server: Any, model: str, workdir: Path, run: str, flags: list[str]) -> list[dict[str, Any]]:
    """``python -m sft.train`` against ``server``; returns the run's metrics lines."""
    args = ["--backend", "tinker", "--base_url", server.base_url, "--base_model", model, "--run_name", run]
    args += ["--data_path", str(REPO / "data" / "tool_calling_sft_dataset.json")]
    args += ["--checkpoint_dir", str(workdir / "checkpoints"), "--log_dir", str(workdir / "logs")]
    args += ["--log_interval", "1", "--validation_samples", "0", *flags]
    env = dict(os.environ, TINKER_API_KEY="tml-measure", HF_HUB_OFFLINE="1", PYTHONPATH=str(REPO))
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "sft.train", *args], cwd=workdir, env=env, capture_output=True, text=True
    )
    if result.returncode != 0:
        raise SystemExit(f"sft.train failed ({result.returncode}):\n{result.stderr[-4000:]}")
    lines = (workdir / "logs" / run / "metrics.jsonl").read_text(encoding="utf-8").splitlines()
    print(f"  {run}: {time.monotonic() - started:.0f} s", file=sys.stderr, flush=True)
    return [json.loads(line) for line in lines]


def lr_sweep(server: Any, model: str, workdir: Path, args: argparse.Namespace) -> list[dict[str, Any]]:
    rows = []
    for clip in args.clips:
        for lr in args.lrs:
            run = f"lr{lr:g}-clip{clip:g}"
            flags = ["--batch_size", "8", "--num_steps", str(args.steps), "--learning_rate", str(lr)]
            flags += ["--grad_clip_norm", str(clip), "--checkpoint_interval", "100000", "--seed", "0"]
            metrics = [m for m in run_train(server, model, workdir, run, flags) if "train/loss" in m]
            losses = [m["train/loss"] for m in metrics]
            norms = [m["optim/grad_norm"] for m in metrics if "optim/grad_norm" in m]
            tail = max(1, len(losses) // 5)
            rows.append(
                {
                    "learning_rate": lr,
                    "grad_clip_norm": clip,
                    "clipped_fraction": (sum(n > clip for n in norms) / len(norms)) if clip > 0 and norms else 0.0,
                    "grad_norm_first": norms[0] if norms else None,
                    "grad_norm_median": statistics.median(norms) if norms else None,
                    "loss_first": losses[0],
                    "loss_at_quarter": losses[len(losses) // 4],
                    "loss_at_half": losses[len(losses) // 2],
                    f"loss_last_{tail}_mean": sum(losses[-tail:]) / tail,
                    "losses": losses,
                }
            )
            r = rows[-1]
            print(
                f"lr {lr:<8g} clip {clip:<4g} clipped {100 * r['clipped_fraction']:5.1f}%  grad norm first "
                f"{r['grad_norm_first']:.1f} median {r['grad_norm_median']:.1f}  loss {r['loss_first']:.3f} -> "
                f"{r['loss_at_quarter']:.3f} -> {r['loss_at_half']:.3f} -> {r[f'loss_last_{tail}_mean']:.3f}",
                flush=True,
            )
    return rows


def submit_ahead(server: Any, model: str, workdir: Path, args: argparse.Namespace) -> list[dict[str, Any]]:
    rows = []
    # Warm the server's compiled shapes first, so neither setting pays for compilation.
    batch = str(args.batch_size)
    run_train(server, model, workdir, "warmup", ["--batch_size", batch, "--num_steps", str(args.steps)])
    for repeat in range(args.repeats):
        for ahead in (True, False):
            run = f"ahead-{ahead}-{repeat}"
            flags = ["--batch_size", batch, "--num_steps", str(args.steps), "--submit_ahead", str(ahead).lower()]
            flags += ["--checkpoint_interval", "100000"]
            metrics = [m for m in run_train(server, model, workdir, run, flags) if "train/loss" in m]
            seconds = [1 / m["steps_per_s"] for m in metrics[args.skip :]]
            rows.append(
                {
                    "submit_ahead": ahead,
                    "repeat": repeat,
                    "steps": len(seconds),
                    "median_s_per_step": statistics.median(seconds),
                    "steps_per_s": len(seconds) / sum(seconds),
                }
            )
            r = rows[-1]
            print(
                f"submit_ahead={ahead!s:5} repeat {repeat}: {r['steps_per_s']:.3f} steps/s "
                f"(median {r['median_s_per_step']:.2f} s/step over {r['steps']} steps)",
                flush=True,
            )
    for ahead in (True, False):
        rates = [r["steps_per_s"] for r in rows if r["submit_ahead"] is ahead]
        print(f"submit_ahead={ahead!s:5}: mean {statistics.mean(rates):.3f} steps/s over {len(rates)} runs")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="what", required=True)
    sweep = sub.add_parser("lr-sweep")
    sweep.add_argument("--lrs", type=float, nargs="+", default=[3e-4, 1e-3, 3e-3, 1e-2])
    sweep.add_argument("--clips", type=float, nargs="+", default=[1.0, 0.0])
    sweep.add_argument("--steps", type=int, default=40)
    ahead = sub.add_parser("submit-ahead")
    ahead.add_argument("--steps", type=int, default=30)
    ahead.add_argument("--skip", type=int, default=3, help="first steps left out of the rate")
    ahead.add_argument("--repeats", type=int, default=2)
    ahead.add_argument("--batch-size", type=int, default=8)
    for p in (sweep, ahead):
        p.add_argument("--gradient-scale", choices=["sum", "mean"], default="sum")
        p.add_argument("--output", type=Path, default=None)
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix=f"tinker-it-{args.what}-"))
    model_dir = launcher.make_tiny_model(workdir / "models" / "tiny-llama")
    server = launcher.SkyRLServer(model_dir, workdir / "server", gradient_scale=args.gradient_scale)
    launcher.stop_on_sigterm()
    with server:
        print(f"server {server.base_url}, gradient scale {args.gradient_scale}, work dir {workdir}", flush=True)
        measure = lr_sweep if args.what == "lr-sweep" else submit_ahead
        rows = measure(server, str(model_dir), workdir, args)
    if args.output:
        args.output.write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
