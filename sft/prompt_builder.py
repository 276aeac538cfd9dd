"""ChatML prompts and the JSON targets the model learns to write.

The system message states the two tools, their arguments and the JSON-only rule. Training, validation,
evaluation and the chat loop all build prompts here, so the model is always served the prompt it was trained on.
"""

from __future__ import annotations

import json
from typing import Any

from sft.data_loader import Sample

IM_START = "<|im_start|>"
END_OF_TURN = "<|im_end|>"

SYSTEM_PROMPT = """\
You are a helpful assistant that can use two tools. Reply with exactly one JSON object and nothing else.
Tools:
- calculator: evaluates an arithmetic expression. Args: {"expression": "<arithmetic expression>"}
- python: runs Python code and returns what it prints. Args: {"code": "<python code that prints the answer>"}
Reply formats:
- To compute arithmetic: {"tool": "calculator", "args": {"expression": "..."}}
- To run code for tasks that need it: {"tool": "python", "args": {"code": "..."}}
- To answer directly: {"final": "..."}"""


def build_messages(prompt: str, system_prompt: str = SYSTEM_PROMPT) -> list[dict[str, str]]:
    """The conversation for one user prompt, as role/content messages."""
    return [{"role": "system", "content": system_prompt}, {"role": "user", "content": prompt}]


def render_instruction(prompt: str, system_prompt: str = SYSTEM_PROMPT) -> str:
    """ChatML text up to and including the assistant header: what the model is conditioned on."""
    parts = [f"{IM_START}{m['role']}\n{m['content']}{END_OF_TURN}\n" for m in build_messages(prompt, system_prompt)]
    return "".join(parts) + f"{IM_START}assistant\n"


def to_json(obj: Any) -> str:
    """Canonical one-line JSON, as in the seed's examples (``{"tool": "calculator", "args": {...}}``)."""
    return json.dumps(obj, ensure_ascii=False)


def target_object(sample: Sample) -> dict[str, Any]:
    """The JSON object the model should answer ``sample`` with."""
    if sample.tool is None:
        return {"final": sample.expected_answer}
    return {"tool": sample.tool, "args": dict(sample.tool_args or {})}


def render_target(sample: Sample) -> str:
    """The assistant turn the model learns: the JSON object followed by the end-of-turn token."""
    return to_json(target_object(sample)) + END_OF_TURN
