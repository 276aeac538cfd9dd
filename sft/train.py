"""LoRA supervised fine-tuning: the training loop, top to bottom.

Usage::

    python -m sft.train                                  # the seed's defaults on the auto-selected engine
    python -m sft.train --num_steps 50 --batch_size 4    # any config field can be overridden
    python -m sft.train --resume_from checkpoint_step_300 --run_name run-20261125-101500

Loads and validates the dataset, splits it, builds weighted datums, creates a LoRA training client, then for
each step submits forward_backward and optim_step before awaiting either. Every LOG_INTERVAL steps it logs the
training loss, every VALIDATION_INTERVAL steps it samples VALIDATION_SAMPLES held-out prompts and logs the
valid JSON, correct format and correct tool rates, and every CHECKPOINT_INTERVAL steps (and at the end, as
``final_checkpoint``) it saves the training state and the sampler weights and records both in the registry.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from tinker import types

from sft.checkpoints import CheckpointNotFoundError, RunRegistry, latest_run
from sft.config import ConfigError, TrainConfig, add_config_arguments, config_from_args
from sft.data_loader import DatasetError, load_dataset, select_validation_samples, split_dataset
from sft.datum_builder import build_datums, datum_weight
from sft.engines import create_service_client
from sft.engines.errors import EngineError
from sft.evaluate import score_completions
from sft.utils import (
    append_jsonl,
    atomic_write_json,
    default_run_name,
    learning_rate_at,
    quiet_libraries,
    setup_logging,
)

logger = logging.getLogger("sft.train")


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


async def save_checkpoint(training_client: Any, registry: RunRegistry, name: str, step: int) -> None:
    """Save state (for resume) and sampler weights (for evaluation), then record both paths."""
    state_future = training_client.save_state(name)
    sampler_future = training_client.save_weights_for_sampler(name)
    state, sampler = await state_future, await sampler_future
    registry.record(name, step, state.path, sampler.path)
    logger.info("step %d: saved %s (state %s, sampler %s)", step, name, state.path, sampler.path)


async def validate(training_client: Any, tokenizer: Any, samples: Sequence[Any], cfg: TrainConfig) -> dict[str, float]:
    """Sample the held-out prompts with the current weights and compute the seed's three rates."""
    sampling_client = await training_client.save_weights_and_get_sampling_client()
    report, _ = await score_completions(sampling_client, tokenizer, samples, cfg.max_new_tokens)
    return {f"validation/{k}": v for k, v in report.headline().items()}


def parse_args(argv: Sequence[str] | None) -> TrainConfig:
    parser = argparse.ArgumentParser(prog="python -m sft.train", description=__doc__.split("\n\n")[0])
    add_config_arguments(parser)
    return config_from_args(parser.parse_args(argv))


async def train(cfg: TrainConfig) -> dict[str, Any]:
    """Run training as configured; returns the last logged metrics."""
    # -- where this run writes ---------------------------------------------------------------------------------
    if cfg.resume_from and not cfg.run_name:
        cfg.run_name = latest_run(cfg.checkpoint_dir)
    cfg.run_name = cfg.run_name or default_run_name()
    backend, base_model = cfg.resolved_backend(), cfg.resolved_base_model()
    log_dir = Path(cfg.log_dir) / cfg.run_name
    setup_logging(log_dir / "train.log")
    registry = RunRegistry(cfg.checkpoint_dir, cfg.run_name)
    resume = registry.get(cfg.resume_from) if cfg.resume_from and registry.exists() else None
    if cfg.resume_from and resume is None:
        raise CheckpointNotFoundError(f"run {cfg.run_name!r} has no checkpoint registry to resume from")
    registry.start(backend, base_model, cfg.to_dict())
    atomic_write_json(log_dir / "config.json", cfg.to_dict())
    logger.info("run %s: backend=%s base_model=%s", cfg.run_name, backend, base_model)

    # -- data ----------------------------------------------------------------------------------------------------
    samples = load_dataset(cfg.data_path)
    train_samples, validation_samples = split_dataset(samples, cfg.validation_fraction, cfg.seed)
    held_out = select_validation_samples(validation_samples, cfg.validation_samples, cfg.seed)
    logger.info(
        "dataset %s: %d train, %d validation samples", cfg.data_path, len(train_samples), len(validation_samples)
    )

    # -- model -----------------------------------------------------------------------------------------------------
    service = create_service_client(cfg, save_root=registry.run_dir)
    if resume is not None:
        if not resume.state_path:
            raise CheckpointNotFoundError(f"checkpoint {resume.name!r} has no saved training state")
        training_client = await service.create_training_client_from_state_with_optimizer(resume.state_path)
        start_step = resume.step
        logger.info("resumed from %s at step %d", resume.state_path, start_step)
    else:
        training_client = await service.create_lora_training_client(
            base_model=base_model, rank=cfg.lora_rank, seed=cfg.seed
        )
        start_step = 0
    tokenizer = training_client.get_tokenizer()

    datums, too_long = build_datums(train_samples, tokenizer, cfg.max_length)
    if too_long:
        logger.warning(
            "skipping %d samples longer than max_length=%d, e.g. %s", len(too_long), cfg.max_length, too_long[0]
        )
    if not datums:
        raise DatasetError(f"{cfg.data_path}: no training sample fits in max_length={cfg.max_length} tokens")

    # -- the loop ----------------------------------------------------------------------------------------------
    from tqdm import tqdm

    peak_lr = cfg.resolved_learning_rate()
    metrics_path = log_dir / "metrics.jsonl"
    window_loss = window_weight = window_samples = window_seconds = 0.0
    run_start = time.perf_counter()
    last: dict[str, Any] = {}
    progress = tqdm(total=cfg.num_steps, initial=start_step, desc="train", unit="step", dynamic_ncols=True)
    for step in range(start_step, cfg.num_steps):
        batch = [datums[i] for i in batch_indices(step, cfg.batch_size, len(datums), cfg.seed)]
        lr = learning_rate_at(step, cfg.num_steps, peak_lr, cfg.lr_schedule, cfg.warmup_steps)
        adam = types.AdamParams(
            learning_rate=lr,
            beta1=cfg.beta1,
            beta2=cfg.beta2,
            eps=cfg.eps,
            weight_decay=cfg.weight_decay,
            grad_clip_norm=cfg.grad_clip_norm,
        )
        step_start = time.perf_counter()
        # Submit both before awaiting either, so a remote engine can run them back to back.
        fwd_bwd_future = training_client.forward_backward(batch, "cross_entropy")
        optim_future = training_client.optim_step(adam)
        fwd_bwd, optim = await fwd_bwd_future, await optim_future
        window_seconds += time.perf_counter() - step_start

        weight = sum(datum_weight(d) for d in batch)
        window_loss += fwd_bwd.metrics["loss:sum"]
        window_weight += weight
        window_samples += len(batch)
        done = step + 1
        progress.update(1)
        progress.set_postfix(loss=f"{fwd_bwd.metrics['loss:sum'] / max(weight, 1):.4f}", lr=f"{lr:.2e}")

        if done % cfg.log_interval == 0 or done == cfg.num_steps:
            last = {
                "step": done,
                "train/loss": window_loss / max(window_weight, 1.0),
                "learning_rate": lr,
                # Training throughput only: validation and checkpoint time are not in the window.
                "samples_per_s": window_samples / max(window_seconds, 1e-9),
                "elapsed_s": time.perf_counter() - run_start,
            }
            if optim is not None and getattr(optim, "metrics", None):
                last.update({f"optim/{k}": v for k, v in optim.metrics.items()})
            append_jsonl(metrics_path, last)
            progress.write(
                f"step {done}: loss {last['train/loss']:.4f}, {last['samples_per_s']:.2f} samples/s, lr {lr:.2e}"
            )
            window_loss = window_weight = window_samples = window_seconds = 0.0

        if done % cfg.checkpoint_interval == 0:
            await save_checkpoint(training_client, registry, f"checkpoint_step_{done}", done)

        if held_out and (done % cfg.validation_interval == 0 or done == cfg.num_steps):
            rates = await validate(training_client, tokenizer, held_out, cfg)
            append_jsonl(metrics_path, {"step": done, **rates})
            last.update(rates)
            progress.write(
                f"step {done}: validation on {len(held_out)} samples: "
                + ", ".join(f"{k.split('/')[1]} {100 * v:.0f}%" for k, v in rates.items())
            )

    progress.close()
    if start_step < cfg.num_steps or not registry.read()["checkpoints"].get("final_checkpoint"):
        await save_checkpoint(training_client, registry, "final_checkpoint", max(start_step, cfg.num_steps))
    logger.info("run %s finished in %.0f s", cfg.run_name, time.perf_counter() - run_start)
    return last


def main(argv: Sequence[str] | None = None) -> int:
    quiet_libraries()
    setup_logging()
    try:
        cfg = parse_args(argv)
        asyncio.run(train(cfg))
    except (DatasetError, ConfigError, CheckpointNotFoundError, FileNotFoundError, EngineError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
