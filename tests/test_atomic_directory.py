"""``atomic_directory``: a directory appears whole or not at all, and an existing one survives a failed write."""

from __future__ import annotations

from pathlib import Path

import pytest

from sft.utils import atomic_directory


def test_a_written_directory_replaces_the_old_one_whole(tmp_path: Path) -> None:
    final = tmp_path / "ckpt"
    with atomic_directory(final) as tmp:
        (tmp / "a.bin").write_bytes(b"old")
    with atomic_directory(final) as tmp:
        assert not (final / "b.bin").exists()  # nothing of the new one shows before the block ends
        (tmp / "b.bin").write_bytes(b"new")
    assert sorted(p.name for p in final.iterdir()) == ["b.bin"]
    assert [p.name for p in tmp_path.iterdir()] == ["ckpt"]  # no temp or old copy left


def test_a_failed_write_keeps_the_old_directory_and_leaves_no_temp(tmp_path: Path) -> None:
    final = tmp_path / "ckpt"
    with atomic_directory(final) as tmp:
        (tmp / "a.bin").write_bytes(b"old")
    with pytest.raises(RuntimeError), atomic_directory(final) as tmp:
        (tmp / "half.bin").write_bytes(b"x")
        raise RuntimeError("disk full")
    assert (final / "a.bin").read_bytes() == b"old" and not (final / "half.bin").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["ckpt"]


def test_without_replace_an_existing_directory_is_kept(tmp_path: Path) -> None:
    final = tmp_path / "model"
    final.mkdir()
    (final / "config.json").write_text("{}")
    with pytest.raises(OSError), atomic_directory(final, replace=False) as tmp:
        (tmp / "config.json").write_text('{"other": 1}')
    assert (final / "config.json").read_text() == "{}"
    assert [p.name for p in tmp_path.iterdir()] == ["model"]
