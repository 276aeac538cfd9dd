"""Scoring replies: each check, the aggregate rates and the confusion matrix."""

from __future__ import annotations

import pytest

from sft.data_loader import Sample
from sft.metrics import format_report, parse_reply, score_sample, summarize

CALC = Sample("c", "t/c", "calculator", True, "calculator", {"expression": "3 * 4"}, "3 times 4?", "12")
PY = Sample("p", "t/p", "python_exec", True, "python", {"code": "print(1)"}, "run it", "1")
CHAT = Sample("n", "t/n", "no_tool", False, None, None, "hi", "Hello!")


@pytest.mark.parametrize(
    ("text", "valid", "fmt", "decision", "error"),
    [
        ('{"final": "Paris"}', True, True, "final", None),
        ('  {"tool": "calculator", "args": {"expression": "1+1"}}\n', True, True, "calculator", None),
        ('{"tool": "python", "args": {"code": "print(1)"}}', True, True, "python", None),
        ("The answer is 4.", False, False, None, "invalid_json"),
        ('{"final": "4"} and more', False, False, None, "trailing_text"),
        ('{"final": "4"}{"final": "5"}', False, False, None, "trailing_text"),
        ('["final", "4"]', False, False, None, "not_an_object"),
        ('{"final": 4}', True, False, None, "final_not_string"),
        ('{"final": "4", "tool": "calculator"}', True, False, None, "extra_keys"),
        ('{"answer": "4"}', True, False, None, "missing_final_or_tool"),
        ('{"tool": "search", "args": {"q": "x"}}', True, False, None, "unknown_tool"),
        ('{"tool": "calculator", "args": {"code": "1+1"}}', True, False, "calculator", "wrong_args_keys"),
        ('{"tool": "python", "args": {"code": 5}}', True, False, "python", "arg_not_string"),
        ('{"tool": "python", "arguments": {"code": "x"}}', True, False, "python", "wrong_tool_keys"),
    ],
)
def test_parse_reply_classifies_each_shape(text, valid, fmt, decision, error) -> None:
    parsed = parse_reply(text)
    assert (parsed.valid_json, parsed.correct_format, parsed.error) == (valid, fmt, error)
    if fmt:
        assert parsed.decision == decision


def test_correct_tool_needs_the_right_decision() -> None:
    assert score_sample(CALC, '{"tool": "calculator", "args": {"expression": "3*4"}}').correct_tool
    assert not score_sample(CALC, '{"final": "12"}').correct_tool
    assert not score_sample(CHAT, '{"tool": "calculator", "args": {"expression": "1"}}').correct_tool
    assert score_sample(CHAT, '{"final": "Hey"}').correct_tool


def test_args_match_ignores_spacing_in_expressions() -> None:
    assert score_sample(CALC, '{"tool": "calculator", "args": {"expression": "3*4"}}').args_match
    assert not score_sample(CALC, '{"tool": "calculator", "args": {"expression": "3+4"}}').args_match


def test_execution_uses_the_given_runner_and_matcher() -> None:
    def run(name, args):
        return True, "12"

    score = score_sample(CALC, '{"tool": "calculator", "args": {"expression": "4*3"}}', run, lambda a, b: a == b)
    assert score.executed and score.execution_correct and not score.args_match


def test_summary_rates_confusion_and_errors() -> None:
    scores = [
        score_sample(CALC, '{"tool": "calculator", "args": {"expression": "3 * 4"}}'),
        score_sample(PY, '{"final": "1"}'),
        score_sample(CHAT, "Hello there"),
        score_sample(CHAT, '{"final": "Hello!"}'),
    ]
    report = summarize(scores)
    assert report.n == 4
    assert report.valid_json_rate == 0.75
    assert report.correct_format_rate == 0.75
    assert report.correct_tool_rate == 0.5
    assert report.confusion["python"]["final"] == 1
    assert report.confusion["final"]["invalid"] == 1
    assert report.errors == {"invalid_json": 1}
    assert report.per_category["no_tool"]["correct_tool_rate"] == 0.5
    text = format_report(report)
    assert "valid JSON rate:      75.0%" in text and "correct tool rate:    50.0%" in text
