"""Specification of the sandboxed Python runner (real processes, no mocks).

Most behaviours are checked under both isolation modes: ``bwrap`` (skipped only where
bubblewrap cannot run) and the ``rlimits`` fallback, which must work everywhere.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sft.tools import PythonRunResult, available_isolation, run_python_many, run_python_sandboxed, sandbox
from sft.tools.sandbox import (
    ENV_REQUIRE_BWRAP,
    SandboxUnavailableError,
    bwrap_required,
    bwrap_unavailable_reason,
)

BWRAP_REASON = bwrap_unavailable_reason()
# With SFT_SANDBOX_REQUIRE_BWRAP=1 (CI) the bwrap cases run and fail instead of skipping.
SKIP_BWRAP = BWRAP_REASON is not None and not bwrap_required()
needs_bwrap = pytest.mark.skipif(SKIP_BWRAP, reason=f"bubblewrap unavailable: {BWRAP_REASON}")
MODES = [pytest.param("bwrap", marks=needs_bwrap), "rlimits"]


@pytest.fixture(params=MODES)
def mode(request: pytest.FixtureRequest) -> str:
    return request.param


def run(code: str, mode: str, **kwargs: object) -> PythonRunResult:
    kwargs.setdefault("timeout_s", 5.0)
    return run_python_sandboxed(code, isolation=mode, **kwargs)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- normal runs


def test_prints_are_captured_and_the_run_is_ok(mode: str) -> None:
    result = run("print(2 ** 10)\nprint('done')", mode)
    assert result.ok
    assert result.stdout == "1024\ndone\n"
    assert result.stderr == ""
    assert result.exit_code == 0
    assert not result.timed_out
    assert result.limit_exceeded is None
    assert result.isolation == mode
    assert 0 < result.duration_s < 5


def test_the_standard_library_is_available(mode: str) -> None:
    code = (
        "import math, json, re, itertools, collections, fractions, decimal, statistics\n"
        "import datetime, random, hashlib, heapq, bisect, functools, string, textwrap\n"
        "print(math.comb(10, 3), json.dumps({'a': [1, 2]}), fractions.Fraction(1, 3) * 3)"
    )
    result = run(code, mode)
    assert result.ok, result.stderr
    assert result.stdout.strip() == '120 {"a": [1, 2]} 1'


def test_site_packages_of_the_project_are_not_importable(mode: str) -> None:
    result = run("import torch", mode)
    assert not result.ok
    assert "ModuleNotFoundError" in result.stderr


def test_an_exception_gives_a_traceback_with_the_source_line(mode: str) -> None:
    result = run("x = 1\ny = x / 0\n", mode)
    assert not result.ok
    assert result.exit_code == 1
    assert 'File "main.py", line 2' in result.stderr
    assert "y = x / 0" in result.stderr
    assert result.stderr.strip().endswith("ZeroDivisionError: division by zero")
    assert "_sft_run" not in result.stderr  # the bootstrap frame is hidden
    assert result.error_summary() == "ZeroDivisionError: division by zero"


def test_a_syntax_error_is_reported_not_raised(mode: str) -> None:
    result = run("def f(:\n  pass", mode)
    assert result.exit_code == 1
    assert "SyntaxError" in result.stderr


def test_output_printed_before_an_error_is_kept(mode: str) -> None:
    result = run("print('partial')\nraise ValueError('boom')", mode)
    assert result.stdout == "partial\n"
    assert "ValueError: boom" in result.stderr


@pytest.mark.parametrize(
    ("code", "exit_code"),
    [
        ("import sys; sys.exit(0)", 0),
        ("import sys; sys.exit(7)", 7),
        ("import sys; sys.exit('fatal')", 1),
        ("import os; os._exit(3)", 3),
        ("raise SystemExit(4)", 4),
    ],
)
def test_exit_codes_are_reported(mode: str, code: str, exit_code: int) -> None:
    result = run(code, mode)
    assert result.exit_code == exit_code
    assert result.ok is (exit_code == 0)
    assert not result.timed_out


def test_stdin_is_empty_so_input_does_not_hang(mode: str) -> None:
    result = run("input()", mode, timeout_s=3)
    assert not result.timed_out
    assert "EOFError" in result.stderr


def test_non_utf8_output_is_replaced_not_fatal(mode: str) -> None:
    result = run("import sys; sys.stdout.buffer.write(b'ok \\xff\\xfe')", mode)
    assert result.ok
    assert result.stdout.startswith("ok ")
    assert "\ufffd" in result.stdout


def test_unicode_round_trips(mode: str) -> None:
    result = run("print('héllo → 世界')", mode)
    assert result.stdout == "héllo → 世界\n"


def test_set_order_is_reproducible_between_runs(mode: str) -> None:
    code = "print(list({'apple', 'banana', 'cherry', 'date', 'elder'}))"
    assert run(code, mode).stdout == run(code, mode).stdout


def test_threads_work(mode: str) -> None:
    code = (
        "from concurrent.futures import ThreadPoolExecutor\n"
        "with ThreadPoolExecutor(4) as pool:\n"
        "    print(sum(pool.map(lambda x: x * x, range(10))))"
    )
    result = run(code, mode)
    assert result.ok, result.stderr
    assert result.stdout == "285\n"


@needs_bwrap
def test_the_working_directory_is_writable_in_bwrap_and_thrown_away() -> None:
    first = run("open('note.txt', 'w').write('x'); print(open('note.txt').read())", "bwrap")
    assert first.stdout == "x\n"
    second = run("import os; print(os.path.exists('note.txt'))", "bwrap")
    assert second.stdout == "False\n"


@needs_bwrap
def test_only_three_device_nodes_exist_and_they_work_read_only() -> None:
    code = (
        "import os\n"
        "print(sorted(os.listdir('/dev')))\n"
        "print(open('/dev/null', 'w').write('x'), len(open('/dev/zero', 'rb').read(4)), len(os.urandom(4)))\n"
        "print(len(open('/dev/urandom', 'rb').read(4)), os.statvfs('/dev/null').f_flag & os.ST_RDONLY)"
    )
    result = run(code, "bwrap")
    assert result.ok, result.stderr
    assert result.stdout.splitlines() == ["['null', 'urandom', 'zero']", "1 4 4", f"4 {os.ST_RDONLY}"]


@needs_bwrap
def test_the_scratch_directory_is_capped_in_bytes_and_inodes() -> None:
    result = run("import os\nv = os.statvfs('.')\nprint(os.getcwd(), v.f_files, v.f_blocks * v.f_frsize)", "bwrap")
    assert result.ok, result.stderr
    assert result.stdout.split() == ["/tmp", str(sandbox._TMPFS_INODES), str(sandbox._TMPFS_BYTES)]


@needs_bwrap
def test_the_code_runs_as_nobody_without_capabilities() -> None:
    code = "print(os.getresuid(), os.getresgid(), os.getgroups())\nprint(open('/proc/self/status').read())"
    result = run("import os\n" + code, "bwrap")
    assert result.stdout.splitlines()[0] == "(65534, 65534, 65534) (65534, 65534, 65534) []"
    assert "FileNotFoundError" in result.stderr  # and no /proc to look at the rest


def test_capabilities_are_dropped_in_both_modes(mode: str) -> None:
    code = (
        "import ctypes\n"
        "libc = ctypes.CDLL(None)\n"
        "header = (ctypes.c_uint32 * 2)(0x20080522, 0)\n"
        "data = (ctypes.c_uint32 * 6)()\n"
        "libc.capget(header, data)\n"
        "print(list(data), libc.prctl(39, 0, 0, 0, 0))"  # PR_GET_NO_NEW_PRIVS
    )
    result = run(code, mode)
    assert result.ok, result.stderr
    assert result.stdout.strip() == "[0, 0, 0, 0, 0, 0] 1"


@pytest.mark.parametrize(
    "code",
    [
        pytest.param("import socket\nsocket.socketpair()", id="socketpair"),
        pytest.param("import os\nos.memfd_create('x')", id="memfd"),
        pytest.param("import os\nos.chmod('.', 0o700)", id="chmod-own-dir"),
    ],
)
def test_calls_outside_the_contract_fail_cleanly(mode: str, code: str) -> None:
    result = run(code, mode)
    assert result.exit_code == 1
    assert "PermissionError" in result.stderr or "Read-only file system" in result.stderr


def test_the_rlimits_fallback_refuses_file_writes() -> None:
    result = run("open('note.txt', 'w')", "rlimits")
    assert "Read-only file system" in result.stderr


# --------------------------------------------------------------------------- limits


def test_an_infinite_loop_is_killed_at_the_timeout(mode: str) -> None:
    start = time.monotonic()
    result = run("while True:\n    pass", mode, timeout_s=1.0)
    assert result.timed_out
    assert not result.ok
    assert time.monotonic() - start < 4
    assert result.error_summary() == "timed out"


def test_output_beyond_the_cap_is_cut_and_reported(mode: str) -> None:
    result = run("while True:\n    print('spam' * 100)", mode, max_output_bytes=10_000)
    assert result.limit_exceeded == "output"
    assert not result.ok
    assert len(result.stdout.encode()) <= 10_000
    assert result.stdout.startswith("spam")


def test_allocating_more_than_the_memory_limit_fails(mode: str) -> None:
    result = run("x = bytearray(512 * 1024 * 1024)", mode, memory_mb=128)
    assert result.limit_exceeded == "memory"
    assert "MemoryError" in result.stderr


def test_memory_within_the_limit_is_fine(mode: str) -> None:
    result = run("x = bytearray(32 * 1024 * 1024); print(len(x))", mode, memory_mb=128)
    assert result.ok, result.stderr


def test_cpu_time_limit_stops_a_busy_process(mode: str) -> None:
    # Wall-clock budget far above the CPU budget: the CPU limit must fire first.
    result = run("while True:\n    pass", mode, timeout_s=8, cpu_s=1)
    assert result.limit_exceeded == "cpu" or result.exit_code == -9
    assert not result.timed_out
    assert result.duration_s < 6


def test_starting_a_process_is_reported_as_the_process_limit(mode: str) -> None:
    result = run("import subprocess\nsubprocess.run(['true'])", mode)
    assert result.limit_exceeded == "processes"


@needs_bwrap
def test_big_files_hit_the_file_size_limit() -> None:
    code = "open('big.bin', 'wb').write(b'0' * (3 * 1024 * 1024))"
    result = run(code, "bwrap", max_file_mb=1)
    assert result.limit_exceeded == "file_size"


# --------------------------------------------------------------------------- API details


def test_isolation_auto_picks_the_strongest_available_mode() -> None:
    result = run_python_sandboxed("print(1)")
    assert result.isolation == available_isolation()
    assert result.isolation == ("bwrap" if BWRAP_REASON is None else "rlimits")


def test_requiring_bwrap_through_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_REQUIRE_BWRAP, "1")
    if BWRAP_REASON is None:
        assert run_python_sandboxed("print(1)").isolation == "bwrap"
    else:
        with pytest.raises(SandboxUnavailableError):
            run_python_sandboxed("print(1)")


def test_without_bubblewrap_auto_refuses_unless_the_user_accepts_the_weaker_sandbox(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A machine without bwrap on PATH, simulated for real: the probe cannot find it.
    monkeypatch.setenv("PATH", "/nonexistent")
    monkeypatch.delenv(ENV_REQUIRE_BWRAP, raising=False)
    monkeypatch.delenv("SFT_SANDBOX_ALLOW_FALLBACK", raising=False)
    monkeypatch.setattr(sandbox, "_bwrap_cache", {})
    assert available_isolation() == "rlimits"
    assert "not installed" in (bwrap_unavailable_reason() or "")
    with pytest.raises(SandboxUnavailableError, match="not installed.*SFT_SANDBOX_ALLOW_FALLBACK=1"):
        run_python_sandboxed("print(1)")
    assert "SFT_SANDBOX_ALLOW_FALLBACK=1" in (sandbox.python_sandbox_problem() or "")
    monkeypatch.setenv("SFT_SANDBOX_ALLOW_FALLBACK", "1")
    assert sandbox.python_sandbox_problem() is None
    result = run_python_sandboxed("print('still works')")
    assert result.ok and result.isolation == "rlimits"
    with pytest.raises(SandboxUnavailableError, match="not installed"):
        run_python_sandboxed("print(1)", isolation="bwrap")
    monkeypatch.setenv(ENV_REQUIRE_BWRAP, "1")  # insisting on bubblewrap wins over accepting the fallback
    with pytest.raises(SandboxUnavailableError):
        run_python_sandboxed("print(1)")
    assert sandbox.python_sandbox_problem() is not None


SYSTEM_PYTHON = "/usr/bin/python3"


@pytest.mark.skipif(
    not os.path.exists(SYSTEM_PYTHON)
    or subprocess.run([SYSTEM_PYTHON, "-c", "import sys; assert sys.version_info >= (3, 11)"]).returncode != 0,
    reason="no system Python 3.11+ at /usr/bin/python3",
)
def test_another_interpreter_can_be_chosen(mode: str) -> None:
    result = run("import sys; print(sys.executable)", mode, python=SYSTEM_PYTHON)
    assert result.ok, result.stderr
    assert result.stdout.strip() == os.path.realpath(SYSTEM_PYTHON)


def test_invalid_arguments_raise() -> None:
    with pytest.raises(TypeError):
        run_python_sandboxed(b"print(1)")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="too large"):
        run_python_sandboxed("#" * 1_000_001)
    with pytest.raises(ValueError):
        run_python_sandboxed("print(1)", timeout_s=0)
    with pytest.raises(ValueError, match="isolation"):
        run_python_sandboxed("print(1)", isolation="docker")  # type: ignore[arg-type]


def test_run_python_many_keeps_the_input_order() -> None:
    codes = [f"print({i} * {i})" for i in range(6)] + ["1/0"]
    results = run_python_many(codes, workers=2, timeout_s=5)
    assert [r.stdout.strip() for r in results[:6]] == [str(i * i) for i in range(6)]
    assert not results[6].ok


def test_run_python_many_runs_in_parallel() -> None:
    codes = ["import time; time.sleep(0.5)"] * 4
    start = time.monotonic()
    results = run_python_many(codes, workers=4, timeout_s=5)
    assert all(r.ok for r in results)
    assert time.monotonic() - start < 1.9  # sequential would take 2 s or more


def test_no_temporary_directories_are_left_behind() -> None:
    import tempfile

    def ours() -> set[str]:
        return {n for n in os.listdir(tempfile.gettempdir()) if n.startswith("sft-sandbox-")}

    before = ours()
    run("print(1)", "rlimits")
    run("while True: pass", "rlimits", timeout_s=0.5)
    assert ours() <= before


def _without_bwrap(tmp_path: Path, code: str, **extra: str) -> subprocess.CompletedProcess:
    """``code`` in a fresh interpreter whose PATH holds no bubblewrap."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SFT_SANDBOX_")}
    env.update(PATH=str(tmp_path), PYTHONPATH=str(Path(__file__).resolve().parent.parent), **extra)
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)


def test_create_dataset_stops_before_any_work_when_it_cannot_run_python(tmp_path: Path) -> None:
    root = Path(__file__).resolve().parent.parent
    result = _without_bwrap(
        tmp_path,
        f"import sys; sys.argv = ['create_dataset.py', '--output', {str(tmp_path / 'd.json')!r}]; "
        f"sys.path.insert(0, {str(root)!r}); import create_dataset; sys.exit(create_dataset.main(sys.argv[1:]))",
    )
    assert result.returncode == 2 and "cannot compute the python answers" in result.stderr
    assert not (tmp_path / "d.json").exists()
