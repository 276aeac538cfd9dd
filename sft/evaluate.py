"""Evaluate a saved checkpoint on validation samples.

Usage::

    python -m sft.evaluate final_checkpoint --num_samples 100
    python -m sft.evaluate checkpoint_step_300 --num_samples 50 --run run-20261125-101500
    python -m sft.evaluate final_checkpoint --untrained     # the base model, no adapter: the baseline
    python -m sft.evaluate final_checkpoint --data my_prompts.json          # every record of any file
    python -m sft.evaluate final_checkpoint --compare_base  # the untrained base beside the checkpoint

It resolves the checkpoint name in the latest run (or ``--run``), loads it as a sampling client on the run's
engine, generates on the run's validation split (or on every record of ``--data``), and prints the valid JSON,
correct format and correct tool rates with 95% intervals, then argument match, execution accuracy (the predicted
call is run with the project's tools and its output compared with the expected answer), answer accuracy of short
direct answers, per-category rates, a confusion matrix, the template families that fail most and sample
predictions. Results go to a JSON file and a Markdown summary beside it.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import random
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sft.checkpoints import (
    CheckpointNotFoundError,
    CheckpointRecord,
    ResolvedCheckpoint,
    resolve_checkpoint,
    resolve_run,
)
from sft.config import ConfigError, TrainConfig
from sft.data_loader import Sample, load_dataset, select_validation_samples, split_dataset
from sft.datum_builder import build_generation_prompt
from sft.errors import reports_user_errors
from sft.metrics import Report, SampleScore, format_report, summarize
from sft.prompt_builder import SYSTEM_PROMPT
from sft.renderers import select_renderer
from sft.reply_format import target_object, to_json
from sft.sampling import (
    add_constrained_options,
    as_replies,
    constrained_client,
    constrained_replies,
    sample_tokens,
    score_completions,
    wants_constrained,
)
from sft.utils import atomic_write_json, atomic_write_text, quiet_libraries, setup_logging

logger = logging.getLogger("sft.evaluate")


def stratified_sample(samples: Sequence[Sample], n: int, seed: int) -> list[Sample]:
    """``n`` of ``samples`` drawn with ``seed``, each category in proportion to its share (largest remainders get
    the rounding), in the file's order."""
    if n >= len(samples):
        return list(samples)
    by_category: dict[str, list[int]] = {}
    for i, sample in enumerate(samples):
        by_category.setdefault(sample.category, []).append(i)
    exact = {c: n * len(idx) / len(samples) for c, idx in by_category.items()}
    quota = {c: int(q) for c, q in exact.items()}
    for c in sorted(exact, key=lambda c: (quota[c] - exact[c], c))[: n - sum(quota.values())]:
        quota[c] += 1
    rng = random.Random(seed)
    picked = sorted(i for c, idx in sorted(by_category.items()) for i in rng.sample(idx, quota[c]))
    return [samples[i] for i in picked]


def format_examples(samples: Sequence[Sample], scores: Sequence[SampleScore], limit: int) -> str:
    lines = []
    for sample, score in list(zip(samples, scores))[:limit]:
        verdict = (
            "ok" if score.correct_tool else f"WRONG ({score.parsed.error or 'decision ' + str(score.parsed.decision)})"
        )
        lines.append(f"[{sample.category}] {sample.prompt}")
        lines.append(f"  expected:  {to_json(target_object(sample))}")
        lines.append(f"  predicted: {score.completion}")
        extra = f"  -> {verdict}"
        if score.executed:
            extra += f"; tool output {score.tool_output!r} vs expected {sample.expected_answer!r}: "
            extra += "right" if score.execution_correct else "wrong"
        lines.append(extra)
    return "\n".join(lines)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m sft.evaluate", description=__doc__.split("\n\n")[0])
    parser.add_argument("checkpoint_name", help="e.g. final_checkpoint, checkpoint_step_300, or a sampler path")
    parser.add_argument(
        "--num_samples",
        "--num-samples",
        type=int,
        default=None,
        help="validation samples (default 100); with --data, a seeded sample stratified by category (default: all)",
    )
    parser.add_argument("--run", "--run_name", dest="run", default=None, help="run name (default: the latest run)")
    parser.add_argument("--checkpoint_dir", default="checkpoints")
    parser.add_argument(
        "--data",
        default=None,
        help="score every record of this file (dataset schema, no split) instead of the run's validation split",
    )
    parser.add_argument(
        "--data_path", default=None, help="dataset to take the validation split from (default: the run's)"
    )
    parser.add_argument("--max_new_tokens", type=int, default=None)
    parser.add_argument("--show", type=int, default=5, help="sample predictions to print (default 5)")
    parser.add_argument("--no_execute", action="store_true", help="do not run predicted tool calls")
    parser.add_argument(
        "--untrained", action="store_true", help="evaluate the run's base model without adapter (checkpoint ignored)"
    )
    add_constrained_options(
        parser, "also score a second column, beside the free replies (only the replies that break it are decoded again)"
    )
    parser.add_argument(
        "--self_consistency",
        type=int,
        default=0,
        metavar="K",
        help="also answer each prompt by the vote of the greedy reply and K sampled ones, their tool calls run "
        "(execution-based self-consistency); print it beside greedy, with its time",
    )
    parser.add_argument(
        "--temperature", type=float, default=0.7, help="sampling temperature for --self_consistency (default 0.7)"
    )
    parser.add_argument(
        "--compare_base", action="store_true", help="also evaluate the untrained base model; print both side by side"
    )
    parser.add_argument(
        "--output", default=None, help="write the full results as JSON here (and a Markdown summary beside it)"
    )
    parser.add_argument("--backend", choices=["local", "tinker"], default=None, help="override the run's backend")
    parser.add_argument("--base_url", default=None, help="Tinker-API server URL")
    parser.add_argument("--device", default=None, help="local engine device")
    return parser.parse_args(argv)


async def evaluate(args: argparse.Namespace) -> dict[str, Any]:
    from sft.engines import create_service_client

    if args.num_samples is not None and args.num_samples <= 0:
        raise ConfigError(f"--num_samples: must be positive, got {args.num_samples}")
    if args.untrained and args.compare_base:
        raise ConfigError("--compare_base compares a checkpoint with the untrained base: drop --untrained")
    if args.untrained:
        # The baseline needs only the run (its base model, backend and split), not a saved checkpoint.
        resolved = resolve_run(args.checkpoint_dir, args.run)
    else:
        resolved = resolve_checkpoint(args.checkpoint_name, args.checkpoint_dir, args.run)
    options = ("backend", "data_path", "max_new_tokens", "base_url", "device")
    cfg = resolved.engine_config(**{name: getattr(args, name) for name in options})

    if args.data is not None:
        records = load_dataset(args.data)
        chosen = stratified_sample(records, args.num_samples, cfg.seed) if args.num_samples else records
        args.scope = f"{len(chosen)} of {len(records)} records of {args.data}"
    else:
        wanted = args.num_samples or 100
        _, validation = split_dataset(load_dataset(cfg.data_path), cfg.validation_fraction, cfg.seed)
        chosen = select_validation_samples(validation, wanted, cfg.seed)
        if len(chosen) < wanted:
            logger.warning("the validation split has only %d samples; evaluating all of them", len(chosen))
        args.scope = f"{len(chosen)} validation samples"

    if args.self_consistency < 0 or (args.self_consistency and args.no_execute):
        raise ConfigError(
            "--self_consistency K needs K >= 1 and the tools run (not --no_execute): the vote is on results"
        )
    if not args.no_execute and any(s.tool == "python" for s in chosen):
        from sft.tools import python_sandbox_problem

        problem = python_sandbox_problem()
        if problem:
            raise ConfigError(f"cannot run the predicted python calls: {problem}; or evaluate with --no_execute")
    if resolved.record is not None:
        check_not_expired(resolved.record, cfg)

    service = create_service_client(cfg)
    status = "errored"
    try:
        result = await _evaluate_with(service, args, cfg, resolved, chosen)
        status = "success"
        return result
    finally:
        close = getattr(service, "close", None)  # end the session on Tinker; the local engine has none
        if close is not None:
            await asyncio.to_thread(close, status)


def check_not_expired(record: CheckpointRecord, cfg: TrainConfig) -> None:
    """Stop with a clear message when a Tinker checkpoint was saved with a TTL that has run out.

    Raises:
        CheckpointNotFoundError: The service has deleted the checkpoint by now.
    """
    from datetime import UTC, datetime, timedelta

    ttl = cfg.ttl_for(record.name)
    if record.backend != "tinker" or not ttl or not record.saved_at:
        return
    expires = datetime.fromisoformat(record.saved_at) + timedelta(seconds=ttl)
    if expires < datetime.now(UTC):
        raise CheckpointNotFoundError(
            f"checkpoint {record.name!r} of run {record.run_name!r} was saved on Tinker on {record.saved_at} with a "
            f"TTL of {ttl // 3600} h, so the service deleted it on {expires.isoformat(timespec='seconds')}. Evaluate "
            "a checkpoint that is kept (final_checkpoint has no TTL by default) or train again."
        )


async def _evaluate_with(
    service: Any,
    args: argparse.Namespace,
    cfg: TrainConfig,
    resolved: ResolvedCheckpoint,
    chosen: Sequence[Sample],
) -> dict[str, Any]:
    run_name, sampler_path, base_model = resolved.run_name, resolved.sampler_path, resolved.base_model
    model = base_model or cfg.resolved_base_model()
    check_sampleable = getattr(service, "check_sampleable", None)  # Tinker: a retired model cannot be sampled
    if args.untrained:
        label = f"{model} (untrained)"
        if check_sampleable is not None:
            check_sampleable(model, f"the untrained {model}")
        sampling_client = await service.create_sampling_client(base_model=model)
    else:
        label = f"{args.checkpoint_name} ({sampler_path})"
        if check_sampleable is not None and base_model is not None:
            check_sampleable(base_model, resolved.describe())
        sampling_client = await service.create_sampling_client(model_path=sampler_path)
    # Constrained greedy replies cost little beside the free ones (only replies the schema rejects are decoded
    # again), so the local engine reports both unless told not to; the untrained base rarely writes one that parses.
    requested = False if args.constrained is None and args.untrained else args.constrained
    constrained_sampler = constrained_client(sampling_client) if wants_constrained(sampling_client, requested) else None
    tokenizer = sampling_client.get_tokenizer()
    # The prompt format the run trained with (checked again against this tokenizer's template).
    choice = select_renderer(sampling_client.get_base_model(), tokenizer, SYSTEM_PROMPT, requested=resolved.renderer)
    logger.info("prompt format: %s", choice.note)

    async def scored(
        client: Any,
        self_consistency: int = 0,
        samples: Sequence[Sample] = chosen,
        replies: list[tuple[str, int]] | None = None,
    ) -> Scored:
        """``samples`` generated by ``client`` (or their ``replies``) and scored, timed, with the tokens
        generated."""
        start = time.perf_counter()
        counts: list[int] = []
        report, scores = await score_completions(
            client,
            tokenizer,
            samples,
            cfg.max_new_tokens,
            execute=not args.no_execute,
            renderer=choice.renderer,
            token_counts=counts,
            self_consistency=self_consistency,
            temperature=args.temperature,
            replies=replies,
        )
        return Scored(report, scores, time.perf_counter() - start, sum(counts))

    prompts = [s.prompt for s in chosen]
    start = time.perf_counter()
    free_tokens = await sample_tokens(sampling_client, tokenizer, prompts, cfg.max_new_tokens, choice.renderer)
    primary = await scored(sampling_client, replies=as_replies(free_tokens, tokenizer, choice.renderer))
    primary.seconds = time.perf_counter() - start
    report, scores, elapsed = primary.report, primary.scores, primary.seconds
    print(f"\nEvaluation of {label}, run {run_name}, on {args.scope} ({elapsed:.1f} s)\n")
    print(format_report(report))
    if args.show:
        print("\nSample predictions:\n" + format_examples(chosen, scores, args.show))
    constrained = None
    if constrained_sampler is not None:
        start = time.perf_counter()
        tokens, redo = await constrained_replies(
            constrained_sampler, tokenizer, prompts, free_tokens, cfg.max_new_tokens, choice.renderer
        )
        again = await scored(
            constrained_sampler,
            samples=[chosen[i] for i in redo],
            replies=as_replies([tokens[i] for i in redo], tokenizer, choice.renderer),
        )
        merged = list(scores)
        for i, score in zip(redo, again.scores):
            merged[i] = score
        constrained = Scored(summarize(merged), merged, time.perf_counter() - start, again.tokens)
        constrained.decoded_again = len(redo)
        print(f"\nConstrained decoding (the reply's JSON schema enforced), same {len(chosen)} samples:\n")
        print(format_comparison({"unconstrained": report, "constrained": constrained.report}))
        print(
            f"{len(redo)} of {len(chosen)} replies did not follow the schema and were decoded again under it "
            f"({constrained.seconds:.1f} s with their tools); the others are what constrained greedy decoding writes"
        )
    voted = None
    if args.self_consistency:
        voted = await scored(sampling_client, args.self_consistency)
        k = args.self_consistency
        print(
            f"\nSelf-consistency: greedy + {k} samples at temperature {args.temperature:g}, tool calls run, the most"
            f" common outcome wins; same {len(chosen)} samples:\n"
        )
        print(format_comparison({"greedy": report, f"vote of {k + 1}": voted.report}))
        print(f"{'time (with tools)':<20}{primary.seconds:>21.1f}s{voted.seconds:>21.1f}s")
    base = None
    if args.compare_base:
        if check_sampleable is not None:
            check_sampleable(model, f"the untrained {model}")
        base = await scored(await service.create_sampling_client(base_model=model))
        print(f"\n{model} untrained beside {args.checkpoint_name}, same {len(chosen)} samples:\n")
        print(format_comparison({f"{model} (untrained)": base.report, args.checkpoint_name: report}))
    first_prompt = build_generation_prompt(chosen[0].prompt, tokenizer, choice.renderer).to_ints() if chosen else []
    result = {
        "checkpoint": args.checkpoint_name,
        "untrained": args.untrained,
        "run": run_name,
        "sampler_path": sampler_path,
        "base_model": sampling_client.get_base_model(),
        "renderer": choice.renderer.name,
        "data": args.data,
        "scope": args.scope,
        "first_prompt_tokens": first_prompt,
        "num_samples": len(chosen),
        **primary.to_dict(),
    }
    if base is not None:
        result["untrained_base"] = base.to_dict()
    if constrained is not None:
        result["constrained"] = constrained.to_dict()
    if voted is not None:
        result["self_consistency"] = {"samples": args.self_consistency, "temperature": args.temperature}
        result["self_consistency"].update(voted.to_dict())
    output = args.output
    if output is None and run_name:
        suffix = "untrained" if args.untrained else args.checkpoint_name
        where = f"_{Path(args.data).stem}" if args.data else ""
        output = str(Path(cfg.log_dir) / run_name / f"eval_{Path(suffix).name}{where}_n{len(chosen)}.json")
    if output:
        atomic_write_json(output, result)
        summary = Path(output).with_suffix(".md")
        atomic_write_text(summary, markdown_summary(label, run_name, args.scope, elapsed, report, chosen, scores))
        print(f"\nresults written to {output} (summary: {summary})")
    return result


HEADLINE_RATES = (
    ("valid JSON", "valid_json_rate"),
    ("correct format", "correct_format_rate"),
    ("correct tool", "correct_tool_rate"),
    ("args match", "args_match_rate"),
    ("execution accuracy", "execution_accuracy"),
    ("answer accuracy", "answer_accuracy"),
)


def _rate_cell(report: Report, name: str) -> str:
    value = getattr(report, name)
    if value is None:
        return "n/a"
    interval = report.intervals.get(name)
    return f"{100 * value:.1f}%" + (f" [{100 * interval[0]:.0f}-{100 * interval[1]:.0f}]" if interval else "")


@dataclass
class Scored:
    """One pass of generation and scoring over the chosen samples."""

    report: Report
    scores: list[SampleScore]
    seconds: float
    tokens: int
    decoded_again: int | None = None
    """Constrained column: how many replies were decoded again (the rest were the free ones, kept)."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "seconds": self.seconds,
            "tokens": self.tokens,
            **({} if self.decoded_again is None else {"decoded_again": self.decoded_again}),
            "report": self.report.to_dict(),
            "predictions": [s.to_dict() for s in self.scores],
        }


def format_comparison(reports: dict[str, Report]) -> str:
    """The headline rates of several evaluations of the same samples, one column each."""
    width = max(22, *(len(label) + 2 for label in reports))
    lines = [f"{'rate':<20}" + "".join(f"{label:>{width}}" for label in reports)]
    for title, name in HEADLINE_RATES:
        lines.append(f"{title:<20}" + "".join(f"{_rate_cell(r, name):>{width}}" for r in reports.values()))
    return "\n".join(lines)


def markdown_summary(
    label: str,
    run_name: str | None,
    scope: str,
    seconds: float,
    report: Report,
    samples: Sequence[Sample],
    scores: Sequence[SampleScore],
    failures_shown: int = 5,
) -> str:
    """A short Markdown page: headline rates with intervals, per category, the failing template families and a
    few failed predictions."""
    lines = [
        f"# Evaluation of {label}",
        "",
        f"Run `{run_name}`, {scope}, {seconds:.1f} s. Rates with their Wilson 95% intervals.",
        "",
        "| rate | value |",
        "| --- | --- |",
        *(f"| {title} | {_rate_cell(report, name)} |" for title, name in HEADLINE_RATES),
        "",
        "| category | n | correct tool | execution | answer |",
        "| --- | --- | --- | --- | --- |",
    ]
    for category, row in report.per_category.items():
        cells = [row.get(k) for k in ("correct_tool_rate", "execution_accuracy", "answer_accuracy")]
        shown = " | ".join("n/a" if v is None else f"{100 * v:.1f}%" for v in cells)
        lines.append(f"| {category} | {row['n']} | {shown} |")
    failing = [r for r in report.per_source if r["failed"]][:10]
    if failing:
        lines += ["", "Template families with the most failures:", "", "| source | n | failed | reasons |"]
        lines.append("| --- | --- | --- | --- |")
        for row in failing:
            reasons = ", ".join(f"{k} x{v}" for k, v in row["reasons"].items())
            lines.append(f"| {row['source']} | {row['n']} | {row['failed']} | {reasons} |")
    failed = [(sample, score) for sample, score in zip(samples, scores) if score.failed][:failures_shown]
    if failed:
        lines += ["", "Failed predictions:", ""]
        for sample, score in failed:
            lines.append(f"- `{sample.source}`: {sample.prompt}")
            lines.append(f"  - expected `{to_json(target_object(sample))}`")
            one_line = " ".join(score.completion.split())
            lines.append(f"  - predicted `{one_line}`")
    return "\n".join(lines) + "\n"


@reports_user_errors
def main(argv: Sequence[str] | None = None) -> int:
    quiet_libraries()
    setup_logging()
    asyncio.run(evaluate(parse_args(argv)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
