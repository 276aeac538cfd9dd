"""Specification of the calculator tool, ``format_number`` and ``answers_match``."""

from __future__ import annotations

import math

import pytest

from sft.tools import (
    CalculationTimeoutError,
    CalculatorError,
    CalculatorSyntaxError,
    DivisionByZeroError,
    DomainError,
    ExpressionTooLongError,
    InvalidArgumentError,
    LimitExceededError,
    NestingTooDeepError,
    TooLargeError,
    UnknownNameError,
    answers_match,
    calculate,
    format_number,
)

# --------------------------------------------------------------------------- values


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("1 + 2 * 3", 7),
        ("(1 + 2) * 3", 9),
        ("7 - 10", -3),
        ("7 // 2", 3),
        ("-7 // 2", -4),
        ("17 % 5", 2),
        ("-7 % 3", 2),
        ("2 ** 10", 1024),
        ("2 ** 100", 2**100),
        ("2 ** 3 ** 2", 512),
        ("-2 ** 2", -4),
        ("(-2) ** 2", 4),
        ("+5", 5),
        ("--5", 5),
        ("10 / 5", 2),
        ("007", 7),
        ("1_000_000", 1_000_000),
        ("abs(-3)", 3),
        ("sqrt(16)", 4),
        ("sqrt(10**20)", 10**10),
        ("cbrt(27)", 3),
        ("cbrt(-8)", -2),
        ("round(2.5)", 3),
        ("round(-2.5)", -3),
        ("round(1234, -2)", 1200),
        ("floor(2.7)", 2),
        ("ceil(2.1)", 3),
        ("trunc(-2.7)", -2),
        ("factorial(5)", 120),
        ("5!", 120),
        ("3!^2", 36),
        ("comb(5, 2)", 10),
        ("nCr(5, 2)", 10),
        ("perm(5, 2)", 20),
        ("perm(4)", 24),
        ("gcd(12, 18)", 6),
        ("gcd(12, 18, 8)", 2),
        ("lcm(4, 6)", 12),
        ("min(3, 1, 2)", 1),
        ("max(3, 1, 2)", 3),
        ("sum(1, 2, 3)", 6),
        ("pow(2, 5)", 32),
    ],
)
def test_exact_integer_arithmetic_returns_int(expression: str, expected: int) -> None:
    result = calculate(expression)
    assert result == expected
    assert type(result) is int


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("10 / 4", 2.5),
        ("1 / 3", 1 / 3),
        ("0.1 + 0.2", 0.1 + 0.2),
        ("1e-3", 0.001),
        ("1.5E3", 1500.0),
        (".5 * 4", 2.0),
        ("2 ** -1", 0.5),
        ("2 ** 0.5", math.sqrt(2)),
        ("sqrt(2)", math.sqrt(2)),
        ("log(100, 10)", 2.0),
        ("log(e)", 1.0),
        ("ln(e ** 2)", 2.0),
        ("log10(1000)", 3.0),
        ("log2(8)", 3.0),
        ("exp(0)", 1.0),
        ("sin(pi / 2)", 1.0),
        ("cos(0)", 1.0),
        ("tan(0)", 0.0),
        ("asin(1)", math.pi / 2),
        ("acos(1)", 0.0),
        ("atan(1)", math.pi / 4),
        ("degrees(pi)", 180.0),
        ("radians(180)", math.pi),
        ("hypot(3, 4)", 5.0),
        ("tau / 2", math.pi),
        ("round(2.675, 2)", 2.68),
        ("round(1.005, 2)", 1.01),
        ("2.0 ** 3", 8.0),
        ("2 ** 3.0", 8.0),
    ],
)
def test_inexact_results_are_floats(expression: str, expected: float) -> None:
    result = calculate(expression)
    assert type(result) is float
    assert result == pytest.approx(expected, rel=1e-12, abs=1e-15)


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("2^10", 1024),  # ^ is power, as on calculators
        ("2^3^2", 512),
        ("3 × 4", 12),
        ("12 ÷ 4", 3),
        ("3 · 4", 12),
        ("5 − 2", 3),  # unicode minus
        ("2π", None),  # implicit multiplication stays an error, see below
        ("π", math.pi),
        ("3² + 4²", 25),
        ("PI", math.pi),
        ("Sqrt(16)", 4),
        ("1,234 + 1", 1235),
        ("1,234,567.5 * 2", 2469135.0),
        ("(1,000 + 1) * 2", 2002),
        ("max(1,234)", 234),  # inside a call, commas separate arguments
        ("15%", 0.15),
        ("200 * 15%", 30.0),
        ("15% * 200", 30.0),
        ("(15%)", 0.15),
        ("100 * 10% + 5", 15.0),
        ("10% + 5%", 0.15),
        ("50 % 7", 1),  # an operand follows: modulo
        ("50 % (0 - 7)", -6),
        ("  2 +\t3\n", 5),
    ],
)
def test_forgiving_syntax_people_and_llms_write(expression: str, expected: float | None) -> None:
    if expected is None:
        with pytest.raises(CalculatorSyntaxError):
            calculate(expression)
        return
    assert calculate(expression) == pytest.approx(expected)


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("expression", "error_type", "message_part"),
    [
        ("", CalculatorSyntaxError, "empty"),
        ("   ", CalculatorSyntaxError, "empty"),
        ("1 +", CalculatorSyntaxError, "column 4"),
        ("(1 + 2", CalculatorSyntaxError, "never closed"),
        ("1 + 2)", CalculatorSyntaxError, "no matching"),
        ("1 2", CalculatorSyntaxError, "implicit multiplication"),
        ("2pi", CalculatorSyntaxError, "implicit multiplication"),
        ("2(3 + 4)", CalculatorSyntaxError, "implicit multiplication"),
        ("(1 + 2)(3 + 4)", CalculatorSyntaxError, "implicit multiplication"),
        ("1,23", CalculatorSyntaxError, "thousands"),
        ("100 + 10%", CalculatorSyntaxError, "ambiguous percentage"),
        ("100 - 10%", CalculatorSyntaxError, "ambiguous percentage"),
        ("1 = 1", CalculatorSyntaxError, "column 3"),
        ("1 == 1", CalculatorSyntaxError, "'='"),
        ("'a' * 3", CalculatorSyntaxError, "column 1"),
        ("sqrt", CalculatorSyntaxError, "needs parentheses"),
        ("x + 1", UnknownNameError, "unknown name 'x' at column 1"),
        ("foo(1)", UnknownNameError, "unknown function 'foo'"),
        ("1 / 0", DivisionByZeroError, "division by zero at column 3"),
        ("1 // 0", DivisionByZeroError, "division by zero"),
        ("5 % 0", DivisionByZeroError, "modulo by zero"),
        ("0 ** -1", DivisionByZeroError, "negative power"),
        ("sqrt(-1)", DomainError, "negative"),
        ("log(0)", DomainError, "logarithm"),
        ("log(8, 1)", DomainError, "base"),
        ("asin(2)", DomainError, "between -1 and 1"),
        ("(-8) ** (1/3)", DomainError, "fractional power"),
        ("factorial(-1)", DomainError, "negative"),
        ("factorial(2.5)", InvalidArgumentError, "whole numbers"),
        ("sqrt(1, 2)", InvalidArgumentError, "takes 1 argument"),
        ("min()", InvalidArgumentError, "at least 1"),
        ("round(1, 2, 3)", InvalidArgumentError, "1 or 2"),
    ],
)
def test_invalid_expressions_raise_typed_errors_with_clear_messages(
    expression: str, error_type: type[CalculatorError], message_part: str
) -> None:
    with pytest.raises(error_type) as caught:
        calculate(expression)
    assert message_part in str(caught.value)


def test_every_calculator_error_is_a_value_error() -> None:
    for error_type in (
        CalculatorSyntaxError,
        UnknownNameError,
        DivisionByZeroError,
        DomainError,
        InvalidArgumentError,
        LimitExceededError,
        TooLargeError,
        ExpressionTooLongError,
        NestingTooDeepError,
        CalculationTimeoutError,
    ):
        assert issubclass(error_type, CalculatorError)
        assert issubclass(error_type, ValueError)
    assert issubclass(DivisionByZeroError, ZeroDivisionError)


def test_syntax_errors_carry_the_column() -> None:
    with pytest.raises(CalculatorSyntaxError) as caught:
        calculate("1 + * 2")
    assert caught.value.column == 5
    assert str(caught.value).startswith("syntax error at column 5")


def test_non_string_expression_is_rejected() -> None:
    with pytest.raises(InvalidArgumentError):
        calculate(42)  # type: ignore[arg-type]


def test_a_very_small_budget_times_out() -> None:
    with pytest.raises(CalculationTimeoutError):
        calculate("+".join(["1"] * 500), timeout_s=-1)


# --------------------------------------------------------------------------- format_number


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0, "0"),
        (1024, "1024"),
        (-12, "-12"),
        (2**70, "1180591620717411303424"),
        (3.0, "3"),
        (-0.0, "0"),
        (0.5, "0.5"),
        (0.1 + 0.2, "0.3"),
        (1.1 * 1.1, "1.21"),
        (1 / 3, "0.333333333333"),
        (2 / 3, "0.666666666667"),
        (-1 / 3, "-0.333333333333"),
        (1234.5678, "1234.5678"),
        (123456789.123456789, "123456789.123"),
        (123456789012345.67, "123456789012346"),
        (1e14, "100000000000000"),
        (0.000123, "0.000123"),
        (1e-6, "0.000001"),
        (1e-7, "1e-07"),
        (1.5e20, "1.5e+20"),
        (1e15, "1e+15"),
        (-2.5e-9, "-2.5e-09"),
        (math.pi, "3.14159265359"),
        (float("inf"), "inf"),
        (float("-inf"), "-inf"),
        (float("nan"), "nan"),
    ],
)
def test_format_number_gives_canonical_text(value: float, text: str) -> None:
    assert format_number(value) == text


@pytest.mark.parametrize("value", [True, "3", None, [1]])
def test_format_number_rejects_non_numbers(value: object) -> None:
    with pytest.raises(TypeError):
        format_number(value)  # type: ignore[arg-type]


def test_formatted_results_round_trip_through_the_calculator() -> None:
    for expression in ("1/3", "2**0.5", "10/4", "2**64", "1e-7 * 3", "1.5e20 * 3"):
        value = calculate(expression)
        assert calculate(format_number(value)) == pytest.approx(value, rel=1e-11)


# --------------------------------------------------------------------------- answers_match


@pytest.mark.parametrize(
    ("output", "expected"),
    [
        ("42", "42"),
        ("42\n", "42"),
        ("  42  ", "42"),
        ("3.0", "3"),
        ("3", "3.000"),
        ("1,234", "1234"),
        ("1234.0", "1,234"),
        ("$12.50", "12.5"),
        ("-$12.50", "-12.5"),
        ("12.5%", "12.5"),
        ("12.5%", "0.125"),
        ("1e3", "1000"),
        ("0.30000000000000004", "0.3"),
        ("0.333333333333", "0.3333333333333333"),
        (str(2**100), str(2**100)),
        ("True", "true"),
        ("None", "null"),
        ("[1, 2, 3]", "[1,2,3]"),
        ("(1.0, 2, 3)", "[1, 2, 3]"),
        ("[0.1, [2, 'a']]", '[0.1, [2.0, "a"]]'),
        ("{'a': 1}", '{"a": 1.0}'),
        ("Paris", "paris"),
        ("hello   world\n", "hello world"),
        ('"hi"', "hi"),
        ("line 1\r\nline 2", "line 1\nline 2"),
        ("1e-12", "0"),  # within abs_tol
        ("inf", "inf"),
        ("{3, 1, 2}", "{1, 2, 3}"),  # sets print in hash order
    ],
)
def test_answers_match_ignores_trivial_formatting(output: str, expected: str) -> None:
    assert answers_match(output, expected)


@pytest.mark.parametrize(
    ("output", "expected"),
    [
        ("42", "43"),
        ("3.1", "3"),
        ("1,234", "1.234"),
        ("[1, 2]", "[1, 2, 3]"),
        ("[1, 2, 3]", "[1, 3, 2]"),
        ("True", "1"),
        ("False", "True"),
        ("", "0"),
        ("Paris", "London"),
        ("inf", "-inf"),
        ("nan", "0"),
        ("12.5%", "0.5"),
        ("42\n43", "43"),  # multi-line output is compared as a whole
    ],
)
def test_answers_match_rejects_different_answers(output: str, expected: str) -> None:
    assert not answers_match(output, expected)


def test_answers_match_tolerances_are_configurable() -> None:
    assert not answers_match("100.5", "100")
    assert answers_match("100.5", "100", rel_tol=0.01)
    assert answers_match("0.001", "0", abs_tol=0.01)


def test_answers_match_survives_hostile_answers() -> None:
    assert not answers_match("[" * 10_000, "]" * 10_000)
    assert not answers_match("1e999999999", "1")
    assert answers_match("x" * 200_000, "x" * 200_000)
