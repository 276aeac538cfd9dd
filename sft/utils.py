"""Small helpers shared by the scripts: durable atomic writes, logging set-up, run names, the learning-rate schedule."""

from __future__ import annotations

import contextlib
import json
import logging
import math
import os
import secrets
import shutil
import sys
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any


def fsync_dir(path: str | Path) -> None:
    """Make a directory's entries (a rename, a new file) durable."""
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_tree(path: str | Path) -> dict[str, int]:
    """fsync every file and directory under ``path`` and ``path``'s parent; returns {relative file: size}.

    A checkpoint directory is renamed into place by the engine; only after this is its content on disk, so the
    registry records it afterwards (with the sizes, which a resume checks).
    """
    root = Path(path)
    sizes: dict[str, int] = {}
    for directory, _, files in os.walk(root):
        for name in files:
            file = Path(directory) / name
            with file.open("rb") as f:
                os.fsync(f.fileno())
            sizes[file.relative_to(root).as_posix()] = file.stat().st_size
        fsync_dir(directory)
    fsync_dir(root.parent)
    return dict(sorted(sizes.items()))


@contextlib.contextmanager
def atomic_directory(final: str | Path, *, replace: bool = True) -> Iterator[Path]:
    """A temp directory beside ``final`` to fill. When the block ends without an error, its files are fsynced and it
    is renamed to ``final`` (the rename fsynced too): ``final`` is always either as before or complete. With
    ``replace``, an existing ``final`` is moved aside as ``.<name>.old-<hex>`` and removed once the new one is in
    place (a crash between the two renames leaves it there, and ``sft.checkpoints`` moves it back); without, an
    existing ``final`` is an ``OSError``. An error in the block, or in the commit, removes the temp directory."""
    final = Path(final)
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{final.name}.", dir=final.parent))
    try:
        yield tmp
        fsync_tree(tmp)
        if final.exists() and replace:
            old = final.with_name(f".{final.name}.old-{secrets.token_hex(4)}")
            final.rename(old)
            tmp.rename(final)
            fsync_dir(final.parent)
            shutil.rmtree(old, ignore_errors=True)
        elif final.exists():
            raise FileExistsError(f"{final} exists")
        else:
            tmp.rename(final)  # a directory made meanwhile by someone else: OSError (ENOTEMPTY), theirs is kept
            fsync_dir(final.parent)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def atomic_write_bytes(path: str | Path, data: bytes, mode: int | None = None) -> None:
    """Write ``data`` to ``path`` through a temp file, fsync and a rename (then fsync the directory), so readers
    never see a partial file and a crash leaves either the old or the new content. ``mode``: the file's
    permissions (the temp file's private 0600 otherwise)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    fsync_dir(path.parent)


def atomic_write_text(path: str | Path, text: str) -> None:
    """:func:`atomic_write_bytes` of ``text`` in UTF-8."""
    atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_json(path: str | Path, obj: Any) -> None:
    atomic_write_text(path, json.dumps(obj, indent=2, ensure_ascii=False) + "\n")


def append_jsonl(path: str | Path, obj: dict[str, Any]) -> None:
    """Append one JSON object as a line (flushed, so a crash loses at most the line being written)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as f:
        f.write(json.dumps(obj, ensure_ascii=False) + "\n")
        f.flush()


def default_run_name() -> str:
    """``run-YYYYmmdd-HHMMSS-xxxxxx``: readable, and unique for runs started in the same second."""
    return datetime.now().strftime("run-%Y%m%d-%H%M%S-") + secrets.token_hex(3)


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def setup_logging(log_file: str | Path | None = None, level: int = logging.INFO) -> None:
    """Log to stderr and, if given, to a file (the run's human-readable log)."""
    handlers: list[logging.Handler] = [logging.StreamHandler(sys.stderr)]
    if log_file is not None:
        Path(log_file).parent.mkdir(parents=True, exist_ok=True)
        handlers.append(logging.FileHandler(log_file, encoding="utf-8"))
    logging.basicConfig(
        level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s", handlers=handlers, force=True
    )
    # Libraries' own progress chatter is noise next to ours.
    for noisy in ("httpx", "urllib3", "filelock"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def quiet_libraries() -> None:
    """Silence the progress bars and advisory warnings of transformers and PEFT during our runs."""
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    import warnings

    warnings.filterwarnings("ignore", module="peft")
    warnings.filterwarnings("ignore", category=FutureWarning, module="transformers")
    warnings.filterwarnings("ignore", message=".*gguf.*", category=UserWarning)
    try:
        from transformers.utils import logging as hf_logging

        hf_logging.set_verbosity_error()
        hf_logging.disable_progress_bar()
    except ImportError:
        pass


def learning_rate_at(step: int, total_steps: int, peak: float, schedule: str, warmup_steps: int) -> float:
    """Learning rate for 0-based ``step``: linear warm-up, then constant, linear or cosine decay to zero."""
    if warmup_steps > 0 and step < warmup_steps:
        return peak * (step + 1) / warmup_steps
    if schedule == "constant":
        return peak
    span = max(1, total_steps - warmup_steps)
    progress = min(1.0, (step - warmup_steps) / span)
    if schedule == "linear":
        return peak * (1.0 - progress)
    if schedule == "cosine":
        return peak * 0.5 * (1.0 + math.cos(math.pi * progress))
    raise ValueError(f"lr_schedule: expected 'linear', 'cosine' or 'constant', got {schedule!r}")
