"""Prompts and the JSON targets the model learns to write.

The system message states the two tools, their arguments and the JSON-only rule. Training, validation,
evaluation and the chat loop all build prompts here, so the model is always served the prompt it was trained on.
The layout around the messages is the model family's own (``sft.renderers``); the default is ChatML, the format of
the bundled model and of Qwen3 Instruct-2507.
"""

from __future__ import annotations

from sft.data_loader import Sample
from sft.renderers import CHATML, IM_END, IM_START, Renderer
from sft.reply_format import target_object, to_json

END_OF_TURN = IM_END
__all__ = ["END_OF_TURN", "IM_START", "SYSTEM_PROMPT", "build_messages", "render_instruction", "render_target"]

# Short on purpose: it is part of every training row, and its length is most of a row's compute.
SYSTEM_PROMPT = """\
You can call two tools. Reply with exactly one JSON object and nothing else.
- calculator, for arithmetic: {"tool": "calculator", "args": {"expression": "<expression>"}}
- python, for tasks that need running code: {"tool": "python", "args": {"code": "<code that prints the answer>"}}
- otherwise answer directly: {"final": "<answer>"}"""


def build_messages(prompt: str, system_prompt: str = SYSTEM_PROMPT) -> list[dict[str, str]]:
    """The conversation for one user prompt, as role/content messages."""
    return [{"role": "system", "content": system_prompt}, {"role": "user", "content": prompt}]


def render_instruction(prompt: str, system_prompt: str = SYSTEM_PROMPT, renderer: Renderer = CHATML) -> str:
    """The text up to and including the assistant header (and, for hybrid thinking models, the empty think
    block): what the model is conditioned on."""
    return renderer.render_instruction(prompt, system_prompt)


def render_target(sample: Sample, renderer: Renderer = CHATML) -> str:
    """The assistant turn the model learns: the JSON object followed by the end-of-turn token."""
    return renderer.render_reply(to_json(target_object(sample)))
