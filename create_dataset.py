"""Create the tool-calling SFT dataset: ``python create_dataset.py``.

Generates prompts from hundreds of templates (``sft/datagen``), computes every tool sample's expected answer by
running the call with the project's own calculator and Python sandbox, removes duplicates, validates the file with
the loader training uses, and writes a summary next to it. Same arguments, same bytes.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from sft.datagen.build import DEFAULT_SHARES, DEFAULT_SIZE, compute_answers, draw_candidates, dumps_records, to_records
from sft.datagen.summary import format_summary, summarize

DEFAULT_OUTPUT = "data/tool_calling_sft_dataset.json"
DEFAULT_SUMMARY = "data/dataset_summary.json"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--size", type=int, default=DEFAULT_SIZE, help="number of samples (default %(default)s)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default %(default)s)")
    p.add_argument("--output", default=DEFAULT_OUTPUT, help="dataset path (default %(default)s)")
    p.add_argument(
        "--summary",
        default=None,
        help=f"summary path ('' to skip; default {DEFAULT_SUMMARY} next to the default output, "
        "else <output stem>_summary.json)",
    )
    p.add_argument(
        "--calculator-share", type=float, default=DEFAULT_SHARES["calculator"], help="share of calculator samples"
    )
    p.add_argument("--python-share", type=float, default=DEFAULT_SHARES["python_exec"], help="share of python samples")
    p.add_argument(
        "--workers", type=int, default=2, help="parallel sandbox runs for python answers (default %(default)s)"
    )
    p.add_argument(
        "--char-lengths",
        action="store_true",
        help="report lengths in characters instead of tokens of the bundled tokenizer (skips loading it, ~10 s)",
    )
    p.add_argument(
        "--hub-sources", action="store_true", help="also add samples from public datasets (needs the Hugging Face hub)"
    )
    p.add_argument("--hub-limit", type=int, default=500, help="max samples per hub dataset (default %(default)s)")
    args = p.parse_args(argv)
    if args.size < 3:
        p.error("--size must be at least 3 (one sample per category)")
    no_tool = 1.0 - args.calculator_share - args.python_share
    if min(args.calculator_share, args.python_share, no_tool) <= 0:
        p.error("shares must be positive and the calculator and python shares must sum to less than 1")
    return args


def _summary_path(args: argparse.Namespace) -> Path | None:
    if args.summary == "":
        return None
    if args.summary:
        return Path(args.summary)
    out = Path(args.output)
    if out == Path(DEFAULT_OUTPUT):
        return Path(DEFAULT_SUMMARY)
    return out.with_name(out.stem + "_summary.json")


def _token_counters() -> tuple[Any, Any] | None:
    """Token counters from the bundled tokenizer, or ``None`` (characters are reported) if it cannot load."""
    try:
        from sft.datagen.tokens import load_bundled_tokenizer, token_counters

        return token_counters(load_bundled_tokenizer())
    except (ImportError, OSError, ValueError, RuntimeError) as exc:  # a statistic must not fail generation
        print(f"token lengths unavailable ({exc}); reporting characters", file=sys.stderr)
        return None


def main(argv: list[str] | None = None) -> int:
    """Generate, verify, validate and write the dataset and its summary."""
    args = parse_args(argv)
    start = time.perf_counter()
    shares = {
        "calculator": args.calculator_share,
        "python_exec": args.python_share,
        "no_tool": 1.0 - args.calculator_share - args.python_share,
    }
    from sft.tools import python_sandbox_problem

    problem = python_sandbox_problem()  # the python answers are computed by running their code in the sandbox
    if problem:
        print(f"error: cannot compute the python answers: {problem}", file=sys.stderr)
        return 2
    candidates = draw_candidates(args.size, args.seed, shares)  # type: ignore[arg-type]
    answers = compute_answers(candidates, workers=args.workers)
    records = to_records(candidates, answers, args.seed)
    if args.hub_sources:
        from sft.datagen.hub import load_hub_records

        try:
            records = records + load_hub_records(limit=args.hub_limit, seed=args.seed, existing=records)
        except RuntimeError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2

    out = Path(args.output)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(dumps_records(records), encoding="utf-8")

    # Validate the written file exactly as training will read it.
    from sft.data_loader import load_dataset

    load_dataset(out)

    summary_path = _summary_path(args)
    counters = None if args.char_lengths or summary_path is None else _token_counters()
    if counters:
        from sft.datagen.tokens import BUNDLED_TOKENIZER

        summary = summarize(records, counters[0], counters[1], BUNDLED_TOKENIZER)
    else:
        summary = summarize(records)
    summary["generation"] = {"size": args.size, "seed": args.seed, "shares": shares}
    print(format_summary(summary))
    if summary_path is not None:
        summary_path.parent.mkdir(parents=True, exist_ok=True)
        summary_path.write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {len(records)} samples to {out} in {time.perf_counter() - start:.1f}s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
