"""The checkpoint registry: the one place that maps checkpoint names to engine paths.

Each run keeps ``<checkpoint_dir>/<run>/checkpoints.json`` with the backend, base model, the config used and,
per checkpoint name (``checkpoint_step_100``, ..., ``final_checkpoint``), the step, the training-state path (for
resuming) and the sampler path (for evaluation). Paths are local directories or ``tinker://`` URIs, so
``python -m sft.evaluate checkpoint_step_300`` works the same on both engines. ``<checkpoint_dir>/LATEST``
names the most recently started run.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sft.utils import atomic_write_json, atomic_write_text, utc_now

REGISTRY_FILE = "checkpoints.json"
LATEST_FILE = "LATEST"


class CheckpointNotFoundError(LookupError):
    """A checkpoint name or run cannot be resolved; the message lists what exists."""


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
        if not self.path.is_file():
            raise CheckpointNotFoundError(f"{self.path}: no checkpoint registry for run {self.run_name!r}")
        return json.loads(self.path.read_text(encoding="utf-8"))

    def start(self, backend: str, base_model: str, config: dict[str, Any]) -> None:
        """Create (or reopen, when resuming) the run's registry and mark the run as the latest."""
        data = self.read() if self.exists() else {"run_name": self.run_name, "created_at": utc_now(), "checkpoints": {}}
        data.update(backend=backend, base_model=base_model, config=config)
        atomic_write_json(self.path, data)
        atomic_write_text(self.checkpoint_dir / LATEST_FILE, self.run_name + "\n")

    def record(self, name: str, step: int, state_path: str | None, sampler_path: str | None) -> CheckpointRecord:
        data = self.read()
        data["checkpoints"][name] = {
            "step": step,
            "state_path": state_path,
            "sampler_path": sampler_path,
            "saved_at": utc_now(),
        }
        atomic_write_json(self.path, data)
        return self.get(name)

    def get(self, name: str) -> CheckpointRecord:
        data = self.read()
        entry = data["checkpoints"].get(name)
        if entry is None:
            known = ", ".join(data["checkpoints"]) or "none yet"
            raise CheckpointNotFoundError(f"run {self.run_name!r} has no checkpoint {name!r} (it has: {known})")
        return CheckpointRecord(
            run_name=self.run_name,
            name=name,
            step=int(entry["step"]),
            state_path=entry.get("state_path"),
            sampler_path=entry.get("sampler_path"),
            backend=data["backend"],
            base_model=data["base_model"],
        )

    def config(self) -> dict[str, Any]:
        return dict(self.read().get("config") or {})


def latest_run(checkpoint_dir: str | Path) -> str:
    """The most recently started run under ``checkpoint_dir``."""
    checkpoint_dir = Path(checkpoint_dir)
    latest = checkpoint_dir / LATEST_FILE
    if latest.is_file():
        name = latest.read_text(encoding="utf-8").strip()
        if (checkpoint_dir / name / REGISTRY_FILE).is_file():
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
