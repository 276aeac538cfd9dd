"""LoRA supervised fine-tuning: the training loop, top to bottom.

Usage::

    python -m sft.train                                  # the seed's defaults on the auto-selected engine
    python -m sft.train --num_steps 50 --batch_size 4    # any config field can be overridden
    python -m sft.train --run_name run-20261125-101500-3fa2c1 --resume      # its last complete checkpoint
    python -m sft.train --resume_from checkpoint_step_300 --run_name run-20261125-101500-3fa2c1
    python -m sft.train --resume_from checkpoints/run-20261125-101500-3fa2c1/weights/checkpoint_step_300

Loads and validates the dataset, splits it, creates a LoRA training client, renders prompts in the model's own chat
format, builds weighted datums, then for each step submits forward_backward and optim_step, and the next step's
forward_backward, before awaiting the step's results. Every LOG_INTERVAL steps it logs the training loss (and the
optimizer's gradient norm and clipping rate), every VALIDATION_INTERVAL steps it samples VALIDATION_SAMPLES held-out
prompts and logs the valid JSON, correct format and correct tool rates, and every CHECKPOINT_INTERVAL steps (and at
the end, as ``final_checkpoint``) it saves the training state and the sampler weights and records both in the
registry. Ctrl-C (or SIGTERM) finishes the step in flight, saves a checkpoint and prints the command that resumes.

A resumed run continues with the config stored at its start (only the options in ``RESUME_SAFE_FIELDS`` may
differ; anything else is refused with the list of differences) from a checkpoint that is complete on disk; a
missing or partial one falls back to the previous complete checkpoint, with a warning.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import logging
import math
import shlex
import signal
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from tinker import types

from sft.checkpoints import (
    CheckpointNotFoundError,
    CheckpointRecord,
    RunExistsError,
    RunRegistry,
    clean_incomplete_writes,
    find_state,
    hold_run,
    is_checkpoint_path,
    last_complete,
    make_durable,
    open_run,
    release_run,
    run_exists_message,
)
from sft.config import (
    BASE_MODEL,
    REPLACEMENT_MODEL,
    ConfigError,
    TrainConfig,
    add_config_arguments,
    config_field_names,
    config_from_args,
    resume_conflicts,
    stored_config,
)
from sft.data_loader import DatasetError, Sample, load_dataset, select_validation_samples, split_dataset
from sft.datum_builder import build_datums, datum_target_tokens, datum_weight, tokenize_sample
from sft.engines import EngineFuture, ModelCatalog, ServiceClient, TrainingClient, create_service_client
from sft.engines.errors import EngineError
from sft.errors import reports_user_errors
from sft.prompt_builder import SYSTEM_PROMPT
from sft.renderers import Renderer, renderer_for_name, select_renderer
from sft.sampling import score_completions
from sft.utils import (
    append_jsonl,
    atomic_write_json,
    default_run_name,
    learning_rate_at,
    quiet_libraries,
    setup_logging,
)

logger = logging.getLogger("sft.train")

# Exit codes of a run stopped by a signal, as shells report them.
EXIT_CODES = {signal.SIGINT: 130, signal.SIGTERM: 143}


class TrainingStopped(Exception):
    """Training stopped on request (Ctrl-C, SIGTERM); the message says what was saved and how to resume."""

    def __init__(self, message: str, signum: int) -> None:
        super().__init__(message)
        self.signum = signum


class ModelNotOfferedError(EngineError):
    """The service does not offer the model the run needs; the message lists what it offers and what to run."""


def batch_indices(step: int, batch_size: int, num_examples: int, seed: int) -> list[int]:
    """Indices of the examples in 0-based ``step``'s batch.

    Each epoch is a fresh seeded permutation, and a step's batch depends only on (step, seed), so a resumed
    run sees exactly the batches the uninterrupted run would have seen.
    """
    indices = []
    for position in range(step * batch_size, (step + 1) * batch_size):
        epoch, offset = divmod(position, num_examples)
        permutation = np.random.default_rng([seed, epoch]).permutation(num_examples)
        indices.append(int(permutation[offset]))
    return indices


async def save_checkpoint(
    training_client: TrainingClient, registry: RunRegistry, name: str, step: int, ttl_seconds: int | None = None
) -> None:
    """Save state (for resume) and sampler weights (for evaluation), then record both paths.

    Both saves are queued behind every request submitted before them, so they hold exactly the optimizer steps
    applied by then (``step``), whatever forward_backward was submitted ahead.
    """
    state_future = training_client.save_state(name, ttl_seconds=ttl_seconds)
    sampler_future = training_client.save_weights_for_sampler(name, ttl_seconds=ttl_seconds)
    state, sampler = await state_future, await sampler_future
    # On disk (fsync) before the registry names it, with the sizes a resume checks.
    files = await asyncio.to_thread(make_durable, state.path, sampler.path)
    registry.record(name, step, state.path, sampler.path, files)
    kept = f", kept {ttl_seconds // 3600} h" if ttl_seconds else ""
    logger.info("step %d: saved %s (state %s, sampler %s%s)", step, name, state.path, sampler.path, kept)


async def validate(
    training_client: TrainingClient, tokenizer: Any, samples: Sequence[Sample], cfg: TrainConfig, renderer: Renderer
) -> dict[str, float]:
    """Sample the held-out prompts with the current weights and compute the seed's three rates."""
    sampling_client = await training_client.save_weights_and_get_sampling_client()
    report, _ = await score_completions(sampling_client, tokenizer, samples, cfg.max_new_tokens, renderer=renderer)
    return {f"validation/{k}": v for k, v in report.headline().items()}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m sft.train", description=__doc__.split("\n\n")[0])
    add_config_arguments(parser)
    parser.add_argument(
        "--dry_run",
        action="store_true",
        help="print the data, token and time (or token-cost) figures of this run without training or writing",
    )
    parser.add_argument(
        "--dry_run_steps", type=int, default=2, help="local engine: steps timed by --dry_run (default 2; 0: none)"
    )
    parser.add_argument(
        "--price_per_million_tokens", type=float, default=None, help="with --dry_run: turn training tokens into money"
    )
    return parser


def parse_args(argv: Sequence[str] | None) -> TrainConfig:
    cfg = config_from_args(build_parser().parse_args(argv))
    cfg.extra["argv"] = list(sys.argv[1:] if argv is None else argv)
    return cfg


@dataclass
class DryRun:
    """What a run would do, from its data and config alone."""

    per_category: dict[str, int]
    train_samples: int
    validation_samples: int
    too_long: int
    tokens: list[int]
    target_tokens: list[int]
    epochs: float
    training_tokens: int
    step_seconds: list[float] = field(default_factory=list)


def dry_run_figures(cfg: TrainConfig, tokenizer: Any, renderer: Renderer) -> tuple[DryRun, list[types.Datum]]:
    """The dataset's counts and the run's token figures; no model is loaded here."""
    samples = load_dataset(cfg.data_path)
    train_samples, validation_samples = split_dataset(samples, cfg.validation_fraction, cfg.seed)
    datums, too_long = build_datums(train_samples, tokenizer, cfg.max_length, renderer, cfg.arg_weight)
    if not datums:
        raise DatasetError(f"{cfg.data_path}: no training sample fits in max_length={cfg.max_length} tokens")
    per_category: dict[str, int] = {}
    for sample in samples:
        per_category[sample.category] = per_category.get(sample.category, 0) + 1
    tokens = [d.model_input.length for d in datums]
    # The steps visit exactly these rows (the shuffled order of sft.train), so the token total is exact.
    visited = [i for step in range(cfg.num_steps) for i in batch_indices(step, cfg.batch_size, len(datums), cfg.seed)]
    figures = DryRun(
        per_category=dict(sorted(per_category.items())),
        train_samples=len(train_samples),
        validation_samples=len(validation_samples),
        too_long=len(too_long),
        tokens=tokens,
        target_tokens=[datum_target_tokens(d) for d in datums],
        epochs=len(visited) / len(datums),
        training_tokens=sum(tokens[i] for i in visited),
    )
    return figures, [datums[i] for i in visited]


def format_timing(cfg: TrainConfig, step_seconds: Sequence[float]) -> str:
    median = sorted(step_seconds)[len(step_seconds) // 2]
    return (
        f"timed {len(step_seconds)} steps here: {median:.2f} s per step -> about {median * cfg.num_steps / 60:.0f} "
        f"min of training for {cfg.num_steps} steps (plus validation, checkpoints and model loading)"
    )


def format_dry_run(cfg: TrainConfig, figures: DryRun, backend: str, price: float | None) -> str:
    def stats(values: Sequence[int]) -> str:
        ordered = sorted(values)
        return (
            f"mean {sum(values) / len(values):.0f}, median {ordered[len(ordered) // 2]}, "
            f"p95 {ordered[int(0.95 * (len(ordered) - 1))]}, max {ordered[-1]}"
        )

    lines = [
        f"dataset {cfg.data_path}: "
        + ", ".join(f"{c} {n}" for c, n in figures.per_category.items())
        + f"; split {figures.train_samples} train / {figures.validation_samples} validation",
        f"samples over max_length={cfg.max_length}: {figures.too_long} (skipped)",
        f"tokens per training sample: {stats(figures.tokens)}",
        f"target (weighted) tokens per sample: {stats(figures.target_tokens)}",
        f"{cfg.num_steps} steps x batch {cfg.batch_size} = {cfg.num_steps * cfg.batch_size} samples = "
        f"{figures.epochs:.2f} epochs of {len(figures.tokens)} samples",
        f"training tokens: {figures.training_tokens:,} "
        f"({sum(figures.target_tokens) / max(sum(figures.tokens), 1):.0%} of them weighted)",
    ]
    if backend == "tinker":
        cost = f" = ${figures.training_tokens / 1e6 * price:,.2f} at ${price}/M tokens" if price is not None else ""
        hint = "" if price is not None else " (add --price_per_million_tokens P for the cost)"
        lines.append(f"Tinker bills training by tokens: {figures.training_tokens / 1e6:.2f} M tokens{cost}{hint}")
    elif price is not None:
        lines.append(f"cost at ${price}/M tokens: ${figures.training_tokens / 1e6 * price:,.2f}")
    return "\n".join(lines)


async def dry_run(cfg: TrainConfig, timed_steps: int, price: float | None) -> DryRun:
    """``--dry_run``: print what the run would do; nothing is trained, registered or written. On the local engine a
    few steps are timed on this machine (on a throwaway adapter) for the wall-clock estimate."""
    from sft.engines.models import load_tokenizer

    backend = cfg.resolved_backend()
    base_model = cfg.resolved_base_model()
    tokenizer = load_tokenizer(base_model)
    renderer = select_renderer(base_model, tokenizer, SYSTEM_PROMPT, requested=cfg.renderer).renderer
    figures, visited = dry_run_figures(cfg, tokenizer, renderer)
    print(format_dry_run(cfg, figures, backend, price), flush=True)
    if backend == "local" and timed_steps > 0:
        print(f"timing {timed_steps} steps on this machine...", flush=True)
        import tempfile

        with tempfile.TemporaryDirectory(prefix="sft-dry-run-") as scratch:
            service = create_service_client(cfg, save_root=scratch)
            client = await service.create_lora_training_client(base_model=base_model, rank=cfg.lora_rank, seed=cfg.seed)
            adam = types.AdamParams(learning_rate=cfg.resolved_learning_rate(base_model))
            for step in range(timed_steps + 1):  # the first step warms up and is not counted
                batch = visited[step * cfg.batch_size : (step + 1) * cfg.batch_size]
                if not batch:
                    break
                start = time.perf_counter()
                await client.forward_backward(batch, "cross_entropy")
                await client.optim_step(adam)
                if step:
                    figures.step_seconds.append(time.perf_counter() - start)
        if figures.step_seconds:
            print(format_timing(cfg, figures.step_seconds))
    return figures


def command_line(cfg: TrainConfig, drop: Sequence[str] = (), add: Sequence[str] = ()) -> str:
    """``python -m sft.train`` with the user's own options, minus ``drop`` (option names), plus ``add``."""
    argv = list(cfg.extra.get("argv") or [])
    dropped = {f"--{name}" for name in drop} | {f"--{name.replace('_', '-')}" for name in drop}
    kept: list[str] = []
    skip = False
    for arg in argv:
        if skip:
            skip = False
            if not arg.startswith("--"):  # the dropped option's value (a bare flag such as --resume has none)
                continue
        option = arg.split("=", 1)[0]
        if option in dropped:
            skip = "=" not in arg
            continue
        kept.append(arg)
    return shlex.join(["python", "-m", "sft.train", *kept, *add])


def resolve_tinker_model(cfg: TrainConfig, service: ModelCatalog) -> tuple[str, str | None]:
    """The model a Tinker run trains, and a notice when it is not the one asked for.

    The seed's default model (``BASE_MODEL``) was retired by Tinker. When the user did not name a model and the
    service no longer offers the default, the run trains ``REPLACEMENT_MODEL`` (the Tinker cookbook's replacement)
    and says so loudly, unless ``--replace_retired_model false``. A model the user named is never replaced.

    Raises:
        ModelNotOfferedError: The model is not offered and is not replaced; the message lists what is offered and
            the exact command that works.
    """
    asked = cfg.base_model or BASE_MODEL
    if service.offers(asked):
        return asked, None
    offered = service.usable_models()
    if cfg.base_model is None and cfg.replace_retired_model and service.offers(REPLACEMENT_MODEL):
        notice = (
            f"Tinker at {service.base_url} no longer offers the default model {BASE_MODEL} (Tinker retired it on "
            f"2026-06-12). This run trains its documented replacement, {REPLACEMENT_MODEL}, instead, with that "
            "model's own prompt format (non-thinking). To choose the model yourself, pass --base_model; to stop "
            "instead of switching, pass --replace_retired_model false."
        )
        return REPLACEMENT_MODEL, notice
    supported = [m for m in offered if renderer_for_name(m)[0] is not None]
    # The replacement, else a model whose name this project knows, else whatever is offered (its chat template
    # then decides whether it can be used).
    suggestion = REPLACEMENT_MODEL if REPLACEMENT_MODEL in offered else next(iter(supported or offered), None)
    why = "(Tinker retires models; this one was retired on 2026-06-12)" if asked == BASE_MODEL else ""
    message = f"Tinker at {service.base_url} does not offer the base model {asked!r} {why}".rstrip() + ". "
    message += (
        ("Models offered for training and sampling: " + ", ".join(offered) + ".")
        if offered
        else ("It offers no model for both training and sampling.")
    )
    if suggestion:
        message += f" Run: {command_line(cfg, drop=['base_model'], add=['--base_model', suggestion])}"
    raise ModelNotOfferedError(message)


@dataclass
class StopRequest:
    """Ctrl-C / SIGTERM: the first asks the loop to stop after the step in flight, a second stops it at once."""

    requested: bool = False
    signum: int = signal.SIGINT
    handled: list[int] = field(default_factory=list)

    def install(self, task: asyncio.Task[Any]) -> None:
        loop = asyncio.get_running_loop()

        def on_signal(signum: int) -> None:
            if self.requested:
                logger.warning(
                    "second %s: stopping now, without saving the step in flight", signal.Signals(signum).name
                )
                task.cancel()
                return
            self.requested, self.signum = True, signum
            logger.warning(
                "%s: finishing the step in flight (it may be waiting in the service's queue), then saving a "
                "checkpoint and stopping. Press Ctrl-C again to stop at once without that checkpoint.",
                signal.Signals(signum).name,
            )

        for signum in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):  # not the main thread, Windows
                loop.add_signal_handler(signum, on_signal, signum)
                self.handled.append(signum)

    def uninstall(self) -> None:
        loop = asyncio.get_running_loop()
        for signum in self.handled:
            loop.remove_signal_handler(signum)
        self.handled.clear()


@dataclass
class Window:
    """What the loop accumulates between two loss logs."""

    loss: float = 0.0
    weight: float = 0.0
    samples: int = 0
    seconds: float = 0.0
    grad_norms: list[float] = field(default_factory=list)

    def add(self, loss: float, weight: float, samples: int, seconds: float, grad_norm: float | None) -> None:
        self.loss += loss
        self.weight += weight
        self.samples += samples
        self.seconds += seconds
        if grad_norm is not None and math.isfinite(grad_norm):
            self.grad_norms.append(grad_norm)


def grad_norm_of(optim: types.OptimStepResponse | None) -> float | None:
    """The gradient norm an optim_step reports (before clipping), whatever the engine calls it."""
    metrics = getattr(optim, "metrics", None) or {}
    for key, value in metrics.items():
        if key.rsplit("/", 1)[-1].split(":", 1)[0] == "grad_norm":
            return float(value)
    return None


def write_prompt_example(
    path: Path, datum_sample: Sample, tokenizer: Any, renderer: Renderer, base_model: str, arg_weight: float = 1.0
) -> None:
    """Record one training example exactly as sent (tokens, weights, text) so anyone can check the prompt format."""
    tok = tokenize_sample(datum_sample, tokenizer, renderer, arg_weight)
    atomic_write_json(
        path,
        {
            "base_model": base_model,
            "renderer": renderer.name,
            "sample_id": datum_sample.id,
            "prompt": datum_sample.prompt,
            "num_instruction_tokens": tok.num_instruction_tokens,
            "tokens": tok.tokens,
            "weights": tok.weights,
            "instruction_text": tokenizer.decode(tok.tokens[: tok.num_instruction_tokens]),
            "target_text": tokenizer.decode(tok.tokens[tok.num_instruction_tokens :]),
        },
    )


async def train(cfg: TrainConfig) -> dict[str, Any]:
    """Run training as configured; returns the last logged metrics.

    Raises:
        TrainingStopped: Ctrl-C or SIGTERM stopped the run (after saving a checkpoint unless pressed twice).
    """
    stop = StopRequest()
    task = asyncio.current_task()
    if task is not None:
        stop.install(task)
    services: list[ServiceClient] = []
    status = "errored"
    try:
        result = await _train(cfg, stop, services)
        status = "success"
        return result
    except TrainingStopped:
        status = "interrupted"
        raise
    except asyncio.CancelledError:  # a second Ctrl-C
        status = "interrupted"
        registry = RunRegistry(cfg.checkpoint_dir, cfg.run_name or "")
        raise TrainingStopped(_stopped_at_once(cfg, registry), stop.signum) from None
    finally:
        stop.uninstall()
        for service in services:  # end the session: the service limits concurrent training clients
            close = getattr(service, "close", None)
            if close is not None:
                await asyncio.to_thread(close, status)


def resolve_resume(cfg: TrainConfig) -> tuple[RunRegistry, CheckpointRecord | None]:
    """The run's registry, and the checkpoint it resumes from as asked (not yet checked on disk).

    ``--resume_from`` takes a checkpoint name (in ``--run_name`` or the latest run) or a training-state path (of
    whichever run saved it); ``--resume`` the run's latest checkpoint. A new run's name must not be taken.

    Raises:
        CheckpointNotFoundError: There is nothing of that name to resume.
        RunExistsError: A new run would reuse a registered run's name.
    """
    wanted = cfg.resume_from
    if wanted and is_checkpoint_path(wanted):
        record = find_state(cfg.checkpoint_dir, wanted)
        if record is None:
            raise CheckpointNotFoundError(
                f"{wanted}: not the training state of any run under {cfg.checkpoint_dir} (a resumed run needs its "
                "run's registry and config; pass --checkpoint_dir of the folder that holds the run, or a checkpoint "
                "name with --run_name)"
            )
        if cfg.run_name and cfg.run_name != record.run_name:
            raise ConfigError(
                f"resume_from: {wanted} is a checkpoint of run {record.run_name!r}, not of --run_name {cfg.run_name!r}"
            )
        cfg.run_name = record.run_name
        return RunRegistry(cfg.checkpoint_dir, record.run_name), record
    if wanted or cfg.resume:
        registry = open_run(cfg.checkpoint_dir, cfg.run_name)
        cfg.run_name = registry.run_name
        if wanted:
            return registry, registry.get(wanted)
        records = registry.records()
        if not records:
            raise CheckpointNotFoundError(f"run {cfg.run_name!r} has no checkpoint to resume from yet")
        return registry, records[0]
    cfg.run_name = cfg.run_name or default_run_name()
    registry = RunRegistry(cfg.checkpoint_dir, cfg.run_name)
    if registry.exists() and registry.records():
        raise RunExistsError(run_exists_message(registry))
    return registry, None


def restore_config(cfg: TrainConfig, registry: RunRegistry, resume: CheckpointRecord) -> tuple[TrainConfig, list[str]]:
    """The stored config of the run being resumed, with the safe options the user gave; and notes to log.

    Raises:
        ConfigError: An option given would change the run's recipe; the message lists each difference.
    """
    stored = registry.config()
    overrides = dict(cfg.extra["overrides"] if "overrides" in cfg.extra else _non_defaults(cfg))
    conflicts = resume_conflicts(stored, overrides)
    if conflicts:
        raise ConfigError(
            f"cannot resume run {registry.run_name!r} with a different recipe: {'; '.join(conflicts)}. A resumed "
            "run keeps the config it was started with (logs/<run>/config.json); leave these options out, or start "
            "a new run. Only how the run is run and reported may change (e.g. --num_steps to extend it)."
        )
    restored = stored_config(stored)
    restored.resume_from, restored.resume = cfg.resume_from, cfg.resume
    for name, value in overrides.items():
        setattr(restored, name, value)
    restored.extra.update(argv=cfg.extra.get("argv") or [], overrides=overrides)
    restored.validate()
    notes = []
    if restored.num_steps < resume.step:
        raise ConfigError(f"num_steps: {restored.num_steps} is below the resumed checkpoint's step {resume.step}")
    old_steps = stored.get("num_steps")
    if isinstance(old_steps, int) and restored.num_steps != old_steps:
        change = f"num_steps {old_steps} -> {restored.num_steps}: the run now ends at step {restored.num_steps}"
        if restored.lr_schedule == "constant":
            notes.append(f"{change}; the learning rate is constant, so no step's rate changes")
        else:
            notes.append(
                f"{change}, and its {restored.lr_schedule} learning-rate schedule is recomputed for "
                f"{restored.num_steps} steps: from step {resume.step + 1} on the rate follows the new schedule "
                f"(decaying to zero at step {restored.num_steps} instead of {old_steps}), so it changes at the "
                f"resume point; steps 1-{resume.step} were trained with the old one"
            )
    return restored, notes


def _non_defaults(cfg: TrainConfig) -> dict[str, Any]:
    """For a config built in code: the fields that differ from the defaults stand for the options given."""
    default = TrainConfig()
    return {n: getattr(cfg, n) for n in config_field_names() if getattr(cfg, n) != getattr(default, n)}


def file_sha256(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


async def _train(cfg: TrainConfig, stop: StopRequest, services: list[ServiceClient]) -> dict[str, Any]:
    # -- where this run writes, and where it resumes from ----------------------------------------------------------
    # Nothing is registered (LATEST, the stored config) until data, config and resume state have been checked.
    registry, asked = resolve_resume(cfg)
    lock = hold_run(registry)  # one process trains a run at a time
    try:
        notes = clean_incomplete_writes(registry)
        resume = None
        if asked is not None:
            resume, skipped = last_complete(registry, at_most=asked)
            if skipped:
                notes.append(
                    f"cannot resume from {'; '.join(skipped)}. Resuming from {resume.name} instead, the previous "
                    f"complete checkpoint: steps {resume.step + 1}-{asked.step} are trained again, exactly as before"
                )
            cfg, more = restore_config(cfg, registry, resume)
            notes += more
        return await _train_run(cfg, stop, services, registry, resume, notes)
    finally:
        release_run(registry, lock)


async def _train_run(
    cfg: TrainConfig,
    stop: StopRequest,
    services: list[ServiceClient],
    registry: RunRegistry,
    resume: CheckpointRecord | None,
    notes: list[str],
) -> dict[str, Any]:
    backend = cfg.resolved_backend()
    log_dir = Path(cfg.log_dir) / registry.run_name
    setup_logging(log_dir / "train.log")
    for note in notes:
        logger.warning(note)

    # -- data ----------------------------------------------------------------------------------------------------
    samples = load_dataset(cfg.data_path)
    dataset_sha256 = file_sha256(cfg.data_path)
    stored_sha256 = (cfg.extra.get("resolved") or {}).get("dataset_sha256") if resume is not None else None
    if stored_sha256 and stored_sha256 != dataset_sha256:
        raise ConfigError(
            f"data_path: {cfg.data_path} is not the dataset run {registry.run_name!r} trained on (sha256 "
            f"{dataset_sha256[:12]}..., the run's {stored_sha256[:12]}...); a resumed run must see the same examples "
            "in the same order. Point --data_path at the run's dataset, or start a new run"
        )
    train_samples, validation_samples = split_dataset(samples, cfg.validation_fraction, cfg.seed)
    held_out = select_validation_samples(validation_samples, cfg.validation_samples, cfg.seed)
    logger.info(
        "dataset %s: %d train, %d validation samples", cfg.data_path, len(train_samples), len(validation_samples)
    )

    # -- model -----------------------------------------------------------------------------------------------------
    service = create_service_client(cfg, save_root=registry.run_dir)
    services.append(service)
    resolved: dict[str, Any] = cfg.extra.setdefault("resolved", {})
    resolved["dataset_sha256"] = dataset_sha256
    if resume is not None:
        base_model = resume.base_model
    elif isinstance(service, ModelCatalog):  # Tinker: the default model may have been retired
        base_model, notice = resolve_tinker_model(cfg, service)
        if notice:
            resolved.update(requested_base_model=BASE_MODEL, base_model_notice=notice)
            banner = "=" * 100
            logger.warning("\n%s\nNOTICE: %s\n%s", banner, notice, banner)
    else:
        base_model = cfg.resolved_base_model()
    resolved["base_model"] = base_model
    if resume is not None:
        assert resume.state_path is not None  # last_complete() returns only checkpoints with a saved state
        training_client = await service.create_training_client_from_state_with_optimizer(resume.state_path)
        start_step = resume.step
        restored_step = getattr(training_client, "step", start_step)
        if restored_step != start_step:
            raise CheckpointNotFoundError(
                f"{resume.state_path}: the restored state is at step {restored_step}, the registry's "
                f"{resume.name} at step {start_step}"
            )
        logger.info("resumed from %s at step %d (%s)", resume.state_path, start_step, resume.name)
    else:
        training_client = await service.create_lora_training_client(
            base_model=base_model, rank=cfg.lora_rank, seed=cfg.seed
        )
        start_step = 0
    tokenizer = training_client.get_tokenizer()

    # The prompt format is the model's own; a resumed run keeps the one it was started with.
    stored = (cfg.extra.get("resolved") or {}).get("renderer") if resume is not None else None
    requested = cfg.renderer if cfg.renderer != "auto" or not stored else stored
    offered = service.usable_models() if isinstance(service, ModelCatalog) else ()
    choice = select_renderer(base_model, tokenizer, SYSTEM_PROMPT, requested=requested, offered=offered)
    renderer = choice.renderer
    resolved.update(renderer=renderer.name, renderer_check=choice.note)
    resolved["learning_rate"] = cfg.resolved_learning_rate(base_model)
    logger.info("run %s: backend=%s base_model=%s, %s", cfg.run_name, backend, base_model, choice.note)

    datums, too_long = build_datums(train_samples, tokenizer, cfg.max_length, renderer, cfg.arg_weight)
    if too_long:
        logger.warning(
            "skipping %d samples longer than max_length=%d, e.g. %s", len(too_long), cfg.max_length, too_long[0]
        )
    if not datums:
        raise DatasetError(f"{cfg.data_path}: no training sample fits in max_length={cfg.max_length} tokens")
    # Registered only now that data, model, resume state and prompt format are settled.
    dropped = registry.start(backend, base_model, cfg.to_dict(), resume_step=resume.step if resume else None)
    if dropped:
        logger.warning(
            "run %s continues from step %d: dropped the later checkpoints of the interrupted attempt from the "
            "registry (%s); this run saves them again",
            registry.run_name,
            start_step,
            ", ".join(dropped),
        )
    atomic_write_json(log_dir / "config.json", cfg.to_dict())
    write_prompt_example(
        log_dir / "prompt_example.json", train_samples[0], tokenizer, renderer, base_model, cfg.arg_weight
    )

    return await _loop(cfg, stop, training_client, tokenizer, renderer, registry, datums, held_out, start_step)


async def _loop(
    cfg: TrainConfig,
    stop: StopRequest,
    training_client: TrainingClient,
    tokenizer: Any,
    renderer: Renderer,
    registry: RunRegistry,
    datums: Sequence[types.Datum],
    held_out: Sequence[Sample],
    start_step: int,
) -> dict[str, Any]:
    """The steps. Step s's forward_backward may be submitted while step s-1 is still running (submit-ahead), but a
    step's optim_step is only submitted after the previous step's checkpoint and validation requests, so every
    checkpoint and validation sample sees exactly the optimizer steps applied before it."""
    from tqdm import tqdm
    from tqdm.contrib.logging import logging_redirect_tqdm

    peak_lr = cfg.resolved_learning_rate(registry.base_model())
    log_dir = Path(cfg.log_dir) / registry.run_name
    metrics_path = log_dir / "metrics.jsonl"
    run_start = time.perf_counter()
    last: dict[str, Any] = {}
    window = Window()
    pending: dict[int, tuple[EngineFuture[types.ForwardBackwardOutput], list[types.Datum]]] = {}
    last_saved_step = start_step

    def batch_for(step: int) -> list[types.Datum]:
        return [datums[i] for i in batch_indices(step, cfg.batch_size, len(datums), cfg.seed)]

    def submit_forward_backward(step: int) -> None:
        pending[step] = (training_client.forward_backward(batch_for(step), "cross_entropy"), batch_for(step))

    progress = tqdm(total=cfg.num_steps, initial=start_step, desc="train", unit="step", dynamic_ncols=True)
    mark = time.perf_counter()
    # The step lines go to train.log too; on the console they print above the progress bar.
    console = contextlib.ExitStack()
    console.enter_context(logging_redirect_tqdm())
    try:
        for step in range(start_step, cfg.num_steps):
            if stop.requested:  # `step` steps are applied, and nothing of the next one
                raise await _stopped(cfg, training_client, registry, step, last_saved_step, stop)
            if step not in pending:
                submit_forward_backward(step)
            fwd_bwd_future, batch = pending.pop(step)
            lr = learning_rate_at(step, cfg.num_steps, peak_lr, cfg.lr_schedule, cfg.warmup_steps)
            adam = types.AdamParams(
                learning_rate=lr,
                beta1=cfg.beta1,
                beta2=cfg.beta2,
                eps=cfg.eps,
                weight_decay=cfg.weight_decay,
                grad_clip_norm=cfg.grad_clip_norm,
            )
            optim_future = training_client.optim_step(adam)
            done = step + 1
            # Submit ahead: the next step's forward_backward goes in the queue now, so the engine has work while
            # this step's results travel back. It only accumulates gradients; the checkpoint or validation of step
            # `done`, submitted below, still lands before optim_step(done) and holds exactly `done` steps.
            if cfg.submit_ahead and done < cfg.num_steps and not stop.requested:
                submit_forward_backward(done)
            fwd_bwd, optim = await fwd_bwd_future, await optim_future
            now = time.perf_counter()
            weight = sum(datum_weight(d) for d in batch)
            grad_norm = grad_norm_of(optim)
            window.add(fwd_bwd.metrics["loss:sum"], weight, len(batch), now - mark, grad_norm)
            mark = now
            progress.update(1)
            progress.set_postfix(loss=f"{fwd_bwd.metrics['loss:sum'] / max(weight, 1):.4f}", lr=f"{lr:.2e}")

            if done % cfg.log_interval == 0 or done == cfg.num_steps:
                last = log_window(cfg, window, done, lr, optim, run_start)
                append_jsonl(metrics_path, last)
                logger.info(
                    "step %d: loss %.4f, %.2f samples/s, lr %.2e", done, last["train/loss"], last["samples_per_s"], lr
                )
                window = Window()

            if done % cfg.checkpoint_interval == 0:
                name = f"checkpoint_step_{done}"
                await save_checkpoint(training_client, registry, name, done, cfg.ttl_for(name))
                last_saved_step = done

            if held_out and (done % cfg.validation_interval == 0 or done == cfg.num_steps):
                rates = await validate(training_client, tokenizer, held_out, cfg, renderer)
                append_jsonl(metrics_path, {"step": done, **rates})
                last.update(rates)
                logger.info(
                    "step %d: validation on %d samples: %s",
                    done,
                    len(held_out),
                    ", ".join(f"{k.split('/')[1]} {100 * v:.0f}%" for k, v in rates.items()),
                )
            mark = time.perf_counter()  # checkpoint and validation time are not training throughput
    finally:
        progress.close()
        console.close()

    if start_step < cfg.num_steps or not registry.has("final_checkpoint"):
        final = max(start_step, cfg.num_steps)
        await save_checkpoint(training_client, registry, "final_checkpoint", final, cfg.ttl_for("final_checkpoint"))
    logger.info("run %s finished in %.0f s", registry.run_name, time.perf_counter() - run_start)
    write_curves(registry.run_name, cfg.log_dir)
    return last


def write_curves(run_name: str, log_dir: str) -> None:
    """The run's loss and validation curves as a PNG beside its metrics; a picture that cannot be drawn is a
    warning, never a failed run."""
    from sft.plot import PlotError, plot_run

    try:
        logger.info("curves written to %s", plot_run(run_name, log_dir))
    except (PlotError, OSError, ImportError, ValueError) as exc:
        logger.warning("no curves for run %s: %s", run_name, exc)


def log_window(
    cfg: TrainConfig, window: Window, done: int, lr: float, optim: types.OptimStepResponse | None, run_start: float
) -> dict[str, Any]:
    """The metrics line for the steps since the last one."""
    row: dict[str, Any] = {
        "step": done,
        "train/loss": window.loss / max(window.weight, 1.0),
        "learning_rate": lr,
        # Training throughput only: validation and checkpoint time are not in the window.
        "samples_per_s": window.samples / max(window.seconds, 1e-9),
        "steps_per_s": window.samples / cfg.batch_size / max(window.seconds, 1e-9),
        "elapsed_s": time.perf_counter() - run_start,
    }
    if window.grad_norms:
        row["optim/grad_norm"] = sum(window.grad_norms) / len(window.grad_norms)
        row["optim/grad_norm_max"] = max(window.grad_norms)
        if cfg.grad_clip_norm > 0:
            clipped = sum(norm > cfg.grad_clip_norm for norm in window.grad_norms)
            row["optim/clipped_fraction"] = clipped / len(window.grad_norms)
    if optim is not None and optim.metrics:
        row.update({f"optim/{k}": v for k, v in optim.metrics.items()})
    return row


async def _stopped(
    cfg: TrainConfig,
    training_client: TrainingClient,
    registry: RunRegistry,
    done: int,
    last_saved_step: int,
    stop: StopRequest,
) -> TrainingStopped:
    """Save a checkpoint of the ``done`` steps applied (unless one exists) and say how to resume."""
    name = f"checkpoint_step_{done}"
    if done > 0 and (done > last_saved_step or not registry.has(name)):
        await save_checkpoint(training_client, registry, name, done, cfg.ttl_for(name))
    if done == 0:
        return TrainingStopped(
            f"stopped by {signal.Signals(stop.signum).name} before the first step; nothing to save. "
            f"Start again with: {command_line(cfg, drop=['run_name'], add=['--run_name', registry.run_name])}",
            stop.signum,
        )
    resume = command_line(
        cfg, drop=["run_name", "resume_from", "resume"], add=["--run_name", registry.run_name, "--resume_from", name]
    )
    return TrainingStopped(
        f"stopped by {signal.Signals(stop.signum).name} after step {done} of {cfg.num_steps}; saved {name} "
        f"(exactly {done} steps). Resume with:\n  {resume}",
        stop.signum,
    )


def _stopped_at_once(cfg: TrainConfig, registry: RunRegistry) -> str:
    """What to say when a second Ctrl-C stopped the run without saving."""
    resumable = [r for r in (registry.records() if registry.exists() else []) if r.state_path]
    if not resumable:
        return "stopped at once; no checkpoint of this run was saved. Start again with the same command."
    name = resumable[0].name  # the latest
    resume = command_line(
        cfg, drop=["run_name", "resume_from", "resume"], add=["--run_name", registry.run_name, "--resume_from", name]
    )
    return f"stopped at once; the step in flight was not saved. Last checkpoint: {name}. Resume with:\n  {resume}"


@reports_user_errors
def main(argv: Sequence[str] | None = None) -> int:
    quiet_libraries()
    setup_logging()
    try:
        options = build_parser().parse_args(argv)
        cfg = parse_args(argv)
        if options.dry_run:
            asyncio.run(dry_run(cfg, options.dry_run_steps, options.price_per_million_tokens))
            return 0
        asyncio.run(train(cfg))
    except TrainingStopped as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_CODES.get(signal.Signals(exc.signum), 130)
    return 0


if __name__ == "__main__":
    sys.exit(main())
