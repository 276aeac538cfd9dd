"""The checkpoint registry: the one place that maps checkpoint names to engine paths.

Each run keeps ``<checkpoint_dir>/<run>/checkpoints.json`` with the backend, base model, the config used and,
per checkpoint name (``checkpoint_step_100``, ..., ``final_checkpoint``), the step, the training-state path (for
resuming), the sampler path (for evaluation) and, for local checkpoints, the size of every state file (so a resume
can tell a complete checkpoint from a partial one). Paths are local directories or ``tinker://`` URIs, so
``python -m sft.evaluate checkpoint_step_300`` works the same on both engines. ``<checkpoint_dir>/LATEST`` names
the most recently started run.

:func:`resolve_checkpoint` is the one way from what a user types (a checkpoint name, or a path) to its run: the
record, and the run's stored :class:`~sft.config.TrainConfig` (its backend, Tinker URL, device, precision, data
split...), which every command (evaluate, chat, serve, export) opens the checkpoint with.

Every read-modify-write of a registry holds an exclusive ``fcntl.flock`` on ``<run>/.checkpoints.lock``, and every
write goes through a temp file, fsync and a rename, so concurrent writers lose nothing and readers never see a
partial file. A training process also holds ``<run>/.run.lock`` for as long as it trains the run.
"""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import json
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from sft.config import TrainConfig, stored_config
from sft.errors import UserError
from sft.utils import atomic_write_json, atomic_write_text, fsync_dir, fsync_tree, utc_now

REGISTRY_FILE = "checkpoints.json"
LATEST_FILE = "LATEST"
LOCK_FILE = ".checkpoints.lock"
RUN_LOCK_FILE = ".run.lock"
# The local engine's training-state metadata file (step, base model), and the folders it saves under.
STATE_FILE = "state.json"
CHECKPOINT_KINDS = ("weights", "sampler_weights")


class CheckpointNotFoundError(UserError, LookupError):
    """A checkpoint name or run cannot be resolved; the message lists what exists."""


class RegistryError(CheckpointNotFoundError):
    """A registry file is unreadable or malformed, so no checkpoint of its run can be resolved; the message names
    the file, the entry and the field."""


class RunExistsError(UserError, FileExistsError):
    """A new run would reuse the name of a registered run; the message says how to resume it instead."""


class RunBusyError(UserError, BlockingIOError):
    """Another process is training this run right now."""


@dataclass(frozen=True)
class CheckpointRecord:
    """Where one named checkpoint lives."""

    run_name: str
    name: str
    step: int
    state_path: str | None
    sampler_path: str | None
    backend: str
    base_model: str
    files: dict[str, int] = field(default_factory=dict)
    """Local state checkpoints: {file: size} as saved, for the completeness check."""
    saved_at: str | None = None
    """When it was saved (ISO 8601, UTC), for the TTL check of Tinker checkpoints."""


def _entry_problem(entry: Any) -> str | None:
    if not isinstance(entry, dict):
        return f"expected an object, got {type(entry).__name__}"
    step = entry.get("step")
    if not isinstance(step, int) or isinstance(step, bool) or step < 0:
        return f"field 'step': expected a non-negative integer, got {str(step)[:40]!r}"
    for name in ("state_path", "sampler_path", "saved_at"):
        if not isinstance(entry.get(name), str | None):
            return f"field {name!r}: expected a string or null"
    files = entry.get("files", {})
    if not isinstance(files, dict) or not all(isinstance(v, int) for v in files.values()):
        return "field 'files': expected an object of file sizes"
    return None


class RunRegistry:
    """The registry of one run."""

    def __init__(self, checkpoint_dir: str | Path, run_name: str) -> None:
        self.checkpoint_dir = Path(checkpoint_dir)
        self.run_name = run_name
        self.run_dir = self.checkpoint_dir / run_name
        self.path = self.run_dir / REGISTRY_FILE

    def exists(self) -> bool:
        return self.path.is_file()

    def read(self) -> dict[str, Any]:
        """The registry's content, checked.

        Raises:
            CheckpointNotFoundError: The run has no registry.
            RegistryError: The file is not a valid registry (truncated, not JSON, wrong shape).
        """
        if not self.path.is_file():
            raise CheckpointNotFoundError(f"{self.path}: no checkpoint registry for run {self.run_name!r}")
        fix = "restore it from a backup, or start a new run with another --run_name"
        try:
            data = json.loads(self.path.read_bytes().decode("utf-8"))
        except UnicodeDecodeError as exc:
            why = f"not UTF-8 text at byte {exc.start}"
        except json.JSONDecodeError as exc:
            why = f"invalid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}"
        except (RecursionError, ValueError) as exc:
            why = f"invalid JSON: {type(exc).__name__}"
        except OSError as exc:
            raise RegistryError(f"{self.path}: cannot read the checkpoint registry ({exc.strerror})") from None
        else:
            why = ""
        if why:
            raise RegistryError(f"{self.path}: corrupt checkpoint registry ({why}); {fix}")
        if not isinstance(data, dict):
            raise RegistryError(f"{self.path}: corrupt checkpoint registry (expected a JSON object); {fix}")
        for name in ("backend", "base_model"):
            if not isinstance(data.get(name), str):
                raise RegistryError(f"{self.path}: corrupt checkpoint registry: field {name!r} missing or not a string")
        checkpoints = data.get("checkpoints")
        if not isinstance(checkpoints, dict):
            raise RegistryError(f"{self.path}: corrupt checkpoint registry: field 'checkpoints' is not an object")
        if not isinstance(data.get("config", {}), dict):
            raise RegistryError(f"{self.path}: corrupt checkpoint registry: field 'config' is not an object")
        return data

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the registry's lock: around every read-modify-write, so concurrent writers lose nothing."""
        self.run_dir.mkdir(parents=True, exist_ok=True)
        with (self.run_dir / LOCK_FILE).open("a") as lock:
            fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock.fileno(), fcntl.LOCK_UN)

    def start(self, backend: str, base_model: str, config: dict[str, Any], resume_step: int | None = None) -> list[str]:
        """Register the run (new, or resumed from ``resume_step``) and mark it as the latest.

        A resumed run continues one timeline: checkpoints after ``resume_step`` (of the interrupted attempt) are
        dropped from the registry, since this run saves them again. Returns their names.

        Raises:
            RunExistsError: A new run (``resume_step`` None) whose name is taken by a run with checkpoints (one
                stopped before its first checkpoint left nothing to mix with, and may be started again).
        """
        with self.locked():
            if resume_step is None and self.exists() and self.records():
                raise RunExistsError(run_exists_message(self))
            if resume_step is None:
                data: dict[str, Any] = {"run_name": self.run_name, "created_at": utc_now(), "checkpoints": {}}
            else:
                data = self.read()
            dropped = [r.name for r in self.records() if r.step > (resume_step or 0)] if resume_step is not None else []
            for name in dropped:
                del data["checkpoints"][name]
            data.update(backend=backend, base_model=base_model, config=config)
            atomic_write_json(self.path, data)
        atomic_write_text(self.checkpoint_dir / LATEST_FILE, self.run_name + "\n")
        return dropped

    def record(
        self,
        name: str,
        step: int,
        state_path: str | None,
        sampler_path: str | None,
        files: dict[str, int] | None = None,
    ) -> CheckpointRecord:
        """Add (or replace) checkpoint ``name``; returns the record as written."""
        entry = {
            "step": step,
            "state_path": state_path,
            "sampler_path": sampler_path,
            "files": dict(files or {}),
            "saved_at": utc_now(),
        }
        with self.locked():
            data = self.read()
            data["checkpoints"][name] = entry
            atomic_write_json(self.path, data)
        return self._record(name, entry, data)

    def get(self, name: str) -> CheckpointRecord:
        data = self.read()
        entry = data["checkpoints"].get(name)
        if entry is None:
            known = ", ".join(data["checkpoints"]) or "none yet"
            raise CheckpointNotFoundError(f"run {self.run_name!r} has no checkpoint {name!r} (it has: {known})")
        return self._record(name, entry, data)

    def records(self) -> list[CheckpointRecord]:
        """Every checkpoint, latest step first (``final_checkpoint`` before a periodic one of the same step)."""
        data = self.read()
        records = [self._record(n, e, data) for n, e in data["checkpoints"].items()]
        return sorted(records, key=lambda r: (r.step, r.name == "final_checkpoint"), reverse=True)

    def _record(self, name: str, entry: Any, data: dict[str, Any]) -> CheckpointRecord:
        problem = _entry_problem(entry)
        if problem:
            raise RegistryError(f"{self.path}: corrupt checkpoint registry: checkpoint {name!r}: {problem}")
        return CheckpointRecord(
            run_name=self.run_name,
            name=name,
            step=int(entry["step"]),
            state_path=entry.get("state_path"),
            sampler_path=entry.get("sampler_path"),
            backend=data["backend"],
            base_model=data["base_model"],
            files=dict(entry.get("files") or {}),
            saved_at=entry.get("saved_at"),
        )

    def has(self, name: str) -> bool:
        """Whether the run has a registered checkpoint ``name`` (False for a run without a registry)."""
        return self.exists() and name in self.read()["checkpoints"]

    def base_model(self) -> str:
        return str(self.read()["base_model"])

    def config(self) -> dict[str, Any]:
        """The config the run was started with, as stored (``TrainConfig.to_dict()``)."""
        return dict(self.read().get("config") or {})

    def train_config(self) -> TrainConfig:
        """The run's stored :class:`TrainConfig`, on the backend the run trained on (never ``auto``)."""
        data = self.read()
        cfg = stored_config(dict(data.get("config") or {}))
        if data["backend"] in ("local", "tinker"):
            cfg.backend = data["backend"]
        return cfg


def run_exists_message(registry: RunRegistry) -> str:
    """Why a new run may not take ``registry``'s name, and what to run instead."""
    try:
        names = ", ".join(r.name for r in registry.records()) or "no checkpoints yet"
    except CheckpointNotFoundError:
        names = "unreadable registry"
    return (
        f"run {registry.run_name!r} already exists under {registry.checkpoint_dir} ({names}); a new run with the "
        f"same name would mix two runs' checkpoints. Continue it with: python -m sft.train --run_name "
        f"{registry.run_name} --resume, or choose another --run_name (or leave it out for a fresh name)"
    )


def make_durable(state_path: str | None, sampler_path: str | None) -> dict[str, int]:
    """fsync a saved checkpoint's local folders; returns the state folder's {file: size} for the registry.

    ``tinker://`` checkpoints live on the service: nothing to do here.
    """
    files: dict[str, int] = {}
    for path in (sampler_path, state_path):
        if path and not path.startswith("tinker://") and Path(path).is_dir():
            files = fsync_tree(path)
    return files


def state_problem(record: CheckpointRecord) -> str | None:
    """Why ``record``'s training state cannot be resumed (missing, partial, another step or model), or None.

    Checks what can be checked here: a local state directory exists, holds every file the registry recorded
    with its size, and its own step and base model agree with the registry. ``tinker://`` states live on the
    service and are taken as recorded.
    """
    if not record.state_path:
        return "it has no saved training state"
    if record.state_path.startswith("tinker://"):
        return None
    state_dir = Path(record.state_path)
    if not state_dir.is_dir():
        return f"its state folder {state_dir} is missing"
    for name, size in record.files.items():
        file = state_dir / name
        if not file.is_file():
            return f"{file} is missing"
        if file.stat().st_size != size:
            return f"{file} has {file.stat().st_size} of its {size} bytes (a write was cut off)"
    meta_file = state_dir / STATE_FILE
    if not meta_file.is_file():
        return f"{meta_file} is missing"
    try:
        meta = json.loads(meta_file.read_text(encoding="utf-8"))
        step, base_model = meta["step"], meta["base_model"]
    except (ValueError, KeyError, TypeError):
        return f"{meta_file} is not a complete state record"
    if step != record.step:
        return f"its state holds step {step}, the registry says step {record.step}"
    if base_model != record.base_model:
        return f"its state is of base model {base_model!r}, the run's is {record.base_model!r}"
    return None


def last_complete(registry: RunRegistry, at_most: CheckpointRecord | None = None) -> tuple[CheckpointRecord, list[str]]:
    """The latest resumable checkpoint (``at_most`` itself or an earlier one, when given), and why the ones
    tried before it were skipped.

    Raises:
        CheckpointNotFoundError: No checkpoint of the run can be resumed.
    """
    records = registry.records()
    if at_most is not None:
        records = [at_most, *(r for r in records if r.step < at_most.step)]
    skipped: list[str] = []
    for record in records:
        problem = state_problem(record)
        if problem is None:
            return record, skipped
        skipped.append(f"{record.name} (step {record.step}): {problem}")
    detail = "; ".join(skipped) or "it has no checkpoints"
    raise CheckpointNotFoundError(
        f"run {registry.run_name!r} has no complete checkpoint to resume from ({detail}). Start a new run instead."
    )


def _same_path(a: str, b: str) -> bool:
    if a.startswith("tinker://") or b.startswith("tinker://"):
        return a.rstrip("/") == b.rstrip("/")
    return os.path.realpath(a) == os.path.realpath(b)


def find_saved(
    checkpoint_dir: str | Path, path: str, kinds: tuple[str, ...] = ("sampler_path", "state_path")
) -> CheckpointRecord | None:
    """The checkpoint, in any run under ``checkpoint_dir``, saved at ``path`` (as one of ``kinds``)."""
    for run in runs(checkpoint_dir):
        for record in RunRegistry(checkpoint_dir, run).records():
            if any(getattr(record, kind) and _same_path(getattr(record, kind), path) for kind in kinds):
                return record
    return None


def find_state(checkpoint_dir: str | Path, state_path: str) -> CheckpointRecord | None:
    """The checkpoint, in any run under ``checkpoint_dir``, whose training state is ``state_path``."""
    return find_saved(checkpoint_dir, state_path, kinds=("state_path",))


def hold_run(registry: RunRegistry) -> IO[str]:
    """Take the run's lock for as long as the returned file stays open (the kernel drops it if the process dies).

    Raises:
        RunBusyError: Another process holds it.
    """
    registry.run_dir.mkdir(parents=True, exist_ok=True)
    lock = (registry.run_dir / RUN_LOCK_FILE).open("a+")
    try:
        fcntl.flock(lock.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        lock.seek(0)
        holder = lock.read().strip() or "unknown"
        lock.close()
        raise RunBusyError(
            f"run {registry.run_name!r} is being trained by another process right now (pid {holder}); wait for it "
            "to finish or stop it first"
        ) from None
    lock.seek(0)
    lock.truncate()
    lock.write(f"{os.getpid()}\n")
    lock.flush()
    return lock


def release_run(registry: RunRegistry, lock: IO[str]) -> None:
    """Drop the run's lock (from :func:`hold_run`). A run that never got registered (it stopped on bad data, a bad
    option or an unavailable model) leaves no folder behind: only its lock files were there."""
    if not registry.exists():
        with registry.locked():  # no registry write of another process is under way
            (registry.run_dir / LOCK_FILE).unlink(missing_ok=True)
        (registry.run_dir / RUN_LOCK_FILE).unlink(missing_ok=True)  # while still holding it
        with contextlib.suppress(OSError):  # anything else in it (not ours to judge) keeps the folder
            registry.run_dir.rmdir()
    lock.close()


def clean_incomplete_writes(registry: RunRegistry) -> list[str]:
    """Remove what interrupted checkpoint writes left in the run's folders; returns what it did, one line each.

    The local engine writes a checkpoint into a hidden temp folder beside it and renames it into place (moving
    an older version aside first). A kill leaves the temp folder behind, and a kill between the two renames
    leaves only the older version aside: that one is moved back, since it is complete. Call only while holding
    the run's lock (:func:`hold_run`), so that no write of this run is in progress.
    """
    done: list[str] = []
    with registry.locked():  # a registry write killed before its rename leaves its temp file
        for temp in registry.run_dir.glob(f".{REGISTRY_FILE}.*"):
            temp.unlink(missing_ok=True)
            done.append(f"removed {temp} (an incomplete registry write of a run that was stopped)")
    for kind in CHECKPOINT_KINDS:
        folder = registry.run_dir / kind
        if not folder.is_dir():
            continue
        for entry in sorted(folder.iterdir()):
            if not entry.name.startswith(".") or not entry.is_dir():
                continue
            name, _, suffix = entry.name[1:].rpartition(".")
            target = folder / name
            if suffix.startswith("old-") and name and not target.exists():
                entry.rename(target)
                done.append(f"restored {target} from {entry.name} (a run was stopped while replacing it)")
            else:
                shutil.rmtree(entry, ignore_errors=True)
                done.append(f"removed {entry} (an incomplete checkpoint write of a run that was stopped)")
        if done:
            fsync_dir(folder)
    return done


def latest_run(checkpoint_dir: str | Path) -> str:
    """The most recently started run under ``checkpoint_dir``."""
    checkpoint_dir = Path(checkpoint_dir)
    latest = checkpoint_dir / LATEST_FILE
    if latest.is_file():
        name = latest.read_bytes().decode("utf-8", errors="replace").strip()
        if name and "/" not in name and (checkpoint_dir / name / REGISTRY_FILE).is_file():
            return name
    runs = sorted(checkpoint_dir.glob(f"*/{REGISTRY_FILE}"), key=lambda p: p.stat().st_mtime)
    if not runs:
        raise CheckpointNotFoundError(f"{checkpoint_dir}: no training runs found. Train first: python -m sft.train")
    return runs[-1].parent.name


def runs(checkpoint_dir: str | Path) -> list[str]:
    """The names of the runs under ``checkpoint_dir`` that have a registry, sorted."""
    return sorted(p.parent.name for p in Path(checkpoint_dir).glob(f"*/{REGISTRY_FILE}"))


def open_run(checkpoint_dir: str | Path, run_name: str | None = None) -> RunRegistry:
    """The registry of ``run_name`` (default: the latest run).

    Raises:
        CheckpointNotFoundError: No such run (the message lists the runs there are).
    """
    run = run_name or latest_run(checkpoint_dir)
    registry = RunRegistry(checkpoint_dir, run)
    if not registry.exists():
        known = ", ".join(runs(checkpoint_dir)) or "none"
        raise CheckpointNotFoundError(f"no run {run!r} under {checkpoint_dir} (runs: {known})")
    return registry


def is_checkpoint_path(text: str) -> bool:
    """Whether ``text`` is a path (``tinker://...``, a folder) rather than a checkpoint name (which has no ``/``)."""
    return text.startswith(("tinker://", ".")) or "/" in text or os.sep in text or Path(text).is_dir()


@dataclass(frozen=True)
class ResolvedCheckpoint:
    """A checkpoint name or path resolved to its run: what to load, and how the run was configured."""

    given: str
    """The name or path as the user gave it."""
    run_name: str | None
    """The run that saved it; None for a path that no run under the checkpoint folder knows."""
    record: CheckpointRecord | None
    """Its registry entry; None for a path of no known run, and for the base model of a run (``untrained``)."""
    sampler_path: str | None
    """What a sampling client loads: the registry's sampler path, or the path given; None: the base model."""
    config: TrainConfig
    """The run's stored config (backend, Tinker URL, device, precision, data and split, ...); the defaults (on the
    engine the path belongs to) for a path of no known run."""
    renderer: str = "auto"
    """The prompt format the run trained with; ``auto`` when unknown."""

    @property
    def base_model(self) -> str | None:
        """The run's base model; None for a path of no known run (its engine reads it from the checkpoint)."""
        if self.record is not None:
            return self.record.base_model
        return self.config.base_model if self.run_name else None

    def engine_config(self, **overrides: Any) -> TrainConfig:
        """The run's config with the options a command was given (``None``: not given), checked: what its engine
        is created from.

        Raises:
            ConfigError: An option is out of range.
        """
        cfg = dataclasses.replace(self.config)
        for name, value in overrides.items():
            if value is not None:
                setattr(cfg, name, value)
        return cfg.validate()

    def describe(self) -> str:
        """``final_checkpoint of run r``, or the path as given."""
        if self.record is not None:
            return f"{self.record.name} of run {self.record.run_name}"
        return self.given if self.run_name is None else f"{self.given} (run {self.run_name})"


def _run_of(
    registry: RunRegistry, given: str, record: CheckpointRecord | None, sampler: str | None
) -> ResolvedCheckpoint:
    stored = registry.config()
    config = registry.train_config()
    config.base_model = registry.base_model()  # what the run trained, also when it resolved the default
    renderer = (stored.get("resolved") or {}).get("renderer") or "auto"
    return ResolvedCheckpoint(given, registry.run_name, record, sampler, config, str(renderer))


def resolve_run(checkpoint_dir: str | Path, run_name: str | None = None) -> ResolvedCheckpoint:
    """The base model of ``run_name`` (default: the latest run), untrained: its config, no checkpoint.

    Raises:
        CheckpointNotFoundError: No such run.
    """
    registry = open_run(checkpoint_dir, run_name)
    return _run_of(registry, "untrained", None, None)


def resolve_checkpoint(checkpoint: str, checkpoint_dir: str | Path, run_name: str | None = None) -> ResolvedCheckpoint:
    """A checkpoint name (in ``run_name``, default the latest run) or path, with its run's stored config.

    A path (``tinker://...`` or a folder) belongs to the run under ``checkpoint_dir`` that saved it (as sampler
    weights or training state); a path no run saved takes ``run_name``'s config when given, else the defaults on
    the engine the path belongs to (Tinker for ``tinker://``, local otherwise).

    Raises:
        CheckpointNotFoundError: The run or the name does not exist (the message lists what does), or the path
            belongs to another run than ``run_name``.
        RegistryError: The run's registry is corrupt.
    """
    if not is_checkpoint_path(checkpoint):
        registry = open_run(checkpoint_dir, run_name)
        record = registry.get(checkpoint)
        return _run_of(registry, checkpoint, record, record.sampler_path)
    record = find_saved(checkpoint_dir, checkpoint)
    if record is not None:
        if run_name and run_name != record.run_name:
            raise CheckpointNotFoundError(
                f"{checkpoint} is a checkpoint of run {record.run_name!r}, not of run {run_name!r}; leave out the run"
            )
        return _run_of(RunRegistry(checkpoint_dir, record.run_name), checkpoint, record, checkpoint)
    if run_name:
        return _run_of(open_run(checkpoint_dir, run_name), checkpoint, None, checkpoint)
    config = TrainConfig(backend="tinker" if checkpoint.startswith("tinker://") else "local")
    return ResolvedCheckpoint(checkpoint, None, None, checkpoint, config)
