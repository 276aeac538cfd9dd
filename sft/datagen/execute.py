"""Compute expected answers with the project's own tool runtime (the same code evaluation uses).

Nothing here evaluates anything itself: expressions go to ``sft.tools.calculate`` and snippets to the sandboxed
Python runner, so a dataset answer is exactly what the tool returns when the model makes that call.
"""

from __future__ import annotations

from collections.abc import Sequence

SNIPPET_TIMEOUT_S = 10.0


class ToolAnswerError(RuntimeError):
    """A generated tool call failed: the template that made it has a bug."""


def evaluate_expression(expression: str, where: str = "") -> str:
    """Evaluate a calculator expression and format the result as the tool reports it.

    Args:
        expression: The expression.
        where: The template source, for the error message.

    Returns:
        The formatted result.

    Raises:
        ToolAnswerError: If the calculator rejects the expression.
    """
    from sft.tools import calculate, format_number

    try:
        return format_number(calculate(expression))
    except Exception as exc:  # any calculator error is a template bug; say which template
        raise ToolAnswerError(f"{where}: calculator rejected {expression!r}: {exc}") from exc


def _output_of(result: object, code: str, where: str) -> str:
    ok = getattr(result, "ok", False)
    stdout = getattr(result, "stdout", "")
    if not ok:
        stderr = getattr(result, "stderr", "")
        timed_out = getattr(result, "timed_out", False)
        raise ToolAnswerError(
            f"{where}: snippet failed (timed_out={timed_out}):\n{code}\n--- stderr ---\n{str(stderr)[-2000:]}"
        )
    text = str(stdout).rstrip("\n")
    if not text.strip():
        raise ToolAnswerError(f"{where}: snippet printed nothing:\n{code}")
    return text


def run_snippets(codes: Sequence[str], sources: Sequence[str], workers: int = 2) -> list[str]:
    """Run snippets in the sandbox and return their printed output (trailing newlines removed).

    Args:
        codes: Python snippets.
        sources: The template source of each snippet, for error messages.
        workers: How many sandboxed processes run at once.

    Returns:
        The output of each snippet, in order.

    Raises:
        ToolAnswerError: On the first snippet that fails, times out or prints nothing.
    """
    if not codes:
        return []
    from sft.tools import run_python_many

    results = run_python_many(list(codes), workers=max(1, workers), timeout_s=SNIPPET_TIMEOUT_S)
    return [_output_of(r, c, s) for r, c, s in zip(results, codes, sources, strict=True)]
