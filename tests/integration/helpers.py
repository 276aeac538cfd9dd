"""Running the user's commands against the integration suite's Tinker-API servers, and reading what the server saw."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.integration.conftest import API_KEY, REPO_ROOT

CLI_TIMEOUT_S = 900


def cli_env(**extra: str | None) -> dict[str, str]:
    """The environment a user's command runs in: a Tinker key, no hub; ``None`` values remove a variable."""
    env = dict(os.environ, TINKER_API_KEY=API_KEY, HF_HUB_OFFLINE="1", PYTHONPATH=str(REPO_ROOT))
    env.pop("TINKER_BASE_URL", None)
    for key, value in extra.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def run_cli(
    module: str,
    args: list[str],
    cwd: Path,
    timeout_s: float = CLI_TIMEOUT_S,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """``python -m <module> <args>`` as a user runs it, with a Tinker API key in the environment."""
    return subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=cwd,
        env=env or cli_env(),
        capture_output=True,
        text=True,
        timeout=timeout_s,
        stdin=subprocess.DEVNULL,
    )


def explain(result: subprocess.CompletedProcess[str]) -> str:
    return f"exit {result.returncode}\n--- stdout ---\n{result.stdout[-4000:]}\n--- stderr ---\n{result.stderr[-6000:]}"


def server_rows(server: Any, query: str, *params: Any) -> list[tuple[Any, ...]]:
    """Rows of the server's own database (SQLite), read-only."""
    uri = f"file:{server.workdir / 'tinker.db'}?mode=ro"
    with sqlite3.connect(uri, uri=True, timeout=30) as db:
        return db.execute(query, params).fetchall()


def finished_sessions(server: Any) -> dict[str, str | None]:
    """Session id -> how the client said it ended (``ServiceClient.close``), or None if it never said."""
    rows = server_rows(server, "SELECT session_id, user_metadata FROM sessions")
    return {sid: json.loads(meta or "{}").get("tinker_it_finished") for sid, meta in rows}


def checkpoint_ttls(server: Any) -> list[dict[str, Any]]:
    """Every named save the server was asked for, with its TTL (recorded by the patched server)."""
    path = server.workdir / "checkpoint_ttls.jsonl"
    if not path.is_file():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def metrics(log_dir: Path, run: str) -> list[dict[str, Any]]:
    lines = (log_dir / run / "metrics.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines]


def train_losses(rows: list[dict[str, Any]]) -> dict[int, float]:
    return {m["step"]: m["train/loss"] for m in rows if "train/loss" in m}
