"""Recipe study: train a named recipe, evaluate it on three sets the same way, and record it in a table.

    .venv/bin/python benchmarks/study.py --list                        # the recipes and what each changes
    .venv/bin/python benchmarks/study.py default lr-2x                 # train + evaluate each, add their rows
    .venv/bin/python benchmarks/study.py lr-2x --num_steps 200         # a shorter pilot (its row says so)
    .venv/bin/python benchmarks/study.py lr-2x --skip_train            # evaluate the recipe's existing run again
    .venv/bin/python benchmarks/study.py default --run <run>           # record an existing run (a `make run`)

Each recipe is a set of ``sft.train`` options on top of the defaults; its run is named ``study-<recipe>`` (with
``-s<steps>`` for a pilot) under ``checkpoints/``. The final checkpoint is evaluated with ``sft.evaluate`` (greedy,
tools run) on:
  (a) the validation split (whole templates held out from training; all of it unless ``--val_samples``),
  (b) ``../shared/data/external_dev.json``: prompts written outside this project (evaluation only, never trained on),
  (c) ``benchmarks/study_paraphrases.json``: our own rewordings of task families the training data covers.
Rates per category and per template family (and per source of (b) and (c)) go to ``benchmarks/study_results.json``;
``benchmarks/STUDY.md`` is rewritten from it, one row per recipe, with the training wall-clock. Compare rows
measured with the same steps: the table says the steps and the machine's load is not controlled.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from sft.config import LEARNING_RATE_LOCAL  # noqa: E402
from sft.datagen.core import family_of  # noqa: E402
from sft.utils import atomic_write_json, atomic_write_text  # noqa: E402

RESULTS = REPO / "benchmarks" / "study_results.json"
TABLE = REPO / "benchmarks" / "STUDY.md"
PARAPHRASES = REPO / "benchmarks" / "study_paraphrases.json"
EXTERNAL = REPO.parent / "shared" / "data" / "external_dev.json"

# name -> (what it tests, sft.train options). "default" is exactly `make run`'s training.
RECIPES: dict[str, tuple[str, list[str]]] = {
    "default": (
        "the seed's defaults: LoRA r=32 (alpha 64) on attention, MLP and unembedding, lr 1e-3 linear, 600 x 8",
        [],
    ),
    "scale-1": ("LoRA alpha = rank (scale 1; the default before alpha-2x won)", ["--lora_alpha", "32"]),
    "lr-2x": ("peak learning rate x2", ["--learning_rate", str(2 * LEARNING_RATE_LOCAL)]),
    "lr-0.5x": ("peak learning rate x0.5", ["--learning_rate", str(0.5 * LEARNING_RATE_LOCAL)]),
    "cosine": ("cosine schedule instead of linear decay", ["--lr_schedule", "cosine"]),
    "rank-8": ("LoRA rank 8 (alpha = rank)", ["--lora_rank", "8", "--lora_alpha", "8"]),
    "rank-64": ("LoRA rank 64 (alpha = rank)", ["--lora_rank", "64", "--lora_alpha", "64"]),
    "alpha-2x": ("LoRA alpha = 2 x rank (scale 2)", ["--lora_alpha", "64"]),
    "alpha-4x": ("LoRA alpha = 4 x rank (scale 4)", ["--lora_alpha", "128"]),
    "batch-16": (
        "batch 16 for 300 steps: the same samples in half the updates",
        ["--batch_size", "16", "--num_steps", "300"],
    ),
    "warmup-50": ("50 warm-up steps instead of 10", ["--warmup_steps", "50"]),
    "arg-weight-3x": (
        "a tool call's argument tokens (the args object) weigh 3 in the loss, the rest of the reply 1",
        ["--arg_weight", "3"],
    ),
}

HEADLINE = ("valid_json_rate", "correct_tool_rate", "execution_accuracy")
EVAL_SETS = ("validation", "external_dev", "paraphrases")


def run_name(recipe: str, num_steps: int | None) -> str:
    return f"study-{recipe}" + (f"-s{num_steps}" if num_steps else "")


def run_env() -> dict[str, str]:
    """``make run``'s environment: offline, and jemalloc where installed (see the Makefile)."""
    env = dict(os.environ, HF_HUB_OFFLINE="1")
    for lib in ("/usr/lib/x86_64-linux-gnu/libjemalloc.so.2", "/usr/lib/aarch64-linux-gnu/libjemalloc.so.2"):
        if Path(lib).exists():
            env.update(LD_PRELOAD=lib, MALLOC_CONF="dirty_decay_ms:5000,muzzy_decay_ms:5000")
            break
    return env


def train(recipe: str, options: list[str], num_steps: int | None) -> float:
    """Train the recipe from scratch; returns the wall-clock seconds."""
    command = [sys.executable, "-m", "sft.train", "--run_name", run_name(recipe, num_steps), *options]
    if num_steps:
        command += ["--num_steps", str(num_steps)]
    print("$", " ".join(command), flush=True)
    start = time.perf_counter()
    subprocess.run(command, cwd=REPO, env=run_env(), check=True)
    return time.perf_counter() - start


def evaluate(run: str, eval_set: str, val_samples: int | None) -> dict[str, Any]:
    """``sft.evaluate`` of the run's final checkpoint on one of the three sets; its JSON results."""
    output = REPO / "logs" / run / f"study_{eval_set}.json"
    command = [sys.executable, "-m", "sft.evaluate", "final_checkpoint", "--run", run, "--show", "0"]
    command += ["--output", str(output)]
    if eval_set == "validation":
        command += ["--num_samples", str(val_samples or 100_000)]  # more than the split: all of it
    else:
        command += ["--data", str(EXTERNAL if eval_set == "external_dev" else PARAPHRASES)]
    print("$", " ".join(command), flush=True)
    start = time.perf_counter()
    subprocess.run(command, cwd=REPO, env=run_env(), check=True, stdout=subprocess.DEVNULL)
    result: dict[str, Any] = json.loads(output.read_text(encoding="utf-8"))
    result["wall_s"] = time.perf_counter() - start
    return result


def rates(predictions: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Valid JSON, correct tool and execution accuracy (over tool samples) of some scored predictions."""
    tools = [p for p in predictions if p["expected_decision"] != "final"]
    out: dict[str, Any] = {
        "n": len(predictions),
        "valid_json_rate": sum(bool(p["valid_json"]) for p in predictions) / len(predictions),
        "correct_tool_rate": sum(bool(p["correct_tool"]) for p in predictions) / len(predictions),
        "execution_accuracy": (sum(bool(p["execution_correct"]) for p in tools) / len(tools) if tools else None),
    }
    return out


def family(source: str) -> str:
    """``synth_calc/pct_off_story`` -> ``synth_calc/pct_off``; sources outside the generator stay as they are."""
    prefix, _, _ = source.partition("/")
    return f"{prefix}/{family_of(source)}" if prefix.startswith("synth_") else source


def summarize(result: Mapping[str, Any]) -> dict[str, Any]:
    predictions = result["predictions"]
    by_category: dict[str, list[Any]] = defaultdict(list)
    by_family: dict[str, list[Any]] = defaultdict(list)
    for p in predictions:
        by_category[p["category"]].append(p)
        by_family[family(p["source"] or "(none)")].append(p)
    return {
        "scope": result["scope"],
        "eval_s": round(result["wall_s"], 1),
        **rates(predictions),
        "per_category": {c: rates(ps) for c, ps in sorted(by_category.items())},
        "per_family": {f: rates(ps) for f, ps in sorted(by_family.items())},
        # The same replies with the reply's JSON schema enforced (sft.evaluate's second column, local engine).
        **({"constrained": rates(result["constrained"]["predictions"])} if "constrained" in result else {}),
    }


def percent(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.0f}%"


def exec_of(summary: Mapping[str, Any], category: str) -> str:
    cell = summary["per_category"].get(category)
    return percent(cell["execution_accuracy"]) if cell else "n/a"


def render_table(rows: Mapping[str, Mapping[str, Any]]) -> str:
    lines = [
        "# Recipe study",
        "",
        "Written by `benchmarks/study.py` from `benchmarks/study_results.json`; do not edit by hand. Each row trains a",
        "recipe from scratch and evaluates its final checkpoint, greedy, tools run. JSON = valid JSON, tool = correct",
        "tool (all samples), calc/py = execution accuracy on calculator/python samples. val = the validation split",
        "(templates held out of training), ext = `../shared/data/external_dev.json` (written outside the project),",
        "para = `benchmarks/study_paraphrases.json` (our rewordings of trained task families). data = the first hex",
        "digits of the training dataset's sha256: compare rows trained on the same data and the same steps.",
        "",
        "| recipe | data | steps | train | val JSON | val tool | val calc | val py | ext tool | ext calc | ext py"
        " | para calc | para py | what it changes |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, row in sorted(rows.items(), key=lambda kv: kv[1]["recorded"]):
        val, ext, para = (row["eval"].get(s) for s in EVAL_SETS)
        cells = [
            row.get("recipe", name)
            + ("" if row.get("run", name).startswith("study-") else f" (`{row.get('run', name)}`)"),
            f"`{row['dataset_sha256'][:8]}`" if row.get("dataset_sha256") else "n/a",
            str(row["num_steps"]),
            f"{row['train_s'] / 60:.1f} min" if row.get("train_s") else "n/a",
        ]
        cells += [percent(val["valid_json_rate"]), percent(val["correct_tool_rate"])] if val else ["n/a"] * 2
        cells += [exec_of(val, "calculator"), exec_of(val, "python_exec")] if val else ["n/a"] * 2
        cells += (
            [percent(ext["correct_tool_rate"]), exec_of(ext, "calculator"), exec_of(ext, "python_exec")]
            if ext
            else ["n/a"] * 3
        )
        cells += [exec_of(para, "calculator"), exec_of(para, "python_exec")] if para else ["n/a"] * 2
        cells.append(row["about"])
        lines.append("| " + " | ".join(cells) + " |")
    lines += ["", "Per-family rates of every row are in `benchmarks/study_results.json` (`per_family`).", ""]
    return "\n".join(lines)


def load_results() -> dict[str, Any]:
    if not RESULTS.exists():
        return {}
    data: dict[str, Any] = json.loads(RESULTS.read_text(encoding="utf-8"))
    return data


def logged_train_seconds(run: str) -> float | None:
    """Wall-clock of a finished run from the first and last timestamps of its ``train.log``."""
    stamps = []
    for line in (REPO / "logs" / run / "train.log").read_text(encoding="utf-8").splitlines():
        try:
            stamps.append(time.mktime(time.strptime(line[:19], "%Y-%m-%d %H:%M:%S")))
        except ValueError:
            continue
    return stamps[-1] - stamps[0] if len(stamps) > 1 else None


def study(recipe: str, args: argparse.Namespace) -> dict[str, Any]:
    about, options = RECIPES[recipe]
    run = args.run or run_name(recipe, args.num_steps)
    if args.run:
        train_s = logged_train_seconds(run)
    else:
        train_s = None if args.skip_train else train(recipe, options, args.num_steps)
    config = json.loads((REPO / "logs" / run / "config.json").read_text(encoding="utf-8"))
    if not EXTERNAL.exists():
        print(f"note: {EXTERNAL} not found; external_dev is not evaluated (its columns read n/a)", flush=True)
    evals = {
        s: summarize(evaluate(run, s, args.val_samples)) for s in EVAL_SETS if s != "external_dev" or EXTERNAL.exists()
    }
    previous = load_results().get(run, {})
    return {
        "recipe": recipe,
        "run": run,
        "about": about + (f" (pilot: {args.num_steps} steps)" if args.num_steps else ""),
        "options": options,
        "num_steps": config.get("num_steps"),
        "batch_size": config.get("batch_size"),
        "dataset_sha256": (config.get("resolved") or {}).get("dataset_sha256"),
        "train_s": train_s if train_s is not None else previous.get("train_s"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "recorded": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "eval": evals,
    }


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("recipes", nargs="*", help="recipe names (see --list)")
    parser.add_argument("--list", action="store_true", help="list the recipes and exit")
    parser.add_argument("--num_steps", type=int, default=None, help="train this many steps instead (a pilot)")
    parser.add_argument("--val_samples", type=int, default=None, help="validation samples (default: all)")
    parser.add_argument("--skip_train", action="store_true", help="evaluate the recipe's existing run")
    parser.add_argument("--run", default=None, help="record this existing run as the recipe (trained with its options)")
    args = parser.parse_args(argv)
    if args.run and len(args.recipes) != 1:
        parser.error("--run records one run: name exactly one recipe")
    unknown = [r for r in args.recipes if r not in RECIPES]
    if unknown:
        parser.error(f"unknown recipe(s) {', '.join(unknown)}; known: {', '.join(RECIPES)}")
    if not args.list and not args.recipes:
        parser.error("name at least one recipe, or --list")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.list:
        for name, (about, options) in RECIPES.items():
            print(f"{name:<10} {about}" + (f"   [{' '.join(options)}]" if options else ""))
        return 0
    for recipe in args.recipes:
        row = study(recipe, args)
        results = load_results()
        results[args.run or run_name(recipe, args.num_steps)] = row
        atomic_write_json(RESULTS, results)
        atomic_write_text(TABLE, render_table(results))
        print(f"{recipe}: recorded in {RESULTS.relative_to(REPO)} and {TABLE.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
