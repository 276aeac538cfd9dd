"""Throughput of the tools: calculator calls/s and sandboxed Python runs/s.

Usage::

    python benchmarks/bench_tools.py            # defaults: 40 sandbox runs per mode
    python benchmarks/bench_tools.py --runs 100 --workers 4

The named baseline for the Python runner is the ``rlimits`` mode (separate process,
limits, seccomp, no namespaces), measured in the same run as ``bwrap`` so the cost of
the namespaces is visible on the same machine. A bare ``python -S -c pass`` and a
``python -c pass`` through the project's venv (which imports ``site``) show the floor
and what skipping ``site`` saves.

How startup cost is kept low: the child runs ``-S`` (no ``site``, no site-packages scan),
imports only ``resource`` before the user code (plus ``ctypes`` in rlimits mode, to
install seccomp), gets its code on stdin instead of a temp file, the bubblewrap command
line and the BPF program are built once per process, and ``run_python_many`` overlaps
several sandboxes (the parent only waits on pipes).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

# Runnable as a plain script from anywhere: make the repository importable. The sft
# imports therefore happen inside the functions, after this line.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

EXPRESSIONS = [
    "17 * 23",
    "40 * (1 - 0.25)",
    "sqrt(144) + 6",
    "2^10 / 3",
    "round(1234.5678, 2)",
    "log(1000, 10) + sin(pi / 6)",
    "factorial(20) / comb(10, 3)",
    "1,234 * 15%",
]
SNIPPET = "total = sum(i * i for i in range(1000))\nprint(total)"


def _rate(count: int, seconds: float) -> str:
    return f"{count / seconds:10.1f} /s  ({seconds / count * 1000:8.3f} ms each)"


def bench_calculator(calls: int) -> None:
    from sft.tools import calculate

    start = time.perf_counter()
    for i in range(calls):
        calculate(EXPRESSIONS[i % len(EXPRESSIONS)])
    elapsed = time.perf_counter() - start
    print(f"{'calculator':<38} {_rate(calls, elapsed)}")


def _time_runs(label: str, runs: int, fn: Callable[[], None]) -> None:
    fn()  # warm-up: probes bubblewrap, builds caches, fills the page cache
    durations = []
    start = time.perf_counter()
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        durations.append(time.perf_counter() - t0)
    elapsed = time.perf_counter() - start
    p50 = statistics.median(durations) * 1000
    print(f"{label:<38} {_rate(runs, elapsed)}  p50 {p50:6.1f} ms")


def bench_interpreter_floor(runs: int) -> None:
    from sft.tools.sandbox import _base_python

    base = _base_python()
    _time_runs(
        "bare `python -S -c pass`",
        runs,
        lambda: subprocess.run([base, "-S", "-c", "pass"], check=True),
    )
    _time_runs(
        "venv `python -c pass` (with site)",
        runs,
        lambda: subprocess.run([sys.executable, "-c", "pass"], check=True),
    )


def bench_sandbox(runs: int, workers: int) -> None:
    from sft.tools import run_python_many, run_python_sandboxed
    from sft.tools.sandbox import bwrap_unavailable_reason

    modes = ["rlimits"]
    reason = bwrap_unavailable_reason()
    if reason is None:
        modes.append("bwrap")
    else:
        print(f"(bwrap skipped: {reason})")
    for mode in modes:
        name = f"{mode} (baseline)" if mode == "rlimits" else mode

        def one(mode: str = mode) -> None:
            result = run_python_sandboxed(SNIPPET, isolation=mode)  # type: ignore[arg-type]
            assert result.ok, result.stderr

        _time_runs(f"python sandbox, {name}", runs, one)
        start = time.perf_counter()
        results = run_python_many([SNIPPET] * runs, workers=workers, isolation=mode)
        elapsed = time.perf_counter() - start
        assert all(r.ok for r in results)
        label = f"run_python_many x{workers}, {name}"
        print(f"{label:<38} {_rate(runs, elapsed)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=40, help="sandbox runs per mode")
    parser.add_argument("--calls", type=int, default=20_000, help="calculator calls")
    parser.add_argument("--workers", type=int, default=2, help="run_python_many workers")
    args = parser.parse_args()
    print(f"python {sys.version.split()[0]} on {os.cpu_count()} CPU(s)")
    bench_calculator(args.calls)
    bench_interpreter_floor(args.runs)
    bench_sandbox(args.runs, args.workers)


if __name__ == "__main__":
    main()
