"""Load and validate the dataset, and split it into train and validation without leaking templates.

The file is a JSON array (or JSON Lines) of records with exactly the seed's eight fields. Every problem is
reported with the file, the record's index and id, and the field, so a user can fix it directly.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

from sft.errors import UserError
from sft.reply_format import TOOL_ARG

Category = Literal["calculator", "python_exec", "no_tool"]
CATEGORIES: tuple[Category, ...] = ("calculator", "python_exec", "no_tool")
# Which tool and which argument each category implies.
CATEGORY_TOOL: dict[str, tuple[str | None, str | None]] = {
    "calculator": ("calculator", TOOL_ARG["calculator"]),
    "python_exec": ("python", TOOL_ARG["python"]),
    "no_tool": (None, None),
}
FIELDS = ("id", "source", "category", "tool_needed", "tool", "tool_args", "prompt", "expected_answer")
MAX_ERRORS_REPORTED = 20
MIN_SKELETON_WORDS = 3
# Records are flat: a value nested deeper than this is no field of the schema (and deeper still would exhaust
# Python's recursion limit while parsing).
MAX_NESTING = 100


class DatasetError(UserError, ValueError):
    """The dataset file is missing, unreadable, or has invalid records. The message lists each problem."""


@dataclass(frozen=True)
class Sample:
    """One dataset record, in the seed's schema."""

    id: str
    source: str
    category: Category
    tool_needed: bool
    tool: str | None
    tool_args: dict[str, str] | None
    prompt: str
    expected_answer: str

    @property
    def decision(self) -> str:
        """``final``, ``calculator`` or ``python``: what the model should do with the prompt."""
        return self.tool or "final"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class OversizedInteger:
    """Stands for a JSON integer with more digits than Python converts (``sys.get_int_max_str_digits``), so the
    record and field holding it can be named instead of failing the whole file."""

    def __init__(self, digits: int) -> None:
        self.digits = digits

    def __repr__(self) -> str:
        return f"<an integer of {self.digits} digits>"


def _parse_int(text: str) -> int | OversizedInteger:
    try:
        return int(text)
    except ValueError:
        return OversizedInteger(len(text.lstrip("-")))


def _kind(value: Any) -> str:
    """A value's JSON kind, for messages."""
    if isinstance(value, OversizedInteger):
        return repr(value)
    return {dict: "object", list: "array", str: "string", bool: "boolean", type(None): "null"}.get(
        type(value), type(value).__name__
    )


def _short(value: Any, limit: int = 60) -> str:
    """``repr(value)``, cut to ``limit`` characters: a message stays one readable line."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _record_problems(record: Any) -> list[tuple[str, str]]:
    """(field, problem) pairs for one record; empty when it is valid."""
    if not isinstance(record, dict):
        return [("<record>", f"expected a JSON object, got {_kind(record)}")]
    problems: list[tuple[str, str]] = []
    for name in FIELDS:
        if name not in record:
            problems.append((name, "missing"))
    for name in record:
        if name not in FIELDS:
            problems.append((name, f"unknown field (expected only {', '.join(FIELDS)})"))
    for name in ("id", "source", "prompt", "expected_answer"):
        if name in record and not isinstance(record[name], str):
            problems.append((name, f"expected a string, got {_kind(record[name])}"))
        elif name in record and name != "expected_answer" and not record[name].strip():
            problems.append((name, "must not be empty"))
    if "tool_needed" in record and not isinstance(record["tool_needed"], bool):
        problems.append(("tool_needed", f"expected true or false, got {_short(record['tool_needed'])}"))
    category = record.get("category")
    if "category" in record and not (isinstance(category, str) and category in CATEGORY_TOOL):
        got = _short(category) if isinstance(category, str) else _kind(category)
        problems.append(("category", f"expected one of {', '.join(CATEGORIES)}, got {got}"))
        return problems
    if category is None:
        return problems
    tool, arg = CATEGORY_TOOL[category]
    if record.get("tool_needed") is not (tool is not None) and isinstance(record.get("tool_needed"), bool):
        problems.append(("tool_needed", f"must be {str(tool is not None).lower()} for category {category!r}"))
    if "tool" in record and (record["tool"] != tool or not isinstance(record["tool"], str | None)):
        problems.append(("tool", f"must be {json.dumps(tool)} for category {category!r}, got {_short(record['tool'])}"))
    if "tool_args" in record:
        args = record["tool_args"]
        if arg is None:
            if args is not None:
                problems.append(("tool_args", f"must be null for category {category!r}"))
        elif not isinstance(args, dict) or set(args) != {arg}:
            problems.append(("tool_args", f'must be {{"{arg}": "..."}} for category {category!r}, got {_short(args)}'))
        elif not isinstance(args[arg], str) or not args[arg].strip():
            problems.append((f"tool_args.{arg}", f"expected a non-empty string, got {_kind(args[arg])}"))
    return problems


def validate_records(records: Sequence[Any], path: str | Path = "<memory>") -> list[Sample]:
    """Check every record and return them as :class:`Sample` objects.

    Raises:
        DatasetError: naming the file, index, id and field of each problem (the first
            ``MAX_ERRORS_REPORTED`` of them), and the total count.
    """
    errors: list[str] = []
    samples: list[Sample] = []
    seen_ids: dict[str, int] = {}
    for index, record in enumerate(records):
        rid = record.get("id") if isinstance(record, dict) else None
        where = f"{path}: record {index} (id {_short(rid)})"
        problems = _record_problems(record)
        if isinstance(rid, str):
            if rid in seen_ids:
                problems.append(("id", f"duplicate of record {seen_ids[rid]}"))
            else:
                seen_ids[rid] = index
        if problems:
            errors.extend(f"{where}: field {name!r}: {problem}" for name, problem in problems)
            continue
        samples.append(Sample(**{name: record[name] for name in FIELDS}))
    if errors:
        shown = errors[:MAX_ERRORS_REPORTED]
        more = f"\n... and {len(errors) - len(shown)} more problems" if len(errors) > len(shown) else ""
        raise DatasetError(f"{len(errors)} problem(s) in the dataset:\n" + "\n".join(shown) + more)
    if not samples:
        raise DatasetError(f"{path}: the dataset has no records")
    return samples


def read_records(path: str | Path) -> list[Any]:
    """Raw records from a JSON array file or a JSON Lines file (``.jsonl``).

    Raises:
        DatasetError: The file is missing, unreadable, not UTF-8, not JSON, or nested deeper than any record can
            be; one line naming the file and, where it can be told, the record (line) and field.
    """
    path = Path(path)
    if not path.is_file():
        raise DatasetError(f"{path}: dataset file not found. Create it with: python create_dataset.py")
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise DatasetError(f"{path}: cannot read the dataset file ({exc.strerror})") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        where = _locate_undecodable(raw, path)
        raise DatasetError(
            f"{path}: {where}not UTF-8 text (byte 0x{raw[exc.start]:02x} at offset {exc.start}, line {line}); save "
            "the dataset as UTF-8"
        ) from None
    if path.suffix == ".jsonl":
        records = []
        for lineno, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            where = f"{path}: line {lineno} (record {len(records)})"
            records.append(_parse_json(line, where, top_level_records=False))
        return records
    data = _parse_json(text, str(path), top_level_records=True)
    if not isinstance(data, list):
        raise DatasetError(f"{path}: expected a JSON array of records, got a JSON {_kind(data)}")
    return data


def _locate_undecodable(raw: bytes, path: Path) -> str:
    """``record N (id ...): field 'F': `` for the first string holding bytes that are not UTF-8, or ``""``."""
    # surrogateescape keeps each bad byte as a lone surrogate (U+DC80..U+DCFF) inside the parsed strings.
    text = raw.decode("utf-8", errors="surrogateescape")
    try:
        if path.suffix == ".jsonl":
            data = [json.loads(line) for line in text.splitlines() if line.strip()]
        else:
            data = json.loads(text)
    except (ValueError, RecursionError):
        return ""

    def bad(value: Any) -> bool:
        if isinstance(value, str):
            return any("\udc80" <= c <= "\udcff" for c in value)
        if isinstance(value, dict):
            return any(bad(k) or bad(v) for k, v in value.items())
        return isinstance(value, list) and any(bad(v) for v in value)

    for index, record in enumerate(data if isinstance(data, list) else []):
        for name, value in record.items() if isinstance(record, dict) else []:
            if bad(name) or bad(value):
                rid = record.get("id")
                shown = _short(rid) if not bad(rid) else "not UTF-8"
                return f"record {index} (id {shown}): field {_short(name) if not bad(name) else '?'}: "
    return ""


def _parse_json(text: str, where: str, top_level_records: bool) -> Any:
    """``json.loads`` with every failure as a one-line DatasetError; integers too long for Python become
    :class:`OversizedInteger` (reported by the record check, with the record and field)."""
    try:
        return json.loads(text, parse_int=_parse_int)
    except json.JSONDecodeError as exc:
        raise DatasetError(f"{where}: invalid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}") from None
    except RecursionError:
        deep = _too_deep(text, top_level_records)
        raise DatasetError(f"{where}: {deep}") from None


def _too_deep(text: str, top_level_records: bool) -> str:
    """Where JSON first nests deeper than ``MAX_NESTING``: the record's index, its field, line and column."""
    depth, in_string, escaped = 0, False, False
    record, key, last_string, start = 0, None, None, 0
    for position, char in enumerate(text):
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
                last_string = text[start:position]
            continue
        if char == '"':
            in_string, start = True, position + 1
        elif char == ":" and depth == (2 if top_level_records else 1):
            key = last_string
        elif char == "," and top_level_records and depth == 1:
            record, key = record + 1, None
        elif char in "[{":
            depth += 1
            if depth > MAX_NESTING:
                line = text.count("\n", 0, position) + 1
                column = position - (text.rfind("\n", 0, position) + 1) + 1
                which = f"record {record}, " if top_level_records else ""
                field = f"field {key!r}" if key is not None else "a value"
                return (
                    f"{which}{field}: JSON nested more than {MAX_NESTING} levels deep (at line {line}, column "
                    f"{column}); records hold flat fields"
                )
        elif char in "]}":
            depth -= 1
    return f"JSON nested too deeply to parse (more than {MAX_NESTING} levels)"


def load_dataset(path: str | Path) -> list[Sample]:
    """Read and validate the dataset at ``path``. Raises :class:`DatasetError` with every problem found."""
    return validate_records(read_records(path), path)


_NON_WORD = re.compile(r"[^a-z]+")


def prompt_skeleton(prompt: str) -> str:
    """The prompt with case, digits, punctuation and spacing removed: paraphrases that differ only in numbers
    or formatting share a skeleton."""
    return _NON_WORD.sub(" ", prompt.lower()).strip()


def _stable_fraction(key: str, seed: int) -> float:
    digest = hashlib.sha256(f"{seed}:{key}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def group_samples(samples: Sequence[Sample]) -> list[list[int]]:
    """Indices of samples that must stay on one side of a split.

    Samples are joined when they share a ``source`` (one template or generator) or, within a category, a prompt
    skeleton of at least ``MIN_SKELETON_WORDS`` words (near duplicates across sources). A dataset with few
    sources (e.g. one public set) is grouped by skeleton only.
    """
    parent = list(range(len(samples)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def union(keys: Iterable[tuple[str, int]]) -> None:
        first: dict[str, int] = {}
        for key, i in keys:
            if key in first:
                parent[find(i)] = find(first[key])
            else:
                first[key] = i

    distinct_sources = {s.source for s in samples}
    if len(distinct_sources) >= 10:
        union((s.source, i) for i, s in enumerate(samples))
    # Short skeletons ("what is" from "what is 12*7?") say nothing about a template: joining on them would
    # merge unrelated samples of every category into one group.
    union(
        (f"{s.category}:{skeleton}", i)
        for i, s in enumerate(samples)
        if len((skeleton := prompt_skeleton(s.prompt)).split()) >= MIN_SKELETON_WORDS
    )
    groups: dict[int, list[int]] = defaultdict(list)
    for i in range(len(samples)):
        groups[find(i)].append(i)
    return list(groups.values())


def split_dataset(
    samples: Sequence[Sample], validation_fraction: float = 0.1, seed: int = 0
) -> tuple[list[Sample], list[Sample]]:
    """Split into (train, validation) by groups, per category, deterministically.

    Within each category, groups are ordered by a seeded hash and moved to validation until it holds
    ``validation_fraction`` of that category's samples. Validation prompts therefore come from templates the
    training set never shows, which measures generalisation instead of memorisation.
    """
    groups = group_samples(samples)
    by_category: dict[str, list[list[int]]] = defaultdict(list)
    for group in groups:
        by_category[samples[group[0]].category].append(group)
    validation: set[int] = set()
    for category in sorted(by_category):
        cat_groups = sorted(by_category[category], key=lambda g: _stable_fraction(min(samples[i].id for i in g), seed))
        total = sum(len(g) for g in cat_groups)
        target = validation_fraction * total
        taken = 0
        for group in cat_groups:
            if taken >= target or len(cat_groups) < 2:
                break
            # Never empty the training side of a category.
            if taken + len(group) >= total:
                continue
            validation.update(group)
            taken += len(group)
    train = [s for i, s in enumerate(samples) if i not in validation]
    val = [s for i, s in enumerate(samples) if i in validation]
    return train, val


def select_validation_samples(validation: Sequence[Sample], n: int, seed: int = 0) -> list[Sample]:
    """``n`` validation samples, the same for the same inputs, alternating categories so that every
    category is measured even when ``n`` is small."""
    by_category: dict[str, list[Sample]] = defaultdict(list)
    for s in sorted(validation, key=lambda s: _stable_fraction(s.id, seed)):
        by_category[s.category].append(s)
    order = [c for c in CATEGORIES if by_category.get(c)]
    chosen: list[Sample] = []
    position = 0
    while len(chosen) < n and any(position < len(by_category[c]) for c in order):
        for c in order:
            if position < len(by_category[c]) and len(chosen) < n:
                chosen.append(by_category[c][position])
        position += 1
    return chosen
