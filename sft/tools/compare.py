"""Compares a tool's output with an expected answer, forgiving formatting only.

Used to score execution accuracy: does the output of the predicted tool call match the
answer in the dataset? Both sides are normalised the same way, then compared:

* **Numbers** compare with a tolerance (``math.isclose`` semantics, done in ``Decimal`` so
  huge and tiny values work): ``"3.0"`` == ``"3"``, ``"1,234"`` == ``"1234"``,
  ``"$12.50"`` == ``"12.5"``, ``"1e3"`` == ``"1000"``. A percentage matches both its
  number and its fraction: ``"12.5%"`` == ``"12.5"`` == ``"0.125"``.
* **Booleans and None** ignore case: ``"True"`` == ``"true"``.
* **Lists, tuples and dicts** (JSON or Python literal syntax) compare element-wise with
  the same rules: ``"[1, 2, 3]"`` == ``"[1,2,3]"`` == ``"(1.0, 2, 3)"``.
* **Text** ignores surrounding whitespace, runs of whitespace, line-ending differences,
  surrounding quotes and letter case.

Multi-line outputs are compared as a whole; this function does not guess which printed
line is "the answer".
"""

from __future__ import annotations

import ast
import json
import re
from decimal import Context, Decimal, InvalidOperation

__all__ = ["answers_match", "parse_number"]

_MAX_TEXT = 100_000  # longer answers are compared as plain text, never parsed
_CONTEXT = Context(prec=60)
_NUMBER = re.compile(
    r"""^(?P<sign>[+-])?\s*(?P<currency>[$€£¥])?\s*(?P<sign2>[+-])?
        (?P<digits>\d{1,3}(?:,\d{3})+(?:\.\d*)?|\d+(?:_\d+)*(?:\.\d*)?|\.\d+)
        (?P<exp>[eE][+-]?\d+)?\s*(?P<percent>%)?$""",
    re.VERBOSE,
)
_COLLECTIONS = (set, frozenset, list, tuple)
_WORDS = {"true": True, "false": False, "none": None, "null": None}


def parse_number(text: str) -> tuple[Decimal, bool] | None:
    """Parses a number the way people write answers.

    Args:
        text: e.g. ``"1,234.5"``, ``"-$12.50"``, ``"12.5%"``, ``"1e-3"``, ``"inf"``.

    Returns:
        ``(value, is_percent)`` or ``None`` when ``text`` is not a single number. The value
        of ``"12.5%"`` is ``12.5`` with ``is_percent`` set.
    """
    stripped = text.strip()
    lowered = stripped.lower()
    if lowered in ("inf", "+inf", "-inf", "infinity", "-infinity", "nan"):
        return Decimal(lowered.replace("infinity", "inf")), False
    match = _NUMBER.match(stripped)
    if match is None:
        return None
    if match["sign"] and match["sign2"]:
        return None
    if match["exp"] and abs(int(match["exp"][1:])) > 100_000:
        return None  # absurd exponents: leave them to the text comparison
    digits = match["digits"].replace(",", "").replace("_", "")
    sign = match["sign"] or match["sign2"] or ""
    try:
        value = Decimal(f"{sign}{digits}{match['exp'] or ''}")
    except InvalidOperation:
        return None
    return value, match["percent"] is not None


def _numbers_close(a: Decimal, b: Decimal, rel_tol: float, abs_tol: float) -> bool:
    if a.is_nan() or b.is_nan():
        return a.is_nan() and b.is_nan()
    if a.is_infinite() or b.is_infinite():
        return a == b
    difference = _CONTEXT.abs(_CONTEXT.subtract(a, b))
    scale = max(_CONTEXT.abs(a), _CONTEXT.abs(b))
    allowed = max(_CONTEXT.multiply(Decimal(repr(rel_tol)), scale), Decimal(repr(abs_tol)))
    return difference <= allowed


def _match_numbers(a: str, b: str, rel_tol: float, abs_tol: float) -> bool | None:
    left, right = parse_number(a), parse_number(b)
    if left is None or right is None:
        return None
    (x, x_pct), (y, y_pct) = left, right
    candidates_x = [x, x / 100] if x_pct and not y_pct else [x]
    candidates_y = [y, y / 100] if y_pct and not x_pct else [y]
    return any(_numbers_close(cx, cy, rel_tol, abs_tol) for cx in candidates_x for cy in candidates_y)


def _parse_structure(text: str) -> object:
    """A list/tuple/dict/bool/None parsed from JSON or Python literal text, else the text."""
    stripped = text.strip()
    if not stripped or len(stripped) > _MAX_TEXT:
        return text
    lowered = stripped.lower()
    if lowered in _WORDS:
        return _WORDS[lowered]
    if stripped[0] in "[({":
        try:
            return json.loads(stripped)
        except (ValueError, RecursionError):
            pass
        try:
            # literal_eval parses data only (no calls, no names); it can still raise
            # on pathological nesting, hence the broad except.
            return ast.literal_eval(stripped)
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            return text
    return text


def _normalise_text(text: str) -> str:
    collapsed = " ".join(text.split())
    if len(collapsed) >= 2 and collapsed[0] == collapsed[-1] and collapsed[0] in "'\"`":
        collapsed = collapsed[1:-1].strip()
    return collapsed.casefold()


def _values_match(a: object, b: object, rel_tol: float, abs_tol: float) -> bool:
    if isinstance(a, bool) or isinstance(b, bool) or a is None or b is None:
        if isinstance(a, str) or isinstance(b, str):
            return _normalise_text(str(a)) == _normalise_text(str(b))
        return a is b or (isinstance(a, bool) and isinstance(b, bool) and a == b)
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(_values_match(x, y, rel_tol, abs_tol) for x, y in zip(a, b, strict=True))
    some_set = isinstance(a, set | frozenset) or isinstance(b, set | frozenset)
    if some_set and isinstance(a, _COLLECTIONS) and isinstance(b, _COLLECTIONS):
        # Sets print in hash order: compare both sides as sorted collections.
        return _values_match(sorted(map(str, a)), sorted(map(str, b)), rel_tol, abs_tol)
    if isinstance(a, dict) and isinstance(b, dict):
        if len(a) != len(b):
            return False
        keys_b = {_normalise_text(str(k)): v for k, v in b.items()}
        for key, value in a.items():
            other = keys_b.get(_normalise_text(str(key)), _MISSING)
            if other is _MISSING or not _values_match(value, other, rel_tol, abs_tol):
                return False
        return True
    text_a = a if isinstance(a, str) else str(a)
    text_b = b if isinstance(b, str) else str(b)
    numeric = _match_numbers(text_a, text_b, rel_tol, abs_tol)
    if numeric is not None:
        return numeric
    return _normalise_text(text_a) == _normalise_text(text_b)


_MISSING = object()


def answers_match(
    output: str,
    expected: str,
    *,
    rel_tol: float = 1e-6,
    abs_tol: float = 1e-9,
) -> bool:
    """Whether a tool's output matches an expected answer, ignoring trivial formatting.

    Args:
        output: What the tool printed/returned, e.g. ``"1234.0\\n"``.
        expected: The reference answer, e.g. ``"1,234"``.
        rel_tol: Relative tolerance for numbers.
        abs_tol: Absolute tolerance for numbers (matters near zero).

    Returns:
        True when both denote the same value (see the module docstring for the rules).
    """
    if not isinstance(output, str):
        output = str(output)
    if not isinstance(expected, str):
        expected = str(expected)
    if output.strip() == expected.strip():
        return True
    left = _parse_structure(output)
    right = _parse_structure(expected)
    if isinstance(left, str) != isinstance(right, str):
        # One side is structured, the other is not: compare canonical texts.
        left = output if isinstance(left, str) else left
        right = expected if isinstance(right, str) else right
        if isinstance(left, str) and not isinstance(right, str):
            return _normalise_text(left) == _normalise_text(_canonical(right))
        if isinstance(right, str) and not isinstance(left, str):
            return _normalise_text(right) == _normalise_text(_canonical(left))
    return _values_match(left, right, rel_tol, abs_tol)


def _canonical(value: object) -> str:
    try:
        return json.dumps(value, separators=(",", ":"))
    except (TypeError, ValueError):
        return repr(value)
