"""Turn a sample into a weighted training datum (``tinker.types.Datum``).

The instruction and the JSON target are tokenized separately with ``add_special_tokens=False`` and
concatenated, so the boundary between them is exact. Weights are 0 on the instruction and 1 on the JSON and
its end-of-turn token. The language-modelling shift gives ``model_input = tokens[:-1]`` and
``target_tokens = tokens[1:]``.
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


class SequenceTooLongError(ValueError):
    """A sample does not fit in ``max_length`` tokens; truncating would cut its target."""


@dataclass(frozen=True)
class TokenizedSample:
    """The concatenated tokens of one sample and their per-token loss weights (before the shift)."""

    tokens: list[int]
    weights: list[float]
    num_instruction_tokens: int


def tokenize_sample(sample: Sample, tokenizer: Any, renderer: Renderer = CHATML) -> TokenizedSample:
    """Tokenize instruction and target separately and concatenate them."""
    instruction = tokenizer.encode(render_instruction(sample.prompt, renderer=renderer), add_special_tokens=False)
    target = tokenizer.encode(render_target(sample, renderer), add_special_tokens=False)
    return TokenizedSample(
        tokens=list(instruction) + list(target),
        weights=[0.0] * len(instruction) + [1.0] * len(target),
        num_instruction_tokens=len(instruction),
    )


def build_datum(sample: Sample, tokenizer: Any, max_length: int, renderer: Renderer = CHATML) -> types.Datum:
    """The shifted, weighted datum for ``sample``.

    Raises:
        SequenceTooLongError: when instruction + target exceed ``max_length`` tokens. The target is never
            cut silently: a cut target would teach the model to stop mid-JSON.
    """
    tok = tokenize_sample(sample, tokenizer, renderer)
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
    samples: Sequence[Sample], tokenizer: Any, max_length: int, renderer: Renderer = CHATML
) -> tuple[list[types.Datum], list[SequenceTooLongError]]:
    """Datums for every sample that fits, and the errors of those that do not (the caller reports them)."""
    datums: list[types.Datum] = []
    skipped: list[SequenceTooLongError] = []
    for sample in samples:
        try:
            datums.append(build_datum(sample, tokenizer, max_length, renderer))
        except SequenceTooLongError as exc:
            skipped.append(exc)
    return datums, skipped


def build_generation_prompt(prompt: str, tokenizer: Any, renderer: Renderer = CHATML) -> types.ModelInput:
    """The tokens a sampler continues to produce the model's JSON answer to ``prompt``."""
    text = render_instruction(prompt, renderer=renderer)
    return types.ModelInput.from_ints(tokenizer.encode(text, add_special_tokens=False))


def datum_weight(datum: types.Datum) -> float:
    """Sum of the datum's loss weights: the number of target tokens it trains on."""
    return float(datum.loss_fn_inputs["weights"].to_numpy().sum())
