"""The chat loop turns a model reply into an answer by running the real tools."""

from __future__ import annotations

from sft.chat import answer


def test_direct_answers_pass_through() -> None:
    assert answer('{"final": "Paris"}') == {"reply": '{"final": "Paris"}', "decision": "final", "answer": "Paris"}


def test_calculator_calls_are_computed() -> None:
    result = answer('{"tool": "calculator", "args": {"expression": "17 * 23"}}')
    assert result["decision"] == "calculator" and result["answer"] == "391"


def test_python_calls_run_in_the_sandbox() -> None:
    result = answer('{"tool": "python", "args": {"code": "print(sorted([3, 1, 2]))"}}')
    assert result["answer"] == "[1, 2, 3]" and "error" not in result


def test_failing_tool_calls_and_prose_give_errors() -> None:
    assert "division" in answer('{"tool": "calculator", "args": {"expression": "1/0"}}')["error"].lower()
    prose = answer("The answer is 4.")
    assert prose["decision"] is None and "invalid_json" in prose["error"]
