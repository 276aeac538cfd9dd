"""Generating replies and scoring them: what training-time validation, ``sft.evaluate``, ``sft.chat``,
``sft.serve`` and ``sft.export --check`` share.

Greedy decoding up to the model's end-of-turn token, all requests submitted before any is awaited (so an engine
can batch them), then each reply scored by :mod:`sft.metrics`, with the predicted tool calls run by the
project's tools when asked.
"""

from __future__ import annotations

import concurrent.futures
import json
from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from tinker import types

from sft.data_loader import Sample
from sft.datum_builder import build_generation_prompt
from sft.metrics import Report, SampleScore, score_sample, summarize
from sft.renderers import CHATML, Renderer

if TYPE_CHECKING:
    from sft.checkpoints import ResolvedCheckpoint


TOOL_WORKERS = 4
"""Tool calls scored at once (each python call runs in its own sandboxed process)."""


def stop_token_ids(tokenizer: Any, renderer: Renderer = CHATML) -> list[int]:
    """The end-of-turn token that ends every assistant reply."""
    return renderer.stop_token_ids(tokenizer)


def greedy_params(max_new_tokens: int, stops: Sequence[int]) -> types.SamplingParams:
    """Greedy decoding: temperature 0 and top_k 1, so no service can turn it into sampling (``temperature=0``
    alone was once read as 1.0 by Tinker)."""
    return types.SamplingParams(max_tokens=max_new_tokens, temperature=0.0, top_k=1, stop=list(stops))


def decode_completion(tokens: Sequence[int], tokenizer: Any, stop_ids: Sequence[int]) -> str:
    """The reply text before the end-of-turn token."""
    tokens = list(tokens)
    for i, t in enumerate(tokens):
        if t in stop_ids:
            tokens = tokens[:i]
            break
    return tokenizer.decode(tokens, skip_special_tokens=False)


async def sample_tokens(
    sampling_client: Any, tokenizer: Any, prompts: Sequence[str], max_new_tokens: int, renderer: Renderer = CHATML
) -> list[list[int]]:
    """The tokens of greedy completions for ``prompts`` in the model's prompt format, stop token included; all
    requests are submitted before any is awaited."""
    params = greedy_params(max_new_tokens, stop_token_ids(tokenizer, renderer))
    futures = [sampling_client.sample(build_generation_prompt(p, tokenizer, renderer), 1, params) for p in prompts]
    return [list((await future).sequences[0].tokens) for future in futures]


def as_replies(
    token_lists: Sequence[Sequence[int]], tokenizer: Any, renderer: Renderer = CHATML
) -> list[tuple[str, int]]:
    """Each completion's reply text with the number of tokens generated."""
    stops = stop_token_ids(tokenizer, renderer)
    return [(decode_completion(tokens, tokenizer, stops), len(tokens)) for tokens in token_lists]


async def sample_replies(
    sampling_client: Any, tokenizer: Any, prompts: Sequence[str], max_new_tokens: int, renderer: Renderer = CHATML
) -> list[tuple[str, int]]:
    """Greedy completions for ``prompts`` in the model's prompt format, each with the number of tokens generated;
    all requests are submitted before any is awaited."""
    tokens = await sample_tokens(sampling_client, tokenizer, prompts, max_new_tokens, renderer)
    return as_replies(tokens, tokenizer, renderer)


async def constrained_replies(
    constrained: Any,
    tokenizer: Any,
    prompts: Sequence[str],
    free_tokens: Sequence[list[int]],
    max_new_tokens: int,
    renderer: Renderer = CHATML,
) -> tuple[list[list[int]], list[int]]:
    """Greedy completions of ``constrained`` (a client from :func:`constrained_client`) for ``prompts``, given
    ``free_tokens``, the same model's greedy completions without the constraint (same ``max_new_tokens``): a free
    reply every token of which the schema allows is what constrained greedy decoding writes too
    (``LocalSamplingClient.keeps``), so only the others are decoded again. Returns the completions and the
    indices of the prompts decoded again."""
    stops = stop_token_ids(tokenizer, renderer)
    redo = [i for i, tokens in enumerate(free_tokens) if not constrained.keeps(tokens, stops)]
    fresh = await sample_tokens(constrained, tokenizer, [prompts[i] for i in redo], max_new_tokens, renderer)
    completions = list(free_tokens)
    for i, tokens in zip(redo, fresh):
        completions[i] = tokens
    return completions, redo


async def generate_completions(
    sampling_client: Any, tokenizer: Any, prompts: Sequence[str], max_new_tokens: int, renderer: Renderer = CHATML
) -> list[str]:
    """Greedy completions for ``prompts`` (see :func:`sample_replies`)."""
    return [text for text, _ in await sample_replies(sampling_client, tokenizer, prompts, max_new_tokens, renderer)]


def tool_functions() -> tuple[Any, Any]:
    """The project's tool runner and answer matcher, as the metrics module expects them."""
    from sft.tools import answers_match, run_tool

    def run(name: str, args: dict[str, Any]) -> tuple[bool, str]:
        result = run_tool(name, args)
        return result.ok, result.output if result.ok else (result.error or "")

    return run, answers_match


def _outcome(text: str, run: Any) -> tuple[str, ...] | None:
    """What a reply amounts to, for voting: its decision with a tool call's output (when it ran) or a direct
    answer's text, or ``None`` for a reply that is not one of the three shapes or whose call failed."""
    from sft.reply_format import TOOL_ARG, parse_reply

    parsed = parse_reply(text)
    if not parsed.correct_format:
        return None
    if parsed.decision == "final":
        return ("final", " ".join((parsed.final or "").split()).lower())
    ok, output = run(parsed.decision, dict(parsed.args or {}))
    if not ok:
        return None
    arg = TOOL_ARG[parsed.decision]
    return ("tool", parsed.decision, _canonical(output)) if (parsed.args or {}).get(arg) else None


def _canonical(output: str) -> str:
    """A tool's output as a vote: numbers by value (``45``, ``45.0`` and ``45.000000001`` are one result)."""
    text = output.strip()
    try:
        return repr(round(float(text.replace(",", "")), 6))
    except ValueError:
        return text


def vote(texts: Sequence[str], run: Any) -> int:
    """Index of the reply among ``texts`` whose outcome is the most common (see :func:`_outcome`); ties, and
    replies that all fail, go to the first (the greedy one)."""
    outcomes = [_outcome(text, run) for text in texts]
    votes = Counter(o for o in outcomes if o is not None)
    if not votes:
        return 0
    best = max(votes.values())
    if outcomes[0] is not None and votes[outcomes[0]] == best:
        return 0
    return next(i for i, o in enumerate(outcomes) if o is not None and votes[o] == best)


async def vote_replies(
    sampling_client: Any,
    tokenizer: Any,
    prompts: Sequence[str],
    max_new_tokens: int,
    samples: int,
    temperature: float = 0.7,
    renderer: Renderer = CHATML,
    seed: int = 0,
) -> list[tuple[str, int]]:
    """Execution-based self-consistency: for each prompt, the greedy reply and ``samples`` sampled ones; every
    tool call among them is run with the project's tools, and the reply whose outcome (a call's output, or a
    direct answer's text) is the most common wins, ties and all-failed going to the greedy reply. Returns each
    chosen reply with the number of tokens generated for the prompt (all ``samples + 1`` replies)."""
    stops = stop_token_ids(tokenizer, renderer)
    greedy = greedy_params(max_new_tokens, stops)
    sampled = types.SamplingParams(max_tokens=max_new_tokens, temperature=temperature, stop=list(stops), seed=seed)
    requests = []
    for prompt in prompts:
        model_input = build_generation_prompt(prompt, tokenizer, renderer)
        requests.append(
            (sampling_client.sample(model_input, 1, greedy), sampling_client.sample(model_input, samples, sampled))
        )
    run, _ = tool_functions()
    cache: dict[tuple[str, str], tuple[bool, str]] = {}

    def cached_run(name: str, args: dict[str, Any]) -> tuple[bool, str]:
        key = (name, json.dumps(args, sort_keys=True))
        if key not in cache:
            cache[key] = run(name, args)
        return cache[key]

    chosen = []
    for greedy_future, sampled_future in requests:
        sequences = [*(await greedy_future).sequences, *(await sampled_future).sequences]
        texts = [decode_completion(seq.tokens, tokenizer, stops) for seq in sequences]
        pick = vote(texts, cached_run)
        chosen.append((texts[pick], sum(len(seq.tokens) for seq in sequences)))
    return chosen


async def score_completions(
    sampling_client: Any,
    tokenizer: Any,
    samples: Sequence[Sample],
    max_new_tokens: int,
    execute: bool = False,
    renderer: Renderer = CHATML,
    token_counts: list[int] | None = None,
    self_consistency: int = 0,
    temperature: float = 0.7,
    replies: Sequence[tuple[str, int]] | None = None,
) -> tuple[Report, list[SampleScore]]:
    """Generate for ``samples`` and score them (running the predicted tool calls when ``execute``); the number of
    tokens generated for each goes to ``token_counts`` when given. With ``self_consistency`` k > 0, each reply is
    the vote of the greedy one and k sampled at ``temperature`` (see :func:`vote_replies`). ``replies`` (each
    reply's text and tokens generated, one per sample) are scored instead of generating."""
    prompts = [s.prompt for s in samples]
    if replies is not None:
        if len(replies) != len(samples):
            raise ValueError(f"{len(replies)} replies for {len(samples)} samples")
    elif self_consistency > 0:
        replies = await vote_replies(
            sampling_client, tokenizer, prompts, max_new_tokens, self_consistency, temperature, renderer
        )
    else:
        replies = await sample_replies(sampling_client, tokenizer, prompts, max_new_tokens, renderer)
    completions = [text for text, _ in replies]
    if token_counts is not None:
        token_counts.extend(n for _, n in replies)
    run, match = tool_functions() if execute else (None, None)
    if run is None:
        scores = [score_sample(s, c) for s, c in zip(samples, completions)]
    else:
        # A python call spends most of its time starting its sandbox: run several at once (100 samples of the
        # default evaluation: 1.9 s one by one, 1.1 s four at a time).
        with concurrent.futures.ThreadPoolExecutor(TOOL_WORKERS, thread_name_prefix="sft-score") as pool:
            scores = list(pool.map(lambda s, c: score_sample(s, c, run, match), samples, completions))
    return summarize(scores), scores


def add_constrained_options(parser: Any, what: str) -> None:
    """``--constrained`` / ``--no_constrained`` on a command's ``parser`` (``args.constrained``: ``True``,
    ``False``, or ``None`` for the default: on wherever the engine can constrain decoding, see
    :func:`wants_constrained`); ``what`` says what the option does for this command."""
    parser.add_argument(
        "--constrained",
        action="store_const",
        const=True,
        default=None,
        help=f"{what}: the reply's JSON schema enforced at decoding, so every reply is one of the three shapes "
        "(the default on the local engine; an error on Tinker, whose sampling API takes no grammar)",
    )
    parser.add_argument(
        "--no_constrained",
        dest="constrained",
        action="store_const",
        const=False,
        help="decode freely: the model's own replies, whether they parse or not",
    )


def wants_constrained(sampling_client: Any, requested: bool | None) -> bool:
    """Whether to decode under the reply's schema: as ``requested``, else (``None``) wherever the engine can."""
    return requested if requested is not None else hasattr(sampling_client, "constrained")


def constrained_client(sampling_client: Any, option: str = "--constrained") -> Any:
    """A client over the same model whose every reply is one of the three reply shapes (the reply's JSON schema
    enforced at decoding, :func:`sft.reply_format.reply_json_schema`).

    Raises:
        ConfigError: The engine cannot constrain decoding (Tinker's sampling API takes no grammar); names
            ``option``, the command-line option that asked for it.
    """
    from sft.config import ConfigError
    from sft.reply_format import reply_json_schema

    constrain = getattr(sampling_client, "constrained", None)
    if constrain is None:
        raise ConfigError(
            f"{option}: grammar-constrained decoding runs on the local engine only (Tinker's sampling API takes "
            "no grammar); leave it out, or use --backend local with a local checkpoint"
        )
    return constrain(reply_json_schema())


async def open_sampler(
    service: Any, checkpoint: ResolvedCheckpoint, constrained: bool | None = False
) -> tuple[Any, Renderer]:
    """``checkpoint``'s sampling client on ``service``, and the prompt format its run trained with (checked
    against the tokenizer's chat template). With ``constrained``, the client decodes under the reply's JSON schema
    (see :func:`constrained_client`); with ``None``, wherever the engine can (see :func:`wants_constrained`).

    Raises:
        ConfigError: ``constrained`` on an engine that cannot constrain decoding.
        EngineError: The service cannot load it (Tinker: its base model is retired, the path is of another kind).
        RendererError: The run's prompt format does not match the tokenizer's template.
    """
    from sft.prompt_builder import SYSTEM_PROMPT
    from sft.renderers import select_renderer

    check_sampleable = getattr(service, "check_sampleable", None)  # Tinker retires models
    if check_sampleable is not None and checkpoint.base_model is not None:
        check_sampleable(checkpoint.base_model, checkpoint.describe())
    sampling_client = await service.create_sampling_client(model_path=checkpoint.sampler_path)
    tokenizer = sampling_client.get_tokenizer()
    base_model = checkpoint.base_model or sampling_client.get_base_model()
    renderer = select_renderer(base_model, tokenizer, SYSTEM_PROMPT, requested=checkpoint.renderer).renderer
    if wants_constrained(sampling_client, constrained):
        return constrained_client(sampling_client), renderer
    return sampling_client, renderer
