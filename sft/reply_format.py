"""The reply format, in one place: the three JSON shapes a reply may take, how a training target is written in
them, how a reply is read back, and the same shapes as a JSON schema for constrained decoding.

- a direct answer: ``{"final": "<answer>"}``
- a calculator call: ``{"tool": "calculator", "args": {"expression": "<expression>"}}``
- a Python call: ``{"tool": "python", "args": {"code": "<code>"}}``

The writer (:func:`target_object`, :func:`to_json`) and the reader (:func:`parse_reply`) share :data:`TOOL_ARG`, so
they cannot drift; the system prompt's description of the tools is tested against it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sft.data_loader import Sample

TOOL_ARG = {"calculator": "expression", "python": "code"}
"""Each tool and the one argument it takes."""
DECISIONS = ("final", *TOOL_ARG)
"""What a reply can do: answer directly, or call one of the tools."""


def to_json(obj: Any) -> str:
    """Canonical one-line JSON, as in the seed's examples (``{"tool": "calculator", "args": {...}}``)."""
    return json.dumps(obj, ensure_ascii=False)


def target_object(sample: Sample) -> dict[str, Any]:
    """The JSON object the model should answer ``sample`` with."""
    if sample.tool is None:
        return {"final": sample.expected_answer}
    return {"tool": sample.tool, "args": dict(sample.tool_args or {})}


@dataclass(frozen=True)
class ParsedReply:
    """What a reply says, and the first way it falls short (``error`` is ``None`` when well-formed)."""

    valid_json: bool
    correct_format: bool
    decision: str | None = None
    args: dict[str, Any] | None = None
    final: str | None = None
    error: str | None = None


def parse_reply(text: str) -> ParsedReply:
    """Parse a completion (the text before the end-of-turn token)."""
    stripped = text.strip()
    decoder = json.JSONDecoder()
    try:
        obj, end = decoder.raw_decode(stripped)
    except json.JSONDecodeError:
        return ParsedReply(False, False, error="invalid_json")
    if stripped[end:].strip():
        return ParsedReply(False, False, error="trailing_text")
    if not isinstance(obj, dict):
        return ParsedReply(False, False, error="not_an_object")
    if "final" in obj:
        if set(obj) != {"final"}:
            return ParsedReply(True, False, error="extra_keys")
        if not isinstance(obj["final"], str):
            return ParsedReply(True, False, error="final_not_string")
        return ParsedReply(True, True, decision="final", final=obj["final"])
    if "tool" not in obj:
        return ParsedReply(True, False, error="missing_final_or_tool")
    tool = obj["tool"]
    if set(obj) != {"tool", "args"}:
        return ParsedReply(True, False, decision=_known(tool), error="wrong_tool_keys")
    if tool not in TOOL_ARG:
        return ParsedReply(True, False, error="unknown_tool")
    args = obj["args"]
    arg = TOOL_ARG[tool]
    if not isinstance(args, dict) or set(args) != {arg}:
        return ParsedReply(True, False, decision=tool, error="wrong_args_keys")
    if not isinstance(args[arg], str):
        return ParsedReply(True, False, decision=tool, error="arg_not_string")
    return ParsedReply(True, True, decision=tool, args=args)


def reply_json_schema() -> dict[str, Any]:
    """The three reply shapes as one JSON schema, for constrained decoding: exactly what :func:`parse_reply`
    accepts as well-formed (the shapes cannot overlap, so ``anyOf`` is exact), written the way the training targets
    are (keys in their order, ``": "`` and ``", "`` separators, no other whitespace)."""

    def closed(properties: dict[str, Any]) -> dict[str, Any]:
        return {
            "type": "object",
            "properties": properties,
            "required": list(properties),
            "additionalProperties": False,
        }

    shapes = [closed({"final": {"type": "string"}})]
    for tool, arg in TOOL_ARG.items():
        shapes.append(closed({"tool": {"const": tool}, "args": closed({arg: {"type": "string"}})}))
    return {
        "anyOf": shapes,
        "x-guidance": {"whitespace_flexible": False, "key_separator": ": ", "item_separator": ", "},
    }


def _known(tool: Any) -> str | None:
    return tool if tool in TOOL_ARG else None
