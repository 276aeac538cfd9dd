"""Turn a sample into a weighted training datum (``tinker.types.Datum``).

The instruction and the JSON target are tokenized separately with ``add_special_tokens=False`` and
concatenated, so the boundary between them is exact. Weights are 0 on the instruction and 1 on the JSON and
its end-of-turn token; with ``arg_weight`` != 1, the tokens of a tool call's ``args`` object (the expression or
the code, with its braces and key) carry that weight instead, so the loss leans on the part the model gets wrong
(the argument) rather than on the boilerplate it learns in a few steps. The language-modelling shift gives
``model_input = tokens[:-1]`` and ``target_tokens = tokens[1:]``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from tinker import types

from sft.data_loader import Sample
from sft.prompt_builder import render_instruction, render_target
from sft.renderers import CHATML, Renderer
from sft.reply_format import target_object, to_json

_ARGS_KEY = '"args": '


class SequenceTooLongError(ValueError):
    """A sample does not fit in ``max_length`` tokens; truncating would cut its target."""


@dataclass(frozen=True)
class TokenizedSample:
    """The concatenated tokens of one sample and their per-token loss weights (before the shift)."""

    tokens: list[int]
    weights: list[float]
    num_instruction_tokens: int


def tokenize_sample(
    sample: Sample, tokenizer: Any, renderer: Renderer = CHATML, arg_weight: float = 1.0
) -> TokenizedSample:
    """Tokenize instruction and target separately and concatenate them.

    Args:
        arg_weight: Loss weight of the target tokens that fall inside a tool call's ``args`` object (every other
            target token weighs 1). The tokens are those of the whole target, so they are exactly what the model
            writes; a token straddling the boundary counts as an argument token.

    Raises:
        ValueError: ``arg_weight`` is negative, or differs from 1 with a tokenizer that cannot report character
            offsets (a "fast" tokenizer is needed to map the argument's characters to tokens).
    """
    instruction = tokenizer.encode(render_instruction(sample.prompt, renderer=renderer), add_special_tokens=False)
    target_text = render_target(sample, renderer)
    if arg_weight == 1.0:
        target = list(tokenizer.encode(target_text, add_special_tokens=False))
        weights = [1.0] * len(target)
    else:
        target, weights = _argument_weighted(sample, tokenizer, target_text, arg_weight)
    return TokenizedSample(
        tokens=list(instruction) + target,
        weights=[0.0] * len(instruction) + weights,
        num_instruction_tokens=len(instruction),
    )


def _argument_weighted(sample: Sample, tokenizer: Any, text: str, arg_weight: float) -> tuple[list[int], list[float]]:
    """The target's tokens (one tokenizer call, with character offsets) and their weights under ``arg_weight``."""
    if arg_weight < 0:
        raise ValueError(f"arg_weight must be >= 0, got {arg_weight}")
    if not getattr(tokenizer, "is_fast", False):
        raise ValueError(
            f"arg_weight={arg_weight} needs a fast tokenizer (character offsets); {type(tokenizer).__name__} is not"
        )
    encoded = tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
    target = list(encoded["input_ids"])
    obj = target_object(sample)
    if "args" not in obj:
        return target, [1.0] * len(target)
    reply = to_json(obj)
    start = text.index(reply) + reply.index(_ARGS_KEY) + len(_ARGS_KEY)
    end = start + len(to_json(obj["args"]))
    weights = [arg_weight if lo < end and hi > start else 1.0 for lo, hi in encoded["offset_mapping"]]
    return target, weights


def build_datum(
    sample: Sample, tokenizer: Any, max_length: int, renderer: Renderer = CHATML, arg_weight: float = 1.0
) -> types.Datum:
    """The shifted, weighted datum for ``sample``.

    Raises:
        SequenceTooLongError: when instruction + target exceed ``max_length`` tokens. The target is never
            cut silently: a cut target would teach the model to stop mid-JSON.
    """
    tok = tokenize_sample(sample, tokenizer, renderer, arg_weight)
    if len(tok.tokens) > max_length:
        raise SequenceTooLongError(
            f"sample {sample.id!r}: {len(tok.tokens)} tokens ({tok.num_instruction_tokens} instruction + "
            f"{len(tok.tokens) - tok.num_instruction_tokens} target) exceed max_length={max_length}"
        )
    return types.Datum(
        model_input=types.ModelInput.from_ints(tok.tokens[:-1]),
        loss_fn_inputs={
            "target_tokens": np.asarray(tok.tokens[1:], dtype=np.int64),
            "weights": np.asarray(tok.weights[1:], dtype=np.float32),
        },
    )


def build_datums(
    samples: Sequence[Sample], tokenizer: Any, max_length: int, renderer: Renderer = CHATML, arg_weight: float = 1.0
) -> tuple[list[types.Datum], list[SequenceTooLongError]]:
    """Datums for every sample that fits, and the errors of those that do not (the caller reports them)."""
    datums: list[types.Datum] = []
    skipped: list[SequenceTooLongError] = []
    for sample in samples:
        try:
            datums.append(build_datum(sample, tokenizer, max_length, renderer, arg_weight))
        except SequenceTooLongError as exc:
            skipped.append(exc)
    return datums, skipped


def build_generation_prompt(prompt: str, tokenizer: Any, renderer: Renderer = CHATML) -> types.ModelInput:
    """The tokens a sampler continues to produce the model's JSON answer to ``prompt``."""
    text = render_instruction(prompt, renderer=renderer)
    return types.ModelInput.from_ints(tokenizer.encode(text, add_special_tokens=False))


def datum_weight(datum: types.Datum) -> float:
    """Sum of the datum's loss weights: the number of target tokens it trains on when every weight is 1."""
    return float(datum.loss_fn_inputs["weights"].to_numpy().sum())


def datum_target_tokens(datum: types.Datum) -> int:
    """How many of the datum's positions carry a loss weight (whatever the weight)."""
    return int((datum.loss_fn_inputs["weights"].to_numpy() != 0).sum())
