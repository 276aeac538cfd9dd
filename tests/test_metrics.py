"""Scoring replies: each check, the aggregate rates and the confusion matrix."""

from __future__ import annotations

import json

import pytest

from sft.data_loader import Sample
from sft.metrics import format_report, score_sample, summarize, wilson_interval
from sft.reply_format import parse_reply

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


def _direct(expected: str, source: str = "t/fact") -> Sample:
    return Sample("d", source, "no_tool", False, None, None, "question?", expected)


@pytest.mark.parametrize(
    ("expected", "reply", "right"),
    [
        ("Paris", "Paris", True),
        ("Paris", "It is Paris.", True),
        ("Paris", "paris!", True),
        ("The capital of Japan is Tokyo.", "capital of Japan is Tokyo", True),
        ("7", "The answer is 7.", True),
        ("1,000", "That makes 1000.", True),
        ("2.50", "It costs 2.5", True),
        ("Kathmandu is the capital of Nepal.", "Nepal", False),
        ("Paris", "Lyon", False),
        ("7", "The answer is 17.", False),
        ("The past tense of 'write' is 'wrote'.", "The past tense of write is writ.", False),
        ("12", "1 2", False),
    ],
)
def test_short_direct_answers_are_checked_for_content(expected: str, reply: str, right: bool) -> None:
    score = score_sample(_direct(expected), json.dumps({"final": reply}))
    assert score.correct_tool and score.answer_correct is right


def test_long_free_form_answers_are_not_scored_and_never_counted_right() -> None:
    essay = "Here are a few ideas for your bookstore: " + "a story on every shelf, " * 5
    scores = [
        score_sample(_direct(essay, "t/creative"), '{"final": "Anything at all"}'),
        score_sample(_direct("Paris"), '{"final": "Paris"}'),
        score_sample(_direct("Paris"), '{"final": "Rome"}'),
    ]
    assert scores[0].answer_correct is None and not scores[0].failed
    report = summarize(scores)
    assert (report.answers_scored, report.answers_not_scored, report.answer_accuracy) == (2, 1, 0.5)
    assert "answer accuracy:      50.0%" in format_report(report)


def test_wilson_intervals_on_a_hand_built_case() -> None:
    # 9 of 10: the textbook Wilson interval is [0.596, 0.982]; 0 of 10 gives [0, 0.278]; no samples, no interval.
    low, high = wilson_interval(9, 10)
    assert low == pytest.approx(0.5958, abs=1e-4) and high == pytest.approx(0.9821, abs=1e-4)
    assert wilson_interval(0, 10) == (0.0, pytest.approx(0.2775, abs=1e-4))
    assert wilson_interval(0, 0) is None
    report = summarize(
        [score_sample(CALC, '{"tool": "calculator", "args": {"expression": "3*4"}}')] * 9 + [score_sample(CALC, "nope")]
    )
    assert report.intervals["correct_tool_rate"] == pytest.approx((0.5958, 0.9821), abs=1e-4)
    assert "correct tool rate:    90.0%  [60-98%]" in format_report(report)


def test_per_source_table_puts_the_families_that_fail_most_first() -> None:
    a = Sample("a", "fam/a", "calculator", True, "calculator", {"expression": "1+1"}, "1+1?", "2")
    b = Sample("b", "fam/b", "calculator", True, "calculator", {"expression": "2+2"}, "2+2?", "4")
    run = lambda name, args: (True, "4" if "2+2" in args["expression"] else "3")  # noqa: E731
    match = lambda out, want: out == want  # noqa: E731
    scores = [
        score_sample(a, '{"tool": "calculator", "args": {"expression": "1+2"}}', run, match),
        score_sample(a, '{"final": "2"}', run, match),
        score_sample(b, '{"tool": "calculator", "args": {"expression": "2+2"}}', run, match),
    ]
    table = summarize(scores).per_source
    assert [(r["source"], r["n"], r["failed"]) for r in table] == [("fam/a", 2, 2), ("fam/b", 1, 0)]
    assert table[0]["reasons"] == {"wrong result": 1, "decided final": 1}
    assert "fam/a" in format_report(summarize(scores))


def test_the_system_prompt_describes_exactly_the_reply_shapes_the_parser_reads() -> None:
    from sft.prompt_builder import SYSTEM_PROMPT
    from sft.reply_format import TOOL_ARG

    for tool, arg in TOOL_ARG.items():
        shape = f'{{"tool": "{tool}", "args": {{"{arg}": "<'
        assert shape in SYSTEM_PROMPT, shape
        example = SYSTEM_PROMPT[SYSTEM_PROMPT.index(shape) :].split("\n")[0]
        assert parse_reply(example).decision == tool  # the shape as the prompt shows it parses as that tool call
    assert '{"final": "<answer>"}' in SYSTEM_PROMPT
    assert parse_reply('{"final": "<answer>"}').correct_format
