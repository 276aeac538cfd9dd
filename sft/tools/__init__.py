"""The model's tools, run for real: a safe calculator and a sandboxed Python runner.

The model answers with one JSON object; two of its shapes are tool calls::

    {"tool": "calculator", "args": {"expression": "2^10 + sqrt(16)"}}
    {"tool": "python", "args": {"code": "print(sum(range(10)))"}}

:func:`run_tool` executes such a call and never raises for model-produced garbage: an
unknown tool, a wrong ``args`` shape or failing code all give ``ok=False`` and an
``error`` message. Dataset creation, evaluation and the chat loop all go through it.

Public names: :func:`run_tool`, :func:`run_tool_call`, :class:`ToolResult`,
:func:`run_python_sandboxed`, :func:`run_python_many`, :class:`PythonRunResult`,
:func:`available_isolation`, :func:`answers_match`, and the calculator's ``__all__``:
:func:`calculate`, :func:`format_number`, :class:`CalculatorError` and its subclasses,
and its ``MAX_*`` limits.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sft.reply_format import TOOL_ARG
from sft.tools import calculator
from sft.tools.calculator import *  # noqa: F403 - its __all__, which this package's __all__ re-exports
from sft.tools.calculator import CalculatorError, calculate, format_number
from sft.tools.compare import answers_match
from sft.tools.sandbox import (
    PythonRunResult,
    SandboxError,
    SandboxUnavailableError,
    available_isolation,
    python_sandbox_problem,
    run_python_many,
    run_python_sandboxed,
)

__all__ = [
    "TOOL_NAMES",
    "PythonRunResult",
    "SandboxError",
    "SandboxUnavailableError",
    "ToolResult",
    "answers_match",
    "available_isolation",
    "python_sandbox_problem",
    "run_python_many",
    "run_python_sandboxed",
    "run_tool",
    "run_tool_call",
]
__all__ += calculator.__all__  # calculate, format_number, CalculatorError and its subclasses, the limits

TOOL_NAMES = tuple(TOOL_ARG)
"""The tools the model may call, with their only argument: ``expression`` / ``code``."""

_ARG_NAMES = TOOL_ARG


@dataclass(frozen=True)
class ToolResult:
    """The outcome of one tool call.

    Attributes:
        tool: The tool name as called (may be an unknown name).
        ok: True when the tool ran and succeeded.
        output: Calculator: :func:`format_number` of the value. Python: stdout with
            trailing whitespace stripped (also when the code failed part-way).
            Empty when the call could not run.
        error: A one-line, user-readable error, or ``None`` when ``ok``.
        value: The calculator's number (``int`` or ``float``), else ``None``.
        python: The raw :class:`PythonRunResult` for python calls that ran.
        duration_s: Wall-clock seconds spent.
    """

    tool: str
    ok: bool
    output: str
    error: str | None = None
    value: int | float | None = None
    python: PythonRunResult | None = None
    duration_s: float = 0.0

    @property
    def observation(self) -> str:
        """Text to show the model (or a user) as the tool's answer."""
        if self.ok:
            return self.output
        if self.output:
            return f"{self.output}\nError: {self.error}"
        return f"Error: {self.error}"

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable view (the raw python result flattened)."""
        data: dict[str, Any] = {
            "tool": self.tool,
            "ok": self.ok,
            "output": self.output,
            "error": self.error,
            "value": self.value,
            "duration_s": round(self.duration_s, 6),
        }
        if self.python is not None:
            data["python"] = {
                "stdout": self.python.stdout,
                "stderr": self.python.stderr,
                "exit_code": self.python.exit_code,
                "timed_out": self.python.timed_out,
                "limit_exceeded": self.python.limit_exceeded,
                "duration_s": round(self.python.duration_s, 6),
                "isolation": self.python.isolation,
                "seccomp": self.python.seccomp,
            }
        return data


def _failure(tool: str, error: str, start: float) -> ToolResult:
    return ToolResult(tool=tool, ok=False, output="", error=error, duration_s=time.monotonic() - start)


def run_tool(
    name: str,
    args: Mapping[str, Any],
    *,
    timeout_s: float | None = None,
    **python_options: Any,
) -> ToolResult:
    """Runs one tool call; never raises for bad input.

    Args:
        name: ``"calculator"`` or ``"python"`` (anything else gives ``ok=False``).
        args: ``{"expression": str}`` for the calculator, ``{"code": str}`` for python.
            Other shapes give ``ok=False`` with an error naming the expected shape.
        timeout_s: Wall-clock limit; defaults to 1 s (calculator) / 5 s (python).
        **python_options: Passed to :func:`run_python_sandboxed` (``memory_mb``,
            ``isolation``, ...); ignored by the calculator.

    Returns:
        A :class:`ToolResult`.
    """
    start = time.monotonic()
    if not isinstance(name, str) or name not in _ARG_NAMES:
        known = ", ".join(repr(t) for t in TOOL_NAMES)
        return _failure(str(name), f"unknown tool {name!r}; known tools: {known}", start)
    arg_name = _ARG_NAMES[name]
    expected_shape = f'{{"{arg_name}": "..."}}'
    if not isinstance(args, Mapping):
        return _failure(name, f"args must be an object like {expected_shape}", start)
    extra = sorted(str(k) for k in args if k != arg_name)
    if arg_name not in args or extra:
        problem = f"unexpected argument(s) {extra}" if extra else f"missing argument {arg_name!r}"
        return _failure(name, f"{problem}; {name} takes {expected_shape}", start)
    text = args[arg_name]
    if not isinstance(text, str):
        return _failure(name, f"{arg_name!r} must be a string, got {type(text).__name__}", start)

    if name == "calculator":
        try:
            value = calculate(text, timeout_s=timeout_s if timeout_s is not None else 1.0)
        except CalculatorError as error:
            return _failure(name, str(error), start)
        return ToolResult(
            tool=name,
            ok=True,
            output=format_number(value),
            value=value,
            duration_s=time.monotonic() - start,
        )

    try:
        result = run_python_sandboxed(
            text,
            timeout_s=timeout_s if timeout_s is not None else 5.0,
            **python_options,
        )
    except (TypeError, ValueError, SandboxError) as error:
        return _failure(name, f"could not run the code: {error}", start)
    error_text = result.error_summary()
    if result.timed_out:
        error_text = f"timed out after {timeout_s if timeout_s is not None else 5.0:g} s"
    return ToolResult(
        tool=name,
        ok=result.ok,
        output=result.stdout.rstrip(),
        error=error_text,
        python=result,
        duration_s=time.monotonic() - start,
    )


def run_tool_call(call: Any, **options: Any) -> ToolResult:
    """Runs a whole prediction object ``{"tool": ..., "args": {...}}``.

    Args:
        call: The parsed JSON object the model produced.
        **options: Passed to :func:`run_tool`.

    Returns:
        A :class:`ToolResult`; a final answer (``{"final": ...}``) or any other shape
        gives ``ok=False`` with an explanation.
    """
    if not isinstance(call, Mapping):
        return _failure(
            "",
            f"a tool call must be a JSON object, got {type(call).__name__}",
            time.monotonic(),
        )
    if "tool" not in call:
        if "final" in call:
            return _failure("", "this is a final answer, not a tool call", time.monotonic())
        return _failure("", 'a tool call needs a "tool" key', time.monotonic())
    extra = sorted(str(k) for k in call if k not in ("tool", "args"))
    if extra:
        return _failure(
            str(call["tool"]),
            f"unexpected key(s) in tool call: {extra}",
            time.monotonic(),
        )
    return run_tool(call["tool"], call.get("args", {}), **options)
