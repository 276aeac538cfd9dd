"""``python -m sft.train --dry_run``: the run's figures without training, registering or writing anything."""

from __future__ import annotations

import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_dry_run_prints_the_figures_and_leaves_nothing(tmp_path: Path, dataset_file: Path, dataset_records) -> None:
    result = subprocess.run(
        [
            *(sys.executable, "-m", "sft.train", "--dry_run", "--dry_run_steps", "1", "--backend", "local"),
            *("--data_path", str(dataset_file), "--num_steps", "3", "--batch_size", "2"),
            *("--price_per_million_tokens", "2.5"),
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        env={"PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1", "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 0, result.stderr[-2000:]
    out = result.stdout
    for category, n in Counter(r["category"] for r in dataset_records).items():
        assert f"{category} {n}" in out
    assert "3 steps x batch 2 = 6 samples" in out
    tokens = int(re.search(r"training tokens: ([\d,]+)", out).group(1).replace(",", ""))
    assert 6 * 50 < tokens < 6 * 512  # six rendered samples, each with the system prompt
    assert f"${tokens / 1e6 * 2.5:,.2f}" in out
    assert re.search(r"timed 1 steps here: [\d.]+ s per step", out)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data"]  # no checkpoints/, no logs/
