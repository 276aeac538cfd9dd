"""The checkpoint registry: the one place that maps checkpoint names to engine paths.

Each run keeps ``<checkpoint_dir>/<run>/checkpoints.json`` with the backend, base model, the config used and,
per checkpoint name (``checkpoint_step_100``, ..., ``final_checkpoint``), the step, the training-state path (for
resuming), the sampler path (for evaluation) and, for local checkpoints, the size of every state file (so a resume
can tell a complete checkpoint from a partial one). Paths are local directories or ``tinker://`` URIs, so
``python -m sft.evaluate checkpoint_step_300`` works the same on both engines. ``<checkpoint_dir>/LATEST`` names
the most recently started run.

Every read-modify-write of a registry holds an exclusive ``fcntl.flock`` on ``<run>/.checkpoints.lock``, and every
write goes through a temp file, fsync and a rename, so concurrent writers lose nothing and readers never see a
partial file. A training process also holds ``<run>/.run.lock`` for as long as it trains the run.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from sft.utils import atomic_write_json, atomic_write_text, fsync_dir, fsync_tree, utc_now

REGISTRY_FILE = "checkpoints.json"
LATEST_FILE = "LATEST"
LOCK_FILE = ".checkpoints.lock"
RUN_LOCK_FILE = ".run.lock"
# The local engine's training-state metadata file (step, base model), and the folders it saves under.
STATE_FILE = "state.json"
CHECKPOINT_KINDS = ("weights", "sampler_weights")


class CheckpointNotFoundError(LookupError):
    """A checkpoint name or run cannot be resolved; the message lists what exists."""


class RegistryError(CheckpointNotFoundError):
    """A registry file is unreadable or malformed, so no checkpoint of its run can be resolved; the message names
    the file, the entry and the field."""


class RunExistsError(FileExistsError):
    """A new run would reuse the name of a registered run; the message says how to resume it instead."""


class RunBusyError(BlockingIOError):
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


def _entry_problem(entry: Any) -> str | None:
    if not isinstance(entry, dict):
        return f"expected an object, got {type(entry).__name__}"
    step = entry.get("step")
    if not isinstance(step, int) or isinstance(step, bool) or step < 0:
        return f"field 'step': expected a non-negative integer, got {str(step)[:40]!r}"
    for name in ("state_path", "sampler_path"):
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
        )

    def config(self) -> dict[str, Any]:
        return dict(self.read().get("config") or {})


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


def find_state(checkpoint_dir: str | Path, state_path: str) -> CheckpointRecord | None:
    """The checkpoint, in any run under ``checkpoint_dir``, whose training state is ``state_path``."""

    def same(a: str, b: str) -> bool:
        if a.startswith("tinker://") or b.startswith("tinker://"):
            return a.rstrip("/") == b.rstrip("/")
        return os.path.realpath(a) == os.path.realpath(b)

    for registry_file in sorted(Path(checkpoint_dir).glob(f"*/{REGISTRY_FILE}")):
        registry = RunRegistry(checkpoint_dir, registry_file.parent.name)
        for record in registry.records():
            if record.state_path and same(record.state_path, state_path):
                return record
    return None


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


def resolve_checkpoint(name: str, checkpoint_dir: str | Path, run_name: str | None = None) -> CheckpointRecord:
    """The record of checkpoint ``name`` in ``run_name`` (default: the latest run)."""
    run = run_name or latest_run(checkpoint_dir)
    registry = RunRegistry(checkpoint_dir, run)
    if not registry.exists():
        runs = sorted(p.parent.name for p in Path(checkpoint_dir).glob(f"*/{REGISTRY_FILE}"))
        raise CheckpointNotFoundError(f"no run {run!r} under {checkpoint_dir} (runs: {', '.join(runs) or 'none'})")
    return registry.get(name)
