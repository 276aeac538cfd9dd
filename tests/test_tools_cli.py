"""Specification of ``run_tool`` / ``ToolResult`` and the ``python -m sft.tools`` CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import sft.tools
from sft.tools import ToolResult, run_tool, run_tool_call
from sft.tools.__main__ import main

REPO_ROOT = Path(__file__).resolve().parents[1]

# --------------------------------------------------------------------------- run_tool


def test_the_public_names_other_modules_rely_on_exist() -> None:
    for name in (
        "run_tool",
        "ToolResult",
        "calculate",
        "CalculatorError",
        "format_number",
        "run_python_sandboxed",
        "run_python_many",
        "PythonRunResult",
        "answers_match",
    ):
        assert hasattr(sft.tools, name), name
        assert name in sft.tools.__all__


def test_calculator_call_returns_the_formatted_value() -> None:
    result = run_tool("calculator", {"expression": "40 * (1 - 0.25)"})
    assert result == ToolResult(tool="calculator", ok=True, output="30", value=30.0, duration_s=result.duration_s)
    assert result.error is None
    assert result.observation == "30"


def test_calculator_error_is_reported_not_raised() -> None:
    result = run_tool("calculator", {"expression": "1/0"})
    assert not result.ok
    assert result.output == ""
    assert result.value is None
    assert result.error == "division by zero at column 2"
    assert result.observation == "Error: division by zero at column 2"


def test_python_call_returns_stdout_without_trailing_whitespace() -> None:
    result = run_tool("python", {"code": "print('[1, 3, 5, 9]')\nprint()\n"})
    assert result.ok
    assert result.output == "[1, 3, 5, 9]"
    assert result.python is not None
    assert result.python.stdout == "[1, 3, 5, 9]\n\n"
    assert result.value is None


def test_python_failure_keeps_partial_output_and_names_the_error() -> None:
    result = run_tool("python", {"code": "print('so far')\n[][1]"})
    assert not result.ok
    assert result.output == "so far"
    assert result.error == "IndexError: list index out of range"
    assert result.observation == "so far\nError: IndexError: list index out of range"


def test_python_timeout_is_named_in_the_error() -> None:
    result = run_tool("python", {"code": "while True: pass"}, timeout_s=0.5)
    assert not result.ok
    assert result.error == "timed out after 0.5 s"
    assert result.python is not None and result.python.timed_out


def test_python_options_reach_the_sandbox() -> None:
    result = run_tool("python", {"code": "print('x' * 5000)"}, max_output_bytes=100)
    assert not result.ok
    assert result.error == "output limit exceeded"


@pytest.mark.parametrize(
    ("name", "args", "message_part"),
    [
        ("shell", {"cmd": "ls"}, "unknown tool 'shell'"),
        ("", {}, "unknown tool"),
        (None, {}, "unknown tool"),
        ("Calculator", {"expression": "1"}, "unknown tool"),
        ("calculator", {}, "missing argument 'expression'"),
        ("calculator", {"expr": "1"}, "unexpected argument(s) ['expr']"),
        ("calculator", {"expression": "1", "x": 2}, "unexpected argument(s) ['x']"),
        ("calculator", {"expression": 12}, "must be a string"),
        ("calculator", "1 + 1", "args must be an object"),
        ("calculator", None, "args must be an object"),
        ("python", {"source": "print(1)"}, 'python takes {"code": "..."}'),
        ("python", {"code": None}, "must be a string"),
        ("python", {"code": "x" * 1_000_001}, "too large"),
    ],
)
def test_malformed_calls_give_ok_false_with_a_clear_error(name: object, args: object, message_part: str) -> None:
    result = run_tool(name, args)  # type: ignore[arg-type]
    assert not result.ok
    assert result.error is not None and message_part in result.error


@pytest.mark.parametrize(
    ("call", "ok", "message_part"),
    [
        ({"tool": "calculator", "args": {"expression": "2^10"}}, True, None),
        ({"final": "42"}, False, "final answer"),
        ({"args": {}}, False, '"tool"'),
        ({"tool": "calculator", "args": {"expression": "1"}, "extra": 1}, False, "extra"),
        (["calculator"], False, "JSON object"),
        ("calculator", False, "JSON object"),
    ],
)
def test_run_tool_call_takes_the_whole_prediction(call: object, ok: bool, message_part: str | None) -> None:
    result = run_tool_call(call)
    assert result.ok is ok
    if message_part is not None:
        assert result.error is not None and message_part in result.error


def test_tool_results_serialise_to_json() -> None:
    data = run_tool("python", {"code": "print(1)"}).to_dict()
    assert json.loads(json.dumps(data)) == data
    assert data["python"]["exit_code"] == 0
    assert data["python"]["isolation"] in ("bwrap", "rlimits")


# --------------------------------------------------------------------------- CLI (in-process)


def test_cli_prints_the_tool_output(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(['{"tool": "python", "args": {"code": "print(2**10)"}}'])
    assert code == 0
    assert capsys.readouterr().out == "1024\n"


def test_cli_json_mode_prints_the_full_result(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["--json", '{"tool": "calculator", "args": {"expression": "2^10 / 4"}}'])
    assert code == 0
    data = json.loads(capsys.readouterr().out)
    assert data["ok"] is True
    assert data["output"] == "256"
    assert data["value"] == 256


def test_cli_tool_error_exits_1_with_a_message(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(['{"tool": "calculator", "args": {"expression": "1/0"}}'])
    captured = capsys.readouterr()
    assert code == 1
    assert captured.out == ""
    assert captured.err == "error: division by zero at column 2\n"


def test_cli_json_mode_reports_tool_errors_in_the_json(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["--json", '{"tool": "python", "args": {"code": "raise SystemExit(3)"}}'])
    data = json.loads(capsys.readouterr().out)
    assert code == 1
    assert data["ok"] is False
    assert data["python"]["exit_code"] == 3


@pytest.mark.parametrize(
    ("argument", "message_part"),
    [
        ("{not json", "invalid JSON"),
        ("[1, 2]", "not a tool call"),
        ('{"final": "42"}', "a final answer"),
        ('"calculator"', "not a tool call"),
    ],
)
def test_cli_invalid_input_exits_2(argument: str, message_part: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([argument]) == 2
    assert message_part in capsys.readouterr().err


def test_cli_reads_the_call_from_stdin_with_dash(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import io

    monkeypatch.setattr(sys, "stdin", io.StringIO('{"tool": "calculator", "args": {"expression": "1/4"}}\n'))
    assert main(["-"]) == 0
    assert capsys.readouterr().out == "0.25\n"


# --------------------------------------------------------------------------- CLI (real process)


def _cli(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "sft.tools", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        env=env,
        timeout=60,
        check=False,
    )


def test_python_dash_m_runs_a_python_call() -> None:
    completed = _cli('{"tool": "python", "args": {"code": "print(2**10)"}}')
    assert completed.returncode == 0
    assert completed.stdout == "1024\n"


def test_python_dash_m_reads_stdin_and_fails_on_bad_json() -> None:
    good = _cli("-", stdin='{"tool": "calculator", "args": {"expression": "3 × 4"}}')
    assert (good.returncode, good.stdout) == (0, "12\n")
    bad = _cli("-", stdin="{oops")
    assert bad.returncode == 2
    assert "invalid JSON" in bad.stderr
