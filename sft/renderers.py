"""Model-aware prompt renderers: the exact text each model family was built to read.

Training, validation, evaluation and chat render every prompt here, so a model is always trained and served with
the same text, and that text is what the model's own chat template produces. Three families are supported:

=================  ==========================================================  ==================================
renderer           models                                                      after the assistant header
=================  ==========================================================  ==================================
``chatml``         Qwen3 ``*-Instruct-2507``, Qwen2.5 Instruct, SmolLM2         nothing
                   (the bundled local model)
``qwen3``          Qwen3 hybrid thinking models (``Qwen/Qwen3-8B``, ...),       ``<think>\\n\\n</think>\\n\\n``
                   non-thinking mode
``qwen3_5``        Qwen3.5 / 3.6 / later hybrid models (``Qwen/Qwen3.5-4B``,    ``<think>\\n\\n</think>\\n\\n``
                   ...), non-thinking mode; message text is trimmed
=================  ==========================================================  ==================================

The empty think block is part of the instruction (weight 0): it is how these templates switch thinking off
(``enable_thinking=False``), so the model answers at once instead of reasoning into the token limit.

:func:`select_renderer` picks the renderer from the base model's name and checks it against the tokenizer's own
chat template: it renders a system + user (+ assistant) conversation both ways and compares the tokens. A name it
does not know is matched by the template alone; a model whose template matches no supported renderer (Llama,
DeepSeek, gpt-oss, thinking-only models, ...) is refused with a message that says why and what to use instead.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sft.errors import UserError

logger = logging.getLogger(__name__)

IM_START = "<|im_start|>"
IM_END = "<|im_end|>"
EMPTY_THINK_BLOCK = "<think>\n\n</think>\n\n"

# The conversation the template check renders. The trailing space in the user prompt tells a template that trims
# message text (Qwen3.5) from one that keeps it (ChatML, Qwen3).
PROBE_USER = "What is 17 * 23? "
PROBE_REPLY = '{"tool": "calculator", "args": {"expression": "17 * 23"}}'


class RendererError(UserError, ValueError):
    """No supported renderer fits the model, or the chosen one disagrees with the model's chat template."""


@dataclass(frozen=True)
class Renderer:
    """How one model family's chat template lays out a system + user prompt and the assistant's reply.

    Attributes:
        name: Short name (``--renderer`` accepts it).
        description: Which models it is for, for messages.
        assistant_prefix: Text the template puts right after the assistant header (an empty think block for
            hybrid thinking models in non-thinking mode).
        strip_content: Whether the template trims whitespace around each message's text.
        end_of_turn: The token that ends every turn; generation stops there.
        template_kwargs: Extra variables the chat template needs to render this mode (``enable_thinking``).
    """

    name: str
    description: str
    assistant_prefix: str = ""
    strip_content: bool = False
    end_of_turn: str = IM_END
    template_kwargs: tuple[tuple[str, Any], ...] = ()

    def _text(self, content: str) -> str:
        return content.strip() if self.strip_content else content

    def render_instruction(self, prompt: str, system_prompt: str) -> str:
        """The text up to and including the assistant header: what the model is conditioned on (weight 0)."""
        return (
            f"{IM_START}system\n{self._text(system_prompt)}{IM_END}\n"
            f"{IM_START}user\n{self._text(prompt)}{IM_END}\n"
            f"{IM_START}assistant\n{self.assistant_prefix}"
        )

    def render_reply(self, reply: str) -> str:
        """The assistant turn the model learns (weight 1): the reply followed by the end-of-turn token."""
        return self._text(reply) + self.end_of_turn

    def stop_token_ids(self, tokenizer: Any) -> list[int]:
        """The end-of-turn token id; sampling stops there.

        Raises:
            RendererError: The tokenizer has no such token.
        """
        token_id = tokenizer.convert_tokens_to_ids(self.end_of_turn)
        if token_id is None or token_id == tokenizer.unk_token_id:
            raise RendererError(f"the tokenizer has no {self.end_of_turn} token, which the {self.name} format needs")
        return [int(token_id)]

    def template_arguments(self) -> dict[str, Any]:
        return dict(self.template_kwargs)


CHATML = Renderer("chatml", "ChatML (Qwen3 Instruct-2507, Qwen2.5 Instruct, SmolLM2)")
QWEN3 = Renderer(
    "qwen3",
    "Qwen3 hybrid thinking models, non-thinking mode",
    assistant_prefix=EMPTY_THINK_BLOCK,
    template_kwargs=(("enable_thinking", False),),
)
QWEN3_5 = Renderer(
    "qwen3_5",
    "Qwen3.5 and later hybrid thinking models, non-thinking mode",
    assistant_prefix=EMPTY_THINK_BLOCK,
    strip_content=True,
    template_kwargs=(("enable_thinking", False),),
)
RENDERERS: dict[str, Renderer] = {r.name: r for r in (CHATML, QWEN3, QWEN3_5)}

# Model names -> renderer, first match wins; matched against the name without its organisation, lower-cased.
_NAME_RULES: tuple[tuple[str, str | None, str], ...] = (
    # (pattern, renderer or None to refuse, why)
    (r"^qwen3(\.\d+)?-.*thinking", None, "a thinking-only model: it always reasons before it answers"),
    (r"^qwen3\.([5-9]|\d{2,})(-|$)", "qwen3_5", "Qwen3.5 and later hybrid models"),
    (r"^qwen3-vl-.*-instruct", "chatml", "Qwen3-VL Instruct"),
    (r"^qwen3-.*instruct", "chatml", "Qwen3 Instruct models"),
    (r"^qwen3-\d+(\.\d+)?b(-a\d+(\.\d+)?b)?$", "qwen3", "Qwen3 hybrid thinking models"),
    (r"^qwen2\.5-.*instruct", "chatml", "Qwen2.5 Instruct models"),
    (r"^smollm2-.*instruct", "chatml", "SmolLM2 Instruct models"),
)
# Families recognised by name that no renderer here supports; named in the refusal.
_UNSUPPORTED_FAMILIES: tuple[tuple[str, str], ...] = (
    (r"llama", "Llama"),
    (r"deepseek", "DeepSeek"),
    (r"gpt-oss", "gpt-oss"),
    (r"kimi", "Kimi"),
    (r"nemotron", "Nemotron"),
    (r"glm", "GLM"),
    (r"gemma", "Gemma"),
    (r"mistral|mixtral", "Mistral"),
)


@dataclass(frozen=True)
class RendererChoice:
    """The renderer a run uses and how it was chosen.

    Attributes:
        renderer: The renderer.
        how: ``"name"`` (the model's name), ``"template"`` (the tokenizer's chat template), or ``"forced"``
            (``--renderer``).
        checked: Whether the tokens were compared with the tokenizer's own chat template, and matched.
        note: A sentence for the log.
    """

    renderer: Renderer
    how: str
    checked: bool
    note: str


def renderer_for_name(base_model: str) -> tuple[Renderer | None, str | None]:
    """The renderer the model's name calls for, or ``(None, why)`` when the name says it is unsupported,
    or ``(None, None)`` when the name says nothing."""
    short = _short_name(base_model)
    for pattern, renderer_name, why in _NAME_RULES:
        if re.search(pattern, short):
            return (RENDERERS[renderer_name], None) if renderer_name else (None, why)
    for pattern, family in _UNSUPPORTED_FAMILIES:
        if re.search(pattern, short):
            return None, f"a {family} model, whose chat format this project does not render"
    return None, None


def _short_name(base_model: str) -> str:
    name = base_model.strip().rstrip("/")
    name = name.split(":", 1)[1] if name.startswith("bundled:") else name
    return name.rsplit("/", 1)[-1].lower()


def get_renderer(name: str) -> Renderer:
    """The renderer called ``name``.

    Raises:
        RendererError: No such renderer.
    """
    try:
        return RENDERERS[name]
    except KeyError:
        raise RendererError(f"unknown renderer {name!r}; choose one of: {', '.join(RENDERERS)}") from None


@dataclass(frozen=True)
class TemplateComparison:
    """How a renderer's tokens compare with the tokenizer's own chat template on the probe conversation."""

    matches: bool
    detail: str


def compare_with_template(renderer: Renderer, tokenizer: Any, system_prompt: str) -> TemplateComparison | None:
    """Render the probe conversation with ``renderer`` and with the tokenizer's chat template, and compare.

    Two renderings are compared: system + user with the generation prompt must give exactly the instruction's
    tokens; system + user + assistant must be the instruction followed by the reply and its end-of-turn token, then
    nothing but whitespace. (Training tokenizes instruction and reply separately, as a sampler sees them: the prompt
    alone, then the reply it generates; so the reply is compared as text after the prompt, where a joint
    tokenization could merge characters across the boundary.)

    Returns:
        The comparison, or ``None`` when the tokenizer has no chat template (or it cannot render this).
    """
    if not getattr(tokenizer, "chat_template", None):
        return None
    messages = [{"role": "system", "content": system_prompt}, {"role": "user", "content": PROBE_USER}]
    kwargs = renderer.template_arguments()
    try:
        template_prompt = tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True, **kwargs)
        template_full = tokenizer.apply_chat_template(
            [*messages, {"role": "assistant", "content": PROBE_REPLY}], tokenize=False, **kwargs
        )
    except Exception as exc:  # a template that needs other variables or roles: cannot compare
        logger.debug("chat template cannot render the probe: %s", exc)
        return None
    instruction_text = renderer.render_instruction(PROBE_USER, system_prompt)
    instruction, expected_prompt = _encode(tokenizer, instruction_text), _encode(tokenizer, template_prompt)
    if instruction != expected_prompt:
        return TemplateComparison(False, _token_difference(tokenizer, expected_prompt, instruction))
    ours = instruction_text + renderer.render_reply(PROBE_REPLY)
    if not template_full.startswith(ours) or template_full[len(ours) :].strip():
        return TemplateComparison(False, _text_difference(template_full, ours))
    return TemplateComparison(True, "same tokens as the tokenizer's chat template")


def _encode(tokenizer: Any, text: str) -> list[int]:
    return list(tokenizer.encode(text, add_special_tokens=False))


def _token_difference(tokenizer: Any, template: Sequence[int], ours: Sequence[int]) -> str:
    i = next((k for k, (a, b) in enumerate(zip(template, ours)) if a != b), min(len(template), len(ours)))
    start = max(0, i - 8)
    return (
        f"the prompt differs from the chat template's at token {i}: template "
        f"{tokenizer.decode(template[start : i + 8])!r} vs ours {tokenizer.decode(ours[start : i + 8])!r}"
    )


def _text_difference(template: str, ours: str) -> str:
    i = next((k for k, (a, b) in enumerate(zip(template, ours)) if a != b), min(len(template), len(ours)))
    start = max(0, i - 30)
    return (
        f"the prompt + reply differs from the chat template's at character {i}: template "
        f"{template[start : i + 30]!r} vs ours {ours[start : i + 30]!r}"
    )


def select_renderer(
    base_model: str, tokenizer: Any, system_prompt: str, requested: str = "auto", offered: Sequence[str] = ()
) -> RendererChoice:
    """Choose the renderer for ``base_model`` and check it against the tokenizer's chat template.

    Args:
        base_model: The model's name (``Qwen/Qwen3.5-4B``, a local directory, ``bundled:...``).
        tokenizer: The model's tokenizer.
        system_prompt: The system prompt the project uses (part of the comparison).
        requested: ``"auto"``, or a renderer name to force (then a mismatch is only a warning).
        offered: Models the service offers, to suggest supported ones in a refusal.

    Raises:
        RendererError: No supported renderer fits, or the one the name calls for disagrees with the template.
    """
    if requested != "auto":
        renderer = get_renderer(requested)
        comparison = compare_with_template(renderer, tokenizer, system_prompt)
        if comparison is not None and not comparison.matches:
            logger.warning("renderer %s forced for %s although %s", renderer.name, base_model, comparison.detail)
        checked = comparison is not None and comparison.matches
        return RendererChoice(renderer, "forced", checked, f"renderer {renderer.name} (forced with --renderer)")

    by_name, refusal = renderer_for_name(base_model)
    if by_name is not None:
        comparison = compare_with_template(by_name, tokenizer, system_prompt)
        if comparison is None:
            logger.warning(
                "%s: the tokenizer has no usable chat template, so the %s renderer (chosen by name) is unchecked",
                base_model,
                by_name.name,
            )
            return RendererChoice(by_name, "name", False, f"renderer {by_name.name} (by name, unchecked)")
        if not comparison.matches:
            raise RendererError(
                f"{base_model}: the {by_name.name} renderer ({by_name.description}) that its name calls for does not "
                f"reproduce its tokenizer's chat template: {comparison.detail}. Training on a prompt layout the "
                "model was not built for would teach it the wrong format. If you are sure, force a renderer with "
                f"--renderer {{{','.join(RENDERERS)}}}."
            )
        return RendererChoice(by_name, "name", True, f"renderer {by_name.name} (by name; {comparison.detail})")

    # The name says nothing (a local directory, a fine-tune) or names an unsupported family: the template decides.
    matches = []
    for renderer in RENDERERS.values():
        comparison = compare_with_template(renderer, tokenizer, system_prompt)
        if comparison is not None and comparison.matches:
            matches.append(renderer)
    if len(matches) == 1:
        renderer = matches[0]
        return RendererChoice(renderer, "template", True, f"renderer {renderer.name} (matches the chat template)")
    reason = refusal or (
        "its tokenizer has no chat template"
        if not getattr(tokenizer, "chat_template", None)
        else "its chat template matches none of the supported formats"
    )
    supported = [m for m in offered if renderer_for_name(m)[0] is not None]
    suggestion = f" Offered models this project supports: {', '.join(sorted(supported))}." if supported else ""
    raise RendererError(
        f"{base_model} is not supported: {reason}. Supported formats: "
        + "; ".join(f"{r.name} ({r.description})" for r in RENDERERS.values())
        + f".{suggestion} Pick one with --base_model, or force a format with --renderer if you know it fits."
    )
