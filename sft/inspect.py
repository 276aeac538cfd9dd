"""Show samples as the trainer sees them: every token with its loss weight, and the prompt the model is served.

Usage::

    python -m sft.inspect                                  # one sample of each category
    python -m sft.inspect --index 0 42 --tokens            # dataset records 0 and 42, with a token table
    python -m sft.inspect --category python_exec --n 3     # the first three python samples
    python -m sft.inspect --id calc_0_0 --json             # machine-readable: tokens, weights, counts

Each sample is built exactly as ``sft.train`` builds it (``sft.datum_builder.build_datum``: instruction and JSON
target tokenized apart, weights 0 on the instruction and 1 on the JSON and its end-of-turn token, then the shift;
``--arg_weight W`` weighs a tool call's args tokens W, as ``sft.train --arg_weight W`` does). A token's weight is
the weight it gets as a target. In a terminal, weighted tokens are green and unweighted ones grey; when the output
is piped, weighted runs are wrapped in ``[[...]]`` instead. The counts say how many tokens are weighted and how many
not, and the generation prompt is what sampling starts from (``build_generation_prompt``); it must be the training
instruction, token for token.

(Run it as ``python -m sft.inspect``: this module's name does not shadow the standard ``inspect`` module, which
the package never imports relatively.)
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sft.config import DATA_PATH, MAX_LENGTH, ConfigError, TrainConfig
from sft.data_loader import CATEGORIES, Sample, load_dataset
from sft.datum_builder import SequenceTooLongError, build_datum, build_generation_prompt
from sft.errors import reports_user_errors
from sft.prompt_builder import SYSTEM_PROMPT, render_instruction
from sft.renderers import Renderer, select_renderer
from sft.utils import quiet_libraries

GREEN, GREY, BOLD, RESET = "\033[42;30m", "\033[2m", "\033[1m", "\033[0m"
OPEN, CLOSE = "[[", "]]"


@dataclass(frozen=True)
class InspectedSample:
    """One sample as trained on: the tokens (before the shift) and the weight each gets as a target."""

    sample: Sample
    token_ids: list[int]
    pieces: list[str]
    weights: list[float | None]
    """``None`` for the first token, which is never a target."""
    generation_prompt: str
    generation_prompt_ids: list[int]
    error: str | None = None

    @property
    def weighted(self) -> int:
        return sum(1 for w in self.weights if w)

    @property
    def unweighted(self) -> int:
        return sum(1 for w in self.weights if not w)

    @property
    def prompt_matches(self) -> bool:
        """Whether sampling starts from exactly the tokens the instruction was trained as."""
        n = len(self.generation_prompt_ids)
        return self.token_ids[:n] == self.generation_prompt_ids and all(not w for w in self.weights[:n])

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.sample.id,
            "category": self.sample.category,
            "tokens": [{"id": t, "text": p, "weight": w} for t, p, w in zip(self.token_ids, self.pieces, self.weights)],
            "weighted_tokens": self.weighted,
            "unweighted_tokens": self.unweighted,
            "weighted_text": "".join(p for p, w in zip(self.pieces, self.weights) if w),
            "generation_prompt": self.generation_prompt,
            "generation_prompt_tokens": len(self.generation_prompt_ids),
            "generation_prompt_matches_training": self.prompt_matches,
            "error": self.error,
        }


def inspect_sample(
    sample: Sample, tokenizer: Any, renderer: Renderer, max_length: int = MAX_LENGTH, arg_weight: float = 1.0
) -> InspectedSample:
    """Build ``sample``'s datum as the trainer does (with the run's ``arg_weight``) and pair each token with its
    target weight."""
    generation_prompt = render_instruction(sample.prompt, renderer=renderer)
    prompt_ids = build_generation_prompt(sample.prompt, tokenizer, renderer).to_ints()
    error = None
    try:
        datum = build_datum(sample, tokenizer, max_length, renderer, arg_weight)
    except SequenceTooLongError as exc:
        error = f"skipped by the trainer: {exc}"
        datum = build_datum(sample, tokenizer, 1 << 30, renderer, arg_weight)
    inputs = datum.model_input.to_ints()
    targets = datum.loss_fn_inputs["target_tokens"].to_numpy().tolist()
    weights = datum.loss_fn_inputs["weights"].to_numpy().tolist()
    token_ids = [inputs[0], *targets]
    pieces = [tokenizer.decode([t], skip_special_tokens=False) for t in token_ids]
    return InspectedSample(
        sample, token_ids, pieces, [None, *[float(w) for w in weights]], generation_prompt, prompt_ids, error
    )


def _visible(text: str) -> str:
    """Whitespace a reader can see at token boundaries (a newline still breaks the line)."""
    return text.replace("\n", "\u21b5\n").replace("\t", "\u2192")


def render_text(item: InspectedSample, colour: bool) -> str:
    """The sample's text, token by token: coloured by weight, or with weighted runs wrapped in ``[[...]]``."""
    out: list[str] = []
    inside = False
    for k, (piece, weight) in enumerate(zip(item.pieces, item.weights)):
        text = _visible(piece)
        if colour:
            # Alternate shades so token boundaries show.
            style = GREEN if weight else GREY
            out.append(f"{style}{BOLD if k % 2 else ''}{text}{RESET}")
            continue
        if weight and not inside:
            out.append(OPEN)
            inside = True
        elif not weight and inside:
            out.append(CLOSE)
            inside = False
        out.append(text)
    if inside:
        out.append(CLOSE)
    return "".join(out)


def render_table(item: InspectedSample) -> str:
    lines = [f"{'pos':>5} {'token id':>8} {'weight':>6}  text"]
    for k, (t, piece, w) in enumerate(zip(item.token_ids, item.pieces, item.weights)):
        lines.append(f"{k:>5} {t:>8} {'-' if w is None else f'{w:g}':>6}  {piece!r}")
    return "\n".join(lines)


def render(item: InspectedSample, colour: bool, tokens: bool = False) -> str:
    s = item.sample
    rule = "=" * 100
    parts = [
        rule,
        f"sample {s.id}  category {s.category}  source {s.source}",
        f"tokens: {len(item.token_ids)} ({item.weighted} weighted = trained on, {item.unweighted} unweighted; the "
        "first token is never a target)",
    ]
    if item.error:
        parts.append(f"NOTE: {item.error}")
    legend = "green = weight 1, grey = weight 0" if colour else f"{OPEN}weight 1{CLOSE}, the rest weight 0"
    parts += [f"-- as trained ({legend}):", render_text(item, colour)]
    if tokens:
        parts += ["-- tokens:", render_table(item)]
    same = "the same tokens as the training instruction" if item.prompt_matches else "DIFFERS from the training text"
    parts += [
        f"-- generation prompt ({len(item.generation_prompt_ids)} tokens, {same}):",
        _visible(item.generation_prompt),
    ]
    return "\n".join(parts)


def select(
    samples: Sequence[Sample],
    indices: Sequence[int] = (),
    ids: Sequence[str] = (),
    category: str | None = None,
    n: int = 1,
) -> list[Sample]:
    """The samples asked for: by dataset index or id, else the first ``n`` of ``category``, else ``n`` of each.

    Raises:
        ConfigError: An index is out of range, or an id is not in the dataset.
    """
    if indices or ids:
        chosen = []
        for i in indices:
            if not -len(samples) <= i < len(samples):
                raise ConfigError(f"--index {i}: the dataset has {len(samples)} samples (0..{len(samples) - 1})")
            chosen.append(samples[i])
        by_id = {s.id: s for s in samples}
        for sample_id in ids:
            if sample_id not in by_id:
                raise ConfigError(f"--id {sample_id!r}: no such sample")
            chosen.append(by_id[sample_id])
        return chosen
    categories = [category] if category else list(CATEGORIES)
    return [s for c in categories for s in [s for s in samples if s.category == c][:n]]


@reports_user_errors
def main(argv: Sequence[str] | None = None) -> int:
    quiet_libraries()
    parser = argparse.ArgumentParser(prog="python -m sft.inspect", description=__doc__.split("\n\n")[0])
    parser.add_argument("--data_path", default=DATA_PATH)
    parser.add_argument("--index", type=int, nargs="+", default=[], help="dataset record indices")
    parser.add_argument("--id", nargs="+", default=[], help="sample ids")
    parser.add_argument("--category", choices=list(CATEGORIES), default=None)
    parser.add_argument("--n", type=int, default=1, help="samples per category (default 1)")
    parser.add_argument("--base_model", default=None, help="model whose tokenizer to use (default: the local one)")
    parser.add_argument("--renderer", default="auto", help="prompt format (default: from the model)")
    parser.add_argument("--max_length", type=int, default=MAX_LENGTH)
    parser.add_argument(
        "--arg_weight", type=float, default=1.0, help="loss weight of a tool call's args tokens, as sft.train's"
    )
    parser.add_argument("--tokens", action="store_true", help="also print one line per token")
    parser.add_argument("--json", action="store_true", help="print one JSON object per sample")
    parser.add_argument("--color", choices=["auto", "always", "never"], default="auto")
    args = parser.parse_args(argv)
    TrainConfig(backend="local", arg_weight=args.arg_weight).validate()  # a bad value: a ConfigError naming it

    from sft.engines.models import load_tokenizer

    base_model = args.base_model or TrainConfig(backend="local").resolved_base_model()
    samples = load_dataset(args.data_path)
    chosen = select(samples, args.index, args.id, args.category, args.n)
    tokenizer = load_tokenizer(base_model)
    renderer = select_renderer(base_model, tokenizer, SYSTEM_PROMPT, requested=args.renderer).renderer
    colour = args.color == "always" or (args.color == "auto" and sys.stdout.isatty() and not os.environ.get("NO_COLOR"))
    items = [inspect_sample(s, tokenizer, renderer, args.max_length, args.arg_weight) for s in chosen]
    for item in items:
        print(json.dumps(item.to_dict(), ensure_ascii=False) if args.json else render(item, colour, args.tokens))
    if not args.json:
        weighted, unweighted = sum(i.weighted for i in items), sum(i.unweighted for i in items)
        print(f"{'=' * 100}\n{len(items)} samples: {weighted} weighted tokens, {unweighted} unweighted ({base_model})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
