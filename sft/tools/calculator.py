"""A safe arithmetic calculator for the ``calculator`` tool.

The model calls ``{"tool": "calculator", "args": {"expression": "..."}}``; dataset creation
uses the same code to compute expected answers, evaluation uses it to execute predicted
calls, and the chat loop runs it for users. The expression is untrusted text.

Design choice -- our own tokenizer and Pratt parser instead of ``simpleeval``:

* **Safety by construction.** The grammar only has numbers, names from a fixed table,
  function calls, parentheses and arithmetic operators. There is no attribute access,
  subscript, lambda, comprehension, string or assignment node that could be reached, so
  there is nothing to block. ``simpleeval`` (and any ``ast`` walker) starts from the
  whole Python grammar and has to deny what it does not want.
* **The syntax people and LLMs actually write.** ``2^10``, ``3 × 4``, ``1,234 + 1``,
  ``15% * 80`` and ``5!`` are not valid Python, so an ``ast``-based evaluator needs textual
  pre-processing, which breaks the column numbers of error messages.
* **Precise, typed errors** ("syntax error at column 5: ...") and limits that bound the
  cost of *every* operation before it runs (integer size, exponent, factorial), so an
  expression cannot stall the calling process. ``simpleeval`` caps only ``**`` and
  strings and its README asks callers to add their own timeout.
* No dependency and no ``eval``/``exec`` anywhere.

Accepted syntax (documented decisions):

* Numbers: ``12``, ``1.5``, ``.5``, ``1e-3``, ``1_000``. Thousands separators ``1,234,567``
  are accepted where a comma cannot separate function arguments (top level or inside
  plain parentheses) and only in strict groups of three digits; inside a call such as
  ``max(1,234)`` the comma separates arguments.
* Operators: ``+ - * / // % **``, unary ``+``/``-``, postfix ``!`` (factorial).
  ``^`` means power (what calculator users mean; XOR makes no sense here).
  ``×``, ``·``, ``∗`` mean ``*``; ``÷``, ``∕`` mean ``/``; ``−``, ``–`` mean ``-``;
  ``π`` means ``pi``; ``**`` and ``^`` are right-associative and bind tighter than unary
  minus on their left (``-2^2 == -4``).
* ``%`` is modulo when an operand follows it (``17 % 5``). When nothing that could be an
  operand follows (``15%``, ``15% * 80``, ``(15%)``), it is a percentage and means
  ``/100``. ``100 + 10%`` is rejected as ambiguous (a shop calculator says 110, the
  literal reading says 100.1); write ``100 * 1.1`` or ``100 + 10/100``.
* Implicit multiplication (``2pi``, ``2(3+4)``, ``(1+2)(3+4)``) is rejected with a clear
  error instead of guessing.
* Results: integer arithmetic stays exact (``2**100`` is an ``int``); ``/`` returns an
  ``int`` when the division is exact (``10/4 == 2.5``, ``10/5 == 2``); functions with an
  exact integer answer return ``int`` (``sqrt(16) == 4``, ``floor(2.5) == 2``). Anything
  else is a ``float``. ``round`` rounds halves away from zero (``round(2.5) == 3``), as
  people and calculators do, unlike Python's banker's rounding.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Context, Decimal

__all__ = [
    "MAX_EXPRESSION_LENGTH",
    "MAX_FACTORIAL_ARG",
    "MAX_INTEGER_DIGITS",
    "MAX_NESTING_DEPTH",
    "CalculationTimeoutError",
    "CalculatorError",
    "CalculatorSyntaxError",
    "DivisionByZeroError",
    "DomainError",
    "ExpressionTooLongError",
    "InvalidArgumentError",
    "LimitExceededError",
    "NestingTooDeepError",
    "TooLargeError",
    "UnknownNameError",
    "calculate",
    "format_number",
]

MAX_EXPRESSION_LENGTH = 2000
"""Longest expression accepted, in characters."""
MAX_NESTING_DEPTH = 64
"""Deepest nesting of parentheses, calls and unary operators."""
MAX_INTEGER_DIGITS = 4000
"""Largest integer result or intermediate value, in decimal digits (below Python's
4300-digit ``int``/``str`` conversion limit, so every result can be printed)."""
MAX_FACTORIAL_ARG = 1000
"""Largest argument of ``factorial``/``!``."""
DEFAULT_TIMEOUT_S = 1.0
"""Wall-clock budget of one :func:`calculate` call."""

_MAX_INT_BITS = int(MAX_INTEGER_DIGITS * math.log2(10)) + 1
_INT_LIMIT = 10**MAX_INTEGER_DIGITS


# --------------------------------------------------------------------------- errors


class CalculatorError(ValueError):
    """Base class of every calculator failure; the message is meant for users.

    Attributes:
        column: 1-based column of the offending character, when known.
    """

    def __init__(self, message: str, column: int | None = None) -> None:
        super().__init__(message)
        self.column = column


class CalculatorSyntaxError(CalculatorError):
    """The expression is not well-formed (e.g. ``"syntax error at column 5: ..."``)."""


class UnknownNameError(CalculatorError):
    """A name or function that the calculator does not know."""


class InvalidArgumentError(CalculatorError):
    """A function got the wrong number or kind of arguments (e.g. ``factorial(2.5)``)."""


class DivisionByZeroError(CalculatorError, ZeroDivisionError):
    """Division or modulo by zero."""


class DomainError(CalculatorError):
    """The operation is undefined for its input (``sqrt(-1)``, ``log(0)``, ``asin(2)``)."""


class LimitExceededError(CalculatorError):
    """A safety limit was hit; the expression was not (fully) evaluated."""


class TooLargeError(LimitExceededError):
    """A number, exponent or factorial argument is beyond the calculator's limits."""


class ExpressionTooLongError(LimitExceededError):
    """The expression text is longer than :data:`MAX_EXPRESSION_LENGTH`."""


class NestingTooDeepError(LimitExceededError):
    """Parentheses or operators are nested deeper than :data:`MAX_NESTING_DEPTH`."""


class CalculationTimeoutError(LimitExceededError):
    """Evaluation took longer than its wall-clock budget."""


def _syntax(message: str, column: int) -> CalculatorSyntaxError:
    return CalculatorSyntaxError(f"syntax error at column {column}: {message}", column)


# --------------------------------------------------------------------------- tokens

# Characters people paste from documents and chat answers, mapped to our operators.
_CHAR_ALIASES = {
    "×": "*",
    "·": "*",
    "∗": "*",
    "⋅": "*",
    "÷": "/",
    "∕": "/",
    "−": "-",
    "–": "-",
    "π": "pi",
}

_DIGITS = "0123456789"  # str.isdigit() would accept "²" and "١"; only ASCII digits here
_SUPERSCRIPTS = {"²": "2", "³": "3"}  # x² means x^2
_NUMBER_GROUPED = re.compile(r"\d{1,3}(?:,\d{3})+(?![\d_])(?:\.\d*)?(?:[eE][+-]?\d+)?", re.ASCII)
_NUMBER = re.compile(r"(?:\d(?:_?\d)*(?:\.(?:\d(?:_?\d)*)?)?|\.\d(?:_?\d)*)(?:[eE][+-]?\d+)?", re.ASCII)
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*", re.ASCII)
_OPERATORS = ("**", "//", "+", "-", "*", "/", "%", "^", "(", ")", ",", "!")


@dataclass(frozen=True)
class _Token:
    kind: str  # "num", "name", "op", "end"
    text: str
    column: int  # 1-based, in the caller's original string
    value: int | float | None = None


def _tokenize(expression: str) -> list[_Token]:
    """Split ``expression`` into tokens, keeping the caller's column numbers."""
    tokens: list[_Token] = []
    # Parenthesis stack: True for a call's parentheses (commas separate arguments),
    # False for grouping parentheses (a comma can only be a thousands separator).
    paren_is_call: list[bool] = []
    i = 0
    n = len(expression)
    while i < n:
        ch = expression[i]
        column = i + 1
        if ch.isspace():
            i += 1
            continue
        if ch in _SUPERSCRIPTS:
            tokens.append(_Token("op", "^", column))
            value = int(_SUPERSCRIPTS[ch])
            tokens.append(_Token("num", _SUPERSCRIPTS[ch], column, value))
            i += 1
            continue
        alias = _CHAR_ALIASES.get(ch)
        if alias is not None:
            kind = "name" if alias.isalpha() else "op"
            tokens.append(_Token(kind, alias, column))
            i += 1
            continue
        if ch in _DIGITS or (ch == "." and i + 1 < n and expression[i + 1] in _DIGITS):
            match = None
            if not paren_is_call or not paren_is_call[-1]:
                match = _NUMBER_GROUPED.match(expression, i)
            if match is None:
                match = _NUMBER.match(expression, i)
            assert match is not None  # a digit or ".digit" always matches
            text = match.group()
            tokens.append(_Token("num", text, column, _parse_number(text, column)))
            i = match.end()
            continue
        if ch.isalpha() and ch.isascii():
            match = _NAME.match(expression, i)
            assert match is not None
            tokens.append(_Token("name", match.group(), column))
            i = match.end()
            continue
        op = next((o for o in _OPERATORS if expression.startswith(o, i)), None)
        if op is None:
            shown = ch if ch.isprintable() else repr(ch)
            if ch == "_" or ch.isalpha():
                raise UnknownNameError(
                    f"unknown name starting at column {column}: names must be plain "
                    f"letters, digits and '_', starting with a letter",
                    column,
                )
            raise _syntax(f"unexpected character {shown!r}", column)
        if op == "(":
            prev = tokens[-1] if tokens else None
            paren_is_call.append(prev is not None and prev.kind == "name")
        elif op == ")" and paren_is_call:
            paren_is_call.pop()
        tokens.append(_Token("op", op, column))
        i += len(op)
    tokens.append(_Token("end", "", n + 1))
    return tokens


def _parse_number(text: str, column: int) -> int | float:
    plain = text.replace(",", "").replace("_", "")
    if any(c in plain for c in ".eE"):
        exponent = plain.lower().partition("e")[2]
        if exponent and abs(int(exponent)) > 400:
            # float() would quietly give inf or 0.0; say why instead.
            raise TooLargeError(f"number {text!r} at column {column} is out of range", column)
        value = float(plain)
        if not math.isfinite(value):
            raise TooLargeError(f"number {text!r} at column {column} is out of range", column)
        return value
    digits = plain.lstrip("0")
    if len(digits) > MAX_INTEGER_DIGITS:
        raise TooLargeError(
            f"number at column {column} has more than {MAX_INTEGER_DIGITS} digits",
            column,
        )
    return int(plain)


# --------------------------------------------------------------------------- numbers

Number = int | float


def _check(value: Number) -> Number:
    """Reject values that are too large (ints) or not finite (floats)."""
    if isinstance(value, int):
        if abs(value) >= _INT_LIMIT:
            raise TooLargeError(f"result has more than {MAX_INTEGER_DIGITS} digits")
        return value
    if math.isnan(value):
        raise DomainError("result is not a number")
    if math.isinf(value):
        raise TooLargeError("result is too large (floating-point overflow)")
    return value


def _ensure_int_fits(bits: int, what: str) -> None:
    if bits > _MAX_INT_BITS + 1:
        raise TooLargeError(f"{what} would have more than {MAX_INTEGER_DIGITS} digits")


def _as_float(value: Number) -> float:
    try:
        return float(value)
    except OverflowError:
        raise TooLargeError("number is too large to mix with decimals") from None


def _add(a: Number, b: Number) -> Number:
    if isinstance(a, float) or isinstance(b, float):
        return _check(_as_float(a) + _as_float(b))
    return _check(a + b)


def _sub(a: Number, b: Number) -> Number:
    if isinstance(a, float) or isinstance(b, float):
        return _check(_as_float(a) - _as_float(b))
    return _check(a - b)


def _mul(a: Number, b: Number) -> Number:
    if isinstance(a, float) or isinstance(b, float):
        return _check(_as_float(a) * _as_float(b))
    _ensure_int_fits(a.bit_length() + b.bit_length() - 1, "product")
    return _check(a * b)


def _truediv(a: Number, b: Number) -> Number:
    if b == 0:
        raise DivisionByZeroError("division by zero")
    if isinstance(a, int) and isinstance(b, int):
        if a % b == 0:
            return a // b
        try:
            return _check(a / b)  # correctly rounded even for huge ints
        except OverflowError:
            raise TooLargeError("quotient is too large") from None
    return _check(_as_float(a) / _as_float(b))


def _floordiv(a: Number, b: Number) -> Number:
    if b == 0:
        raise DivisionByZeroError("integer division by zero")
    if isinstance(a, int) and isinstance(b, int):
        return a // b
    return _check(_as_float(a) // _as_float(b))


def _mod(a: Number, b: Number) -> Number:
    if b == 0:
        raise DivisionByZeroError("modulo by zero")
    if isinstance(a, int) and isinstance(b, int):
        return a % b
    return _check(_as_float(a) % _as_float(b))


def _pow(base: Number, exponent: Number) -> Number:
    if isinstance(base, int) and isinstance(exponent, float) and exponent.is_integer():
        # 2 ** 3.0 is an integer power: compute it exactly, then honour the float operand.
        return _as_float(_pow(base, int(exponent)))
    if isinstance(base, int) and isinstance(exponent, int):
        if base in (0, 1) or exponent == 0:
            if base == 0 and exponent < 0:
                raise DivisionByZeroError("zero cannot be raised to a negative power")
            return 1 if exponent == 0 else base
        if base == -1:
            return 1 if exponent % 2 == 0 else -1
        if exponent < 0:
            return _truediv(1, _pow(base, -exponent))
        # Bound the size of the result *before* computing it: 9**9**9 is rejected here.
        if exponent > _MAX_INT_BITS:
            raise TooLargeError(f"exponent {exponent} is too large")
        _ensure_int_fits((base.bit_length() - 1) * exponent + 1, "power")
        return _check(base**exponent)
    fb, fe = _as_float(base), _as_float(exponent)
    if fb < 0 and not fe.is_integer():
        raise DomainError("a negative number cannot be raised to a fractional power")
    if fb == 0 and fe < 0:
        raise DivisionByZeroError("zero cannot be raised to a negative power")
    try:
        return _check(math.pow(fb, fe))
    except OverflowError:
        raise TooLargeError("power is too large") from None


# --------------------------------------------------------------------------- functions


def _int_arg(name: str, value: Number) -> int:
    if isinstance(value, float):
        if not value.is_integer():
            raise InvalidArgumentError(f"{name}() needs whole numbers, got {format_number(value)}")
        return int(value)
    return value


def _nonneg_int_arg(name: str, value: Number) -> int:
    result = _int_arg(name, value)
    if result < 0:
        raise DomainError(f"{name}() is not defined for negative numbers")
    return result


def _factorial(x: Number) -> int:
    n = _nonneg_int_arg("factorial", x)
    if n > MAX_FACTORIAL_ARG:
        raise TooLargeError(f"factorial argument {n} is too large (limit {MAX_FACTORIAL_ARG})")
    return _check(math.factorial(n))


def _comb_or_perm(name: str, n_raw: Number, k_raw: Number | None = None) -> int:
    n = _nonneg_int_arg(name, n_raw)
    k = n if k_raw is None else _nonneg_int_arg(name, k_raw)
    if k > n:
        return 0
    take = min(k, n - k) if name == "comb" else k
    # Both results are below n**take; bound that before the (possibly huge) computation.
    _ensure_int_fits(n.bit_length() * take, f"{name}() result")
    return _check(math.comb(n, k) if name == "comb" else math.perm(n, k))


def _sqrt(x: Number) -> Number:
    if x < 0:
        raise DomainError("square root of a negative number")
    if isinstance(x, int):
        root = math.isqrt(x)
        if root * root == x:
            return root
    return _check(math.sqrt(_as_float(x)))


def _cbrt(x: Number) -> Number:
    if isinstance(x, int):
        root = round(abs(_as_float(x)) ** (1 / 3))
        for candidate in (root - 1, root, root + 1):
            if candidate**3 == abs(x):
                return candidate if x >= 0 else -candidate
    f = _as_float(x)
    return _check(math.copysign(abs(f) ** (1 / 3), f))


def _log(x: Number, base: Number | None = None) -> float:
    if x <= 0:
        raise DomainError("logarithm of zero or a negative number")
    if base is None:
        return _check(math.log(x))
    if base <= 0 or base == 1:
        raise DomainError("logarithm base must be positive and not 1")
    return _check(math.log(x) / math.log(base))


def _log_fixed(fn: Callable[[float], float]) -> Callable[[Number], float]:
    def log_n(x: Number) -> float:
        if x <= 0:
            raise DomainError("logarithm of zero or a negative number")
        return _check(fn(x))

    return log_n


def _round(x: Number, ndigits: Number | None = None) -> Number:
    digits = 0 if ndigits is None else _int_arg("round", ndigits)
    if abs(digits) > 400:
        raise InvalidArgumentError("round() digits must be between -400 and 400")
    if isinstance(x, int) and digits >= 0:
        return x
    # Work on the shortest decimal text of x so round(2.675, 2) == 2.68, as users expect.
    exact = Decimal(x) if isinstance(x, int) else Decimal(repr(x))
    # Enough precision for any value we allow (4000-digit ints, floats up to 1e308).
    context = Context(prec=MAX_INTEGER_DIGITS + 500, rounding=ROUND_HALF_UP)
    rounded = exact.quantize(Decimal(1).scaleb(-digits), context=context)
    if ndigits is None or isinstance(x, int):
        return _check(int(rounded))
    return _check(float(rounded))


def _to_int(fn: Callable[[float], int]) -> Callable[[Number], int]:
    def convert(x: Number) -> int:
        return x if isinstance(x, int) else _check(fn(x))

    return convert


def _float_fn(name: str, domain_problem: str = "is undefined here") -> Callable[..., float]:
    """``math.<name>`` on floats; a value it rejects raises ``DomainError("<name>() <domain_problem>")``."""
    fn: Callable[..., float] = getattr(math, name)
    domain_message = f"{name}() {domain_problem}"

    def call(*args: Number) -> float:
        floats = [_as_float(a) for a in args]  # may raise TooLargeError, a ValueError
        try:
            return _check(fn(*floats))
        except ValueError:
            raise DomainError(domain_message) from None
        except OverflowError:
            raise TooLargeError("result is too large") from None

    return call


def _min_max(name: str, fn: Callable[..., Number]) -> Callable[..., Number]:
    def call(*args: Number) -> Number:
        if not args:
            raise InvalidArgumentError(f"{name}() needs at least one argument")
        return fn(args)

    return call


def _sum(*args: Number) -> Number:
    total: Number = 0
    for a in args:
        total = _add(total, a)
    return total


def _gcd(*args: Number) -> int:
    return math.gcd(*(_int_arg("gcd", a) for a in args))


def _lcm(*args: Number) -> int:
    values = [_int_arg("lcm", a) for a in args]
    _ensure_int_fits(sum(v.bit_length() for v in values), "lcm() result")
    return _check(math.lcm(*values))


def _hypot(*args: Number) -> float:
    return _float_fn("hypot")(*args)


def _degrees(x: Number) -> float:
    return _check(math.degrees(_as_float(x)))


def _radians(x: Number) -> float:
    return _check(math.radians(_as_float(x)))


def _abs(x: Number) -> Number:
    return abs(x)


def _exp(x: Number) -> float:
    return _float_fn("exp")(x)


@dataclass(frozen=True)
class _Function:
    fn: Callable[..., Number]
    min_args: int
    max_args: int | None  # None: any number


def _fn(fn: Callable[..., Number], min_args: int = 1, max_args: int | None = -1) -> _Function:
    return _Function(fn, min_args, min_args if max_args == -1 else max_args)


# math's one-argument float functions, by what their error says when math rejects the value.
_FLOAT_FUNCTIONS = {
    "is undefined here": ("sin", "cos", "tan", "atan", "tanh", "asinh"),
    "needs a value between -1 and 1": ("asin", "acos", "atanh"),
    "needs a value of at least 1": ("acosh",),
    "overflowed": ("sinh", "cosh"),
}

_FUNCTIONS: dict[str, _Function] = {
    "sqrt": _fn(_sqrt),
    "cbrt": _fn(_cbrt),
    "abs": _fn(_abs),
    "round": _fn(_round, 1, 2),
    "min": _fn(_min_max("min", min), 1, None),
    "max": _fn(_min_max("max", max), 1, None),
    "sum": _fn(_sum, 1, None),
    "pow": _fn(_pow, 2),
    "exp": _fn(_exp),
    "log": _fn(_log, 1, 2),
    "ln": _fn(_log_fixed(math.log)),
    "log10": _fn(_log_fixed(math.log10)),
    "log2": _fn(_log_fixed(math.log2)),
    **{name: _fn(_float_fn(name, problem)) for problem, names in _FLOAT_FUNCTIONS.items() for name in names},
    "atan2": _fn(_float_fn("atan2"), 2),
    "degrees": _fn(_degrees),
    "radians": _fn(_radians),
    "floor": _fn(_to_int(math.floor)),
    "ceil": _fn(_to_int(math.ceil)),
    "trunc": _fn(_to_int(math.trunc)),
    "factorial": _fn(_factorial),
    "comb": _fn(lambda n, k: _comb_or_perm("comb", n, k), 2),
    "perm": _fn(lambda n, k=None: _comb_or_perm("perm", n, k), 1, 2),
    "gcd": _fn(_gcd, 1, None),
    "lcm": _fn(_lcm, 1, None),
    "hypot": _fn(_hypot, 1, None),
}
# Spellings LLMs and other calculators use for the same functions.
for _alias, _target in {
    "arcsin": "asin",
    "arccos": "acos",
    "arctan": "atan",
    "fact": "factorial",
    "power": "pow",
    "choose": "comb",
    "ncr": "comb",
    "npr": "perm",
}.items():
    _FUNCTIONS[_alias] = _FUNCTIONS[_target]

_CONSTANTS: dict[str, float] = {"pi": math.pi, "e": math.e, "tau": math.tau}


# --------------------------------------------------------------------------- parser

# Binding powers of binary operators: (left, right). Right < left means right-assoc.
_BINARY = {
    "+": (10, 11),
    "-": (10, 11),
    "*": (20, 21),
    "/": (20, 21),
    "//": (20, 21),
    "%": (20, 21),
    "**": (41, 40),
    "^": (41, 40),
}
_UNARY_BP = 30  # binds weaker than ** on its right: -2**2 == -(2**2)
_POSTFIX_BP = 50  # ! and percent bind tightest: 3!^2 == (3!)^2
_BINARY_OPS: dict[str, Callable[[Number, Number], Number]] = {
    "+": _add,
    "-": _sub,
    "*": _mul,
    "/": _truediv,
    "//": _floordiv,
    "%": _mod,
    "**": _pow,
    "^": _pow,
}


@dataclass(frozen=True)
class _Value:
    """An evaluated sub-expression; ``percent`` marks a bare ``x%`` for the ``+``/``-`` check."""

    number: Number
    percent: bool = False


class _Parser:
    """Evaluates while parsing (no tree is built): one pass, bounded recursion."""

    def __init__(self, tokens: list[_Token], deadline: float) -> None:
        self.tokens = tokens
        self.pos = 0
        self.depth = 0
        self.deadline = deadline

    def peek(self) -> _Token:
        return self.tokens[self.pos]

    def advance(self) -> _Token:
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def _starts_operand(self, token: _Token) -> bool:
        return token.kind in ("num", "name") or token.text in ("(", "+", "-")

    def _modulo_follows(self, token: _Token) -> bool:
        # '%' is modulo only when an operand follows directly; '15% - 3' is a percentage
        # and modulo by a negative number must be written 'a % (-b)'.
        return token.kind in ("num", "name") or token.text == "("

    def expression(self, min_bp: int = 0) -> _Value:
        if time.monotonic() > self.deadline:
            raise CalculationTimeoutError("calculation took too long")
        self.depth += 1
        if self.depth > MAX_NESTING_DEPTH:
            raise NestingTooDeepError(
                f"expression is nested too deeply (more than {MAX_NESTING_DEPTH} levels)",
                self.peek().column,
            )
        left = self.prefix()
        while True:
            token = self.peek()
            if token.kind == "op" and token.text == "!":
                if min_bp > _POSTFIX_BP:
                    break
                self.advance()
                left = _Value(_factorial(left.number))
                continue
            is_percent = token.kind == "op" and token.text == "%"
            if is_percent and not self._modulo_follows(self.tokens[self.pos + 1]):
                if min_bp > _POSTFIX_BP:
                    break
                self.advance()
                left = _Value(_truediv(left.number, 100), percent=True)
                continue
            if token.kind == "op" and token.text in _BINARY:
                left_bp, right_bp = _BINARY[token.text]
                if left_bp < min_bp:
                    break
                self.advance()
                right = self.expression(right_bp)
                if token.text in "+-" and right.percent and not left.percent:
                    raise CalculatorSyntaxError(
                        f"ambiguous percentage at column {token.column}: "
                        f"write 'x * (1 {token.text} p/100)' or 'x {token.text} p/100'",
                        token.column,
                    )
                left = _Value(self.apply(token, left.number, right.number))
                continue
            if token.kind == "end" or token.text in (")", ","):
                break
            if self._starts_operand(token) or token.text == "(":
                raise _syntax(
                    f"missing operator before {token.text!r} (implicit multiplication is not supported; write '*')",
                    token.column,
                )
            raise _syntax(f"unexpected {token.text!r}", token.column)
        self.depth -= 1
        return left

    def apply(self, token: _Token, a: Number, b: Number) -> Number:
        try:
            return _BINARY_OPS[token.text](a, b)
        except CalculatorError as error:
            if error.column is None:
                raise type(error)(f"{error} at column {token.column}", token.column) from None
            raise

    def prefix(self) -> _Value:
        token = self.advance()
        if token.kind == "num":
            assert token.value is not None
            return _Value(token.value)
        if token.kind == "name":
            return self.name(token)
        if token.text in ("+", "-"):
            operand = self.expression(_UNARY_BP).number
            return _Value(operand if token.text == "+" else -operand)
        if token.text == "(":
            inner = self.expression(0)
            self.expect(")", token)
            return inner
        if token.kind == "end":
            raise _syntax("expression ended unexpectedly", token.column)
        raise _syntax(f"unexpected {token.text!r}", token.column)

    def expect(self, text: str, opener: _Token) -> None:
        token = self.peek()
        if token.text != text or token.kind != "op":
            if token.kind == "end":
                raise _syntax(f"'(' at column {opener.column} is never closed", token.column)
            raise _syntax(f"expected {text!r} but found {token.text!r}", token.column)
        self.advance()

    def name(self, token: _Token) -> _Value:
        key = token.text.lower()  # "Sqrt", "PI" and "nCr" are what people mean
        if self.peek().text == "(" and self.peek().kind == "op":
            function = _FUNCTIONS.get(key)
            if function is None:
                raise UnknownNameError(
                    f"unknown function {token.text!r} at column {token.column}",
                    token.column,
                )
            opener = self.advance()
            args: list[Number] = []
            if self.peek().text != ")":
                while True:
                    args.append(self.expression(0).number)
                    if self.peek().text != ",":
                        break
                    self.advance()
            self.expect(")", opener)
            return _Value(self.call(token, function, args))
        if key in _CONSTANTS:
            return _Value(_CONSTANTS[key])
        if key in _FUNCTIONS:
            raise _syntax(f"function {token.text!r} needs parentheses", token.column)
        raise UnknownNameError(f"unknown name {token.text!r} at column {token.column}", token.column)

    def call(self, token: _Token, function: _Function, args: list[Number]) -> Number:
        count = len(args)
        if count < function.min_args or (function.max_args is not None and count > function.max_args):
            if function.max_args is None:
                wanted = f"at least {function.min_args}"
            elif function.max_args == function.min_args:
                wanted = str(function.min_args)
            else:
                wanted = f"{function.min_args} or {function.max_args}"
            raise InvalidArgumentError(
                f"{token.text}() at column {token.column} takes {wanted} argument(s), got {count}",
                token.column,
            )
        try:
            return _check(function.fn(*args))
        except CalculatorError as error:
            if error.column is None:
                message = f"{error} (in {token.text}() at column {token.column})"
                raise type(error)(message, token.column) from None
            raise


# --------------------------------------------------------------------------- public API


def calculate(expression: str, *, timeout_s: float = DEFAULT_TIMEOUT_S) -> int | float:
    """Evaluates an arithmetic expression without ``eval``.

    Args:
        expression: The expression, e.g. ``"sqrt(16) + 2^3 * 15%"``. See the module
            docstring for the accepted syntax.
        timeout_s: Wall-clock budget; exceeding it raises :class:`CalculationTimeoutError`.
            Every single operation is size-bounded before it runs, so the check between
            operations is enough (no signals or threads are needed).

    Returns:
        An ``int`` when the result is an exact integer computed with integers, else a
        finite ``float``.

    Raises:
        CalculatorError: Or one of its subclasses, with a message fit for users.
    """
    if not isinstance(expression, str):
        raise InvalidArgumentError(f"expression must be a string, got {type(expression).__name__}")
    if len(expression) > MAX_EXPRESSION_LENGTH:
        raise ExpressionTooLongError(
            f"expression is too long ({len(expression)} characters, limit {MAX_EXPRESSION_LENGTH})"
        )
    if not expression.strip():
        raise CalculatorSyntaxError("syntax error at column 1: the expression is empty", 1)
    tokens = _tokenize(expression)
    parser = _Parser(tokens, time.monotonic() + timeout_s)
    value = parser.expression(0)
    token = parser.peek()
    if token.kind != "end":
        if token.text == ")":
            raise _syntax("')' has no matching '('", token.column)
        if token.text == ",":
            raise _syntax(
                "',' only separates function arguments or thousands (1,234,567)",
                token.column,
            )
        raise _syntax(f"unexpected {token.text!r}", token.column)
    result = value.number
    if isinstance(result, float) and result == 0:
        result = 0.0  # no "-0"
    return result


_FIXED_MIN = 1e-6
_FIXED_MAX = 1e15
_SIGNIFICANT = 12


def format_number(x: float) -> str:
    """Returns the canonical text of a calculator result.

    Integers print exactly (``"1024"``). Floats are rounded to 12 significant digits,
    which removes binary noise (``0.1 + 0.2`` -> ``"0.3"``), without a trailing ``.0``
    (``3.0`` -> ``"3"``) and without exponent for magnitudes in ``[1e-6, 1e15)``; the
    digits of the integer part are never rounded away there. Other magnitudes use
    ``"1.5e+20"``-style scientific notation.

    Args:
        x: An ``int`` or ``float`` (``bool`` is rejected).

    Returns:
        The text form, e.g. ``"0.3"``, ``"-12"``, ``"1e-09"``.

    Raises:
        TypeError: If ``x`` is not an int or float.
    """
    if isinstance(x, bool) or not isinstance(x, int | float):
        raise TypeError(f"format_number() needs an int or float, got {type(x).__name__}")
    if isinstance(x, int):
        return str(x)
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    if x == 0:
        return "0"
    magnitude = abs(x)
    if _FIXED_MIN <= magnitude < _FIXED_MAX:
        integer_digits = max(len(str(int(magnitude))), 1) if magnitude >= 1 else 0
        if magnitude < 1:
            # Leading zeros after the point are not significant: 0.000123 has 3 of them.
            integer_digits = -(-math.floor(math.log10(magnitude)) - 1)
        places = max(_SIGNIFICANT - integer_digits, 0)
        text = f"{Decimal(x).quantize(Decimal(1).scaleb(-places)):f}"
        if "." in text:
            text = text.rstrip("0").rstrip(".")
        return "0" if text in ("-0", "") else text
    mantissa, _, exponent = f"{x:.{_SIGNIFICANT - 1}e}".partition("e")
    if "." in mantissa:
        mantissa = mantissa.rstrip("0").rstrip(".")
    return f"{mantissa}e{exponent}"
