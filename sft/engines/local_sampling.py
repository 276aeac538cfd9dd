"""The local engine's sampling client: Tinker's ``SamplingClient`` surface over a ``transformers`` model.

Requests made while earlier ones wait (or run) are generated together, in order with the training requests submitted
to the same model. Generation is our own loop around the model's forward with a ``DynamicCache``:

- rows are sorted by prompt length and run in batches of up to ``max_batch``; a row that finishes (stop token, stop
  string or ``max_tokens``) leaves the batch at once, and when the batch has shrunk to half, waiting rows are
  prefilled and join it (continuous batching), so finished rows cost nothing and the batch stays full;
- the longest common token prefix of the rows being prefilled (every prompt here starts with the same system prompt)
  is run once, its keys and values kept for the current weights and shared by every row;
- greedy is the argmax (temperature 0); otherwise temperature, top-k and top-p sampling;
- each sampled token's logprob (under the model's own distribution) is kept, never the full-vocabulary logits;
- :meth:`LocalSamplingClient.constrained` gives a client whose replies follow a JSON schema (llguidance computes
  each row's allowed next tokens; the others are masked out before choosing). Logprobs stay those of the model's own
  distribution, so a user sees how much probability the constraint overrode.

Rows of one batch have different lengths: a row's cache is left-padded (masked columns, possibly between the shared
prefix and the row's own tokens) and its position ids are those of an unpadded single-row run.
"""

from __future__ import annotations

import concurrent.futures
import json
import threading
import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import torch
import torch.nn.functional as F
from tinker import types
from transformers import DynamicCache
from transformers.cache_utils import DynamicLayer
from transformers.masking_utils import ALL_MASK_ATTENTION_FUNCTIONS

from sft.engines.futures import LocalFuture
from sft.engines.local_runtime import LocalEngineError, ModelRunner
from sft.engines.packing import split_by_length

# How long a sampling batch waits for more requests to join it before generating.
BATCH_LINGER_S = 0.02
# A shared prefix shorter than this is not worth a cache entry.
MIN_SHARED_PREFIX = 8
# A prefill group costs its rows x width token positions (every row padded to the group's longest) plus this much
# for its own forward call and for joining its cache to the others': rows of very different prompt lengths are run
# in several groups. The 100-sample evaluation's prefills (AVX2 host, same replies): one group each 9.7 s (median
# of 4), cost 32 7.3 s (3), cost 128 8.3 s (2), cost 0 (a group per length) 10.6-12.4 s.
PREFILL_GROUP_COST = 32
# Prefixes kept per weight version.
PREFIX_CACHE_SIZE = 4
# When no rows wait and at most this many greedy rows run (a pass costs about the same for a few more tokens), they
# also check guessed tokens, up to SPECULATE_BUDGET tokens per pass and SPECULATE_MAX_DRAFT per row: see _speculate.
SPECULATE_MAX_ROWS = 8
SPECULATE_BUDGET = 16
SPECULATE_MAX_DRAFT = 8
# Columns a decoding cache grows by at a time (at least; half its length when longer).
BUFFER_SPARE = 64
# A finished row's leading padding columns are trimmed from the cache only when at least this fraction of it.
TRIM_FRACTION = 0.25
# Waiting rows join a running batch when it has shrunk to this fraction of ``max_batch``.
REFILL_FRACTION = 0.5

StopReason = Literal["length", "stop"]


@dataclass
class _SampleRequest:
    prompt: list[int]
    num_samples: int
    params: types.SamplingParams
    future: Any
    sequences: list[types.SampledSequence | None] = field(default_factory=list)
    remaining: int = 0


@dataclass
class _Batch:
    requests: list[_SampleRequest] = field(default_factory=list)
    generation: int = 0
    closed: bool = False


@dataclass
class _Row:
    """One sequence being generated."""

    request: _SampleRequest
    index: int
    prompt: list[int]
    tokens: list[int] = field(default_factory=list)
    logprobs: list[float] = field(default_factory=list)
    matcher: Any = None
    """The row's grammar state when the client is constrained (an ``llguidance.LLMatcher``)."""


@dataclass
class _Running:
    """The rows being decoded together: their cache, attention mask (columns of the cache), next positions, and the
    logits of their next token."""

    rows: list[_Row]
    cache: Any
    mask: torch.Tensor
    positions: torch.Tensor
    logits: torch.Tensor


@dataclass
class _Stops:
    ids: frozenset[int]
    strings: list[str]


class LocalSamplingClient:
    """Generates completions (Tinker's ``SamplingClient`` surface): batched across concurrent requests,
    greedy at temperature 0, with a KV cache, stopping at the stop tokens."""

    def __init__(
        self,
        runner: ModelRunner,
        max_batch: int = 64,
        *,
        refill_fraction: float = REFILL_FRACTION,
        share_prefix: bool = True,
        merge_adapter: bool = True,
        pack_weights: bool = True,
        speculate: bool = True,
        json_schema: dict[str, Any] | None = None,
    ) -> None:
        """``max_batch`` rows are decoded together at most; waiting rows join when the batch has shrunk to
        ``refill_fraction`` of it (0: only when it is empty); ``share_prefix`` runs a common prompt prefix once;
        ``merge_adapter`` folds a frozen LoRA adapter into the weights (see ``ModelRunner.merge_frozen_adapter``);
        ``pack_weights`` gives a frozen model's linear layers oneDNN copies of their weights on the CPU (see
        ``ModelRunner.pack_frozen_weights``);
        ``speculate`` lets the last few greedy rows check guessed tokens (see ``_speculate``); ``json_schema``
        restricts every reply to that schema (see :meth:`constrained`)."""
        if max_batch < 1:
            raise LocalEngineError(f"max_batch must be >= 1, got {max_batch}")
        self._runner = runner
        self.max_batch = max_batch
        self.refill_fraction = refill_fraction
        self.share_prefix = share_prefix
        self.merge_adapter = merge_adapter
        self.pack_weights = pack_weights
        self.speculate = speculate
        self.json_schema = json_schema
        self._grammar = _Grammar(runner.tokenizer, json_schema) if json_schema is not None else None
        self._lock = threading.Lock()
        self._open: _Batch | None = None
        # Shared-prefix keys/values: valid for one weights key, and only while no other job ran on the model.
        self._prefixes: OrderedDict[tuple[int, ...], list[tuple[torch.Tensor, torch.Tensor]]] = OrderedDict()
        self._prefix_key: Any = None
        self._prefix_generation = 0
        self._own_generations: set[int] = set()

    def get_tokenizer(self) -> Any:
        return self._runner.tokenizer

    def constrained(self, json_schema: dict[str, Any]) -> LocalSamplingClient:
        """A client on the same model whose every reply is a JSON value of ``json_schema`` followed by a stop
        token (grammar-constrained decoding through llguidance); it batches separately from this one."""
        return LocalSamplingClient(
            self._runner,
            self.max_batch,
            refill_fraction=self.refill_fraction,
            share_prefix=self.share_prefix,
            merge_adapter=self.merge_adapter,
            pack_weights=self.pack_weights,
            speculate=self.speculate,  # each guessed token is checked against the grammar's greedy choice
            json_schema=json_schema,
        )

    def keeps(self, tokens: list[int], stop_ids: list[int]) -> bool:
        """Whether greedy decoding on this constrained client would write ``tokens``, a greedy reply of the same
        model decoded without the constraint, with the same ``max_tokens`` and stop token ids ``stop_ids``: every
        token before its stop token is one the schema allows where it stands, and a stop token comes only where
        the value is complete. The mask never removed the token greedy chose, so the constrained argmax is the same
        token at every step, and such a reply need not be decoded again (:func:`sft.sampling.constrained_replies`).
        That holds for a reply cut at ``max_tokens`` too: constrained decoding writes the same tokens and is cut at
        the same place.

        Raises:
            LocalEngineError: This client is not constrained.
        """
        if self._grammar is None:
            raise LocalEngineError("keeps() asks a constrained client (see constrained()); this one has no schema")
        matcher = self._grammar.matcher()
        for i, token in enumerate(tokens):
            if token in stop_ids:
                return i == len(tokens) - 1 and bool(matcher.is_accepting())
            if not matcher.consume_token(token) or matcher.is_error():
                return False
        return True

    def get_base_model(self) -> str:
        return self._runner.base_model

    def sample(
        self, prompt: types.ModelInput, num_samples: int, sampling_params: types.SamplingParams, **_: Any
    ) -> LocalFuture[types.SampleResponse]:
        """Queue one prompt; requests made while earlier ones wait or run are generated together."""
        if num_samples < 1:
            raise LocalEngineError(f"num_samples must be >= 1, got {num_samples}")
        if sampling_params.max_tokens is None:
            raise LocalEngineError("SamplingParams.max_tokens is required")
        tokens = prompt.to_ints()
        if not tokens:
            raise LocalEngineError("the prompt is empty")
        future: concurrent.futures.Future[types.SampleResponse] = concurrent.futures.Future()
        request = _SampleRequest(tokens, num_samples, sampling_params, future)
        executor = self._runner.executor
        with self._lock:
            batch = self._open
            # Join the waiting or running batch only if nothing else was submitted to the model since it was queued:
            # that keeps requests in order with training steps.
            if batch is None or batch.closed or batch.generation != executor.generation:
                batch = _Batch(generation=executor.generation + 1)
                self._open = batch
                batch.requests.append(request)
                self._own_generations.add(batch.generation)
                executor.submit_raw(self._run_batch, batch)
            else:
                batch.requests.append(request)
        return LocalFuture(future)

    # -- scheduling -------------------------------------------------------------------------------------------
    def _run_batch(self, batch: _Batch) -> None:
        if len(batch.requests) < self.max_batch:
            time.sleep(BATCH_LINGER_S)
        try:
            self._serve(batch)
        except BaseException as exc:  # deliver the error to every waiting caller
            with self._lock:
                batch.closed = True
            for req in batch.requests:
                if not req.future.done():
                    req.future.set_exception(exc)

    def _serve(self, batch: _Batch) -> None:
        """Generate every request of ``batch``, including those that join while it runs."""
        if self.merge_adapter:
            self._runner.merge_frozen_adapter()
        if self.pack_weights:
            self._runner.pack_frozen_weights()
        self._check_prefixes(batch.generation)
        pending: dict[str, list[_Row]] = {}
        taken = 0

        def take_new() -> None:
            nonlocal taken
            with self._lock:
                new = batch.requests[taken:]
                taken = len(batch.requests)
            for req in new:
                req.sequences = [None] * req.num_samples
                req.remaining = req.num_samples
                rows = pending.setdefault(req.params.model_dump_json(), [])
                rows.extend(
                    _Row(req, i, req.prompt, matcher=self._grammar.matcher() if self._grammar else None)
                    for i in range(req.num_samples)
                )
                rows.sort(key=lambda row: len(row.prompt))

        while True:
            take_new()
            key = next((k for k, rows in pending.items() if rows), None)
            if key is None:
                with self._lock:
                    if taken == len(batch.requests):
                        batch.closed = True
                        return
                continue
            self._generate(pending[key], pending[key][0].request.params, take_new)

    def _check_prefixes(self, generation: int | None = None) -> None:
        """Forget cached prefixes if the weights may have changed: the runner's weights key changed, or (given the
        generation of the batch about to run) another job ran on the model since they were computed."""
        key = self._runner.weights_key()
        others_ran = False
        if generation is not None:
            with self._lock:
                between = range(self._prefix_generation + 1, generation)
                others_ran = any(g not in self._own_generations for g in between)
                self._own_generations = {g for g in self._own_generations if g > generation}
            self._prefix_generation = generation
        if key != self._prefix_key or others_ran:
            self._prefixes.clear()
            self._prefix_key = key

    # -- generation -------------------------------------------------------------------------------------------
    @torch.inference_mode()
    def _generate(self, pending: list[_Row], params: types.SamplingParams, take_new: Any) -> None:
        """Generate the rows in ``pending`` (shortest prompts first; it may grow while this runs)."""
        r = self._runner
        r.model.eval()
        stops = self._stops(params)
        max_tokens = int(params.max_tokens or 0)
        if max_tokens <= 0:
            for row in pending:
                self._finish(row, "length")
            pending.clear()
            return
        generator = None
        if params.seed is not None and params.temperature > 0:
            generator = torch.Generator(device=r.device).manual_seed(params.seed)
        plain = self._plain_cache()
        greedy = params.temperature <= 0
        refill_at = int(self.max_batch * self.refill_fraction) if plain else 0
        running: _Running | None = None
        while True:
            size = len(running.rows) if running else 0
            if size <= refill_at:
                take_new()
            if pending and size <= refill_at and size < self.max_batch:
                rows = pending[: self.max_batch - size]
                del pending[: len(rows)]
                joined = self._prefill(rows, plain)
                running = joined if running is None else _merge(running, joined)
            if running is None:
                return
            allowed = (
                self._grammar.allowed(running.rows, stops.ids, running.logits.shape[-1]) if self._grammar else None
            )
            tokens, logprobs = _choose(running.logits, params, generator, allowed)
            keep = []
            for i, (row, token, logprob) in enumerate(zip(running.rows, tokens.tolist(), logprobs.tolist())):
                row.tokens.append(token)
                row.logprobs.append(logprob)
                if row.matcher is not None and token not in stops.ids:
                    row.matcher.consume_token(token)
                reason = self._stop_reason(row, stops, max_tokens)
                if reason is None:
                    keep.append(i)
                else:
                    self._finish(row, reason)
            if not keep:
                running = None
                continue
            if len(keep) < len(running.rows):
                keep = _fill_holes(keep)
                running = _select(running, keep, trim=plain)
                tokens = tokens[keep]
            if self.speculate and greedy and plain and not pending and len(running.rows) <= SPECULATE_MAX_ROWS:
                guesses = min(SPECULATE_BUDGET // len(running.rows), SPECULATE_MAX_DRAFT)
                running = self._speculate(running, tokens, guesses, stops, max_tokens)
            else:
                self._step(running, tokens)

    def _plain_cache(self) -> bool:
        """Whether every layer keeps a plain full-attention cache, which rows can share, pad and trim."""
        cache = DynamicCache(config=self._runner.model.config)
        return bool(cache.layers) and all(type(layer) is DynamicLayer for layer in cache.layers)

    def _forward(
        self,
        input_ids: torch.Tensor,
        mask: torch.Tensor | None,
        positions: torch.Tensor | None,
        cache: Any,
        keep: int = 1,
    ) -> Any:
        """The model's forward pass over ``input_ids`` after ``cache``, with ``mask`` over the cache's columns and
        the new ones; logits of the last ``keep`` positions."""
        r = self._runner
        if (
            mask is not None
            and getattr(r.model.config, "_attn_implementation", "sdpa") not in ALL_MASK_ATTENTION_FUNCTIONS
        ):
            # An attention function registered without a mask function (the training client's pack-aware
            # attention) gets no mask from transformers: give it the full one.
            mask = _boolean_mask(mask, input_ids.shape[1])
        with r.autocast_context():
            return r.model(
                input_ids=input_ids.to(r.device),
                attention_mask=mask,
                position_ids=positions,
                cache=cache,
                use_cache=True,
                logits_to_keep=keep,
            )

    def _prefill(self, rows: list[_Row], plain: bool) -> _Running:
        """Run the prompts of ``rows`` (after their shared prefix, computed once) into a fresh cache. Each prompt's
        own tokens are padded to the longest of its group: rows of very different lengths are run in several
        groups, joined afterwards, where the padding saved is worth more than a forward call and a cache copy."""
        prompts = [row.prompt for row in rows]
        shared, prefix = self._shared_prefix(prompts) if plain and self.share_prefix else (0, None)
        if not plain:
            return self._prefill_group(rows, shared, prefix, plain)
        owns = [len(p) - shared for p in prompts]
        groups = split_by_length(owns, lambda n, width: PREFILL_GROUP_COST + n * width)
        running: _Running | None = None
        for members in groups:
            joined = self._prefill_group([rows[i] for i in members], shared, prefix, plain)
            running = joined if running is None else _merge(running, joined)
        assert running is not None
        return running

    def _prefill_group(
        self, rows: list[_Row], shared: int, prefix: list[tuple[torch.Tensor, torch.Tensor]] | None, plain: bool
    ) -> _Running:
        r = self._runner
        prompts = [row.prompt for row in rows]
        width = max(len(p) for p in prompts) - shared
        n = len(rows)
        input_ids = torch.full((n, width), r.pad_id, dtype=torch.long)
        mask = torch.zeros((n, shared + width), dtype=torch.long)
        positions = torch.zeros((n, width), dtype=torch.long)
        mask[:, :shared] = 1
        for i, p in enumerate(prompts):
            own = len(p) - shared
            input_ids[i, width - own :] = torch.tensor(p[shared:], dtype=torch.long)
            mask[i, shared + width - own :] = 1
            positions[i, width - own :] = torch.arange(shared, len(p))
        cache = DynamicCache(config=r.model.config)
        if plain:  # full-attention layers: give them room to grow in place
            cache.layers = [_BufferedLayer() for _ in cache.layers]  # type: ignore[no-untyped-call]
        layers: list[Any] = cache.layers  # DynamicLayer (or ours): every one has update()
        for layer, (keys, values) in zip(layers, prefix or []):
            layer.update(keys.expand(n, -1, -1, -1), values.expand(n, -1, -1, -1))
        mask, positions = mask.to(r.device), positions.to(r.device)
        out = self._forward(input_ids, mask, positions, cache)
        lengths = torch.tensor([len(p) for p in prompts], dtype=torch.long, device=r.device)
        return _Running(rows, out.cache, mask, lengths, out.logits[:, -1].float())

    def _shared_prefix(self, prompts: list[list[int]]) -> tuple[int, list[tuple[torch.Tensor, torch.Tensor]] | None]:
        """How many leading tokens all ``prompts`` share (each keeps at least one of its own), and their cached
        keys/values (one row per layer), computing and caching them if needed."""
        self._check_prefixes()  # a request can join a running batch: weights changed outside the worker show here
        first = prompts[0]
        limit = min(len(p) for p in prompts) - 1
        common = 0
        while common < limit and all(p[common] == first[common] for p in prompts):
            common += 1
        best: tuple[int, ...] = ()
        for tokens in self._prefixes:
            if len(best) < len(tokens) <= common and tuple(first[: len(tokens)]) == tokens:
                best = tokens
        # A new prefix costs its length in single-row forward positions and saves its extra tokens in every row.
        if common < MIN_SHARED_PREFIX or len(prompts) * (common - len(best)) <= common:
            if not best:
                return 0, None
            self._prefixes.move_to_end(best)
            return len(best), self._prefixes[best]
        ids = torch.tensor([first[:common]], dtype=torch.long)
        out = self._forward(ids, None, None, None)
        kv = [(layer.keys, layer.values) for layer in out.cache.layers]
        self._prefixes[tuple(first[:common])] = kv
        while len(self._prefixes) > PREFIX_CACHE_SIZE:
            self._prefixes.popitem(last=False)
        return common, kv

    def _step(self, running: _Running, tokens: torch.Tensor) -> None:
        """Feed each row its newest token; keep the logits of the next one."""
        ones = torch.ones((len(running.rows), 1), dtype=running.mask.dtype, device=running.mask.device)
        running.mask = torch.cat([running.mask, ones], dim=1)
        out = self._forward(tokens[:, None], running.mask, running.positions[:, None], running.cache)
        running.positions = running.positions + 1
        running.cache = out.cache
        running.logits = out.logits[:, -1].float()

    def _speculate(
        self, running: _Running, tokens: torch.Tensor, max_draft: int, stops: _Stops, max_tokens: int
    ) -> _Running | None:
        """Greedy only: feed each row its newest token followed by a guess of the next ones (copied from where the
        row's last tokens occurred before: prompt lookup), keep the guesses the model itself would have chosen, and
        the logits after the last one kept. One forward pass then yields several tokens for a row that repeats
        itself, which is what the slowest rows (runaway loops) do. Returns the rows still running."""
        rows = running.rows
        drafts = [_draft(row.prompt + row.tokens, min(max_draft, max_tokens - len(row.tokens))) for row in rows]
        width = 1 + max(len(d) for d in drafts)
        if width == 1:
            self._step(running, tokens)
            return running
        device = running.mask.device
        input_ids = torch.full((len(rows), width), self._runner.pad_id, dtype=torch.long)
        input_ids[:, 0] = tokens.cpu()
        new_mask = torch.zeros((len(rows), width), dtype=running.mask.dtype)
        new_mask[:, 0] = 1
        for i, draft in enumerate(drafts):
            input_ids[i, 1 : 1 + len(draft)] = torch.tensor(draft, dtype=torch.long)
            new_mask[i, 1 : 1 + len(draft)] = 1
        positions = running.positions[:, None] + torch.arange(width, device=device)
        mask = torch.cat([running.mask, new_mask.to(device)], dim=1)
        out = self._forward(input_ids, mask, positions, running.cache, keep=width)
        logits = out.logits.float()
        chosen = logits.argmax(dim=-1).tolist()
        logprobs = (
            logits.gather(-1, input_ids[:, 1:, None].to(device))[..., 0] - logits[:, :-1].logsumexp(-1)
        ).tolist()
        keep, accepted = [], []
        for i, (row, draft) in enumerate(zip(rows, drafts)):
            taken, reason = 0, None
            while taken < len(draft) and reason is None:
                # A constrained row's greedy token is the best one its grammar allows here.
                want = chosen[i][taken] if row.matcher is None else self._grammar_greedy(row, logits[i, taken], stops)
                if draft[taken] != want:
                    break
                row.tokens.append(want)
                row.logprobs.append(logprobs[i][taken])
                if row.matcher is not None and want not in stops.ids:
                    row.matcher.consume_token(want)
                taken += 1
                reason = self._stop_reason(row, stops, max_tokens)
            accepted.append(taken)
            new_mask[i, 1 + taken :] = 0
            if reason is None:
                keep.append(i)
            else:
                self._finish(row, reason)
        index = torch.tensor(accepted, device=device)
        running.mask = torch.cat([running.mask, new_mask.to(device)], dim=1)
        running.positions = running.positions + 1 + index
        running.logits = logits[torch.arange(len(rows), device=device), index]
        running.cache = out.cache
        unused = width - 1 - max(accepted[i] for i in keep) if keep else 0
        if unused:
            running.cache.crop(-unused)
            running.mask = running.mask[:, :-unused]
        if not keep:
            return None
        return running if len(keep) == len(rows) else _select(running, _fill_holes(keep), trim=True)

    def _grammar_greedy(self, row: _Row, logits: torch.Tensor, stops: _Stops) -> int:
        """The token greedy decoding picks for a constrained ``row`` from one position's ``logits``."""
        assert self._grammar is not None
        allowed = self._grammar.allowed([row], stops.ids, logits.shape[-1])
        return int(logits.masked_fill(~allowed[0], float("-inf")).argmax())

    # -- stopping ---------------------------------------------------------------------------------------------
    def _stops(self, params: types.SamplingParams) -> _Stops:
        """Stop token ids and multi-token stop strings (``None``: the end-of-sequence token; ``[]``: none)."""
        tok = self._runner.tokenizer
        if params.stop is None:
            return _Stops(frozenset([int(tok.eos_token_id)]), [])
        stops: list[int | str] = [params.stop] if isinstance(params.stop, str) else list(params.stop)
        ids: set[int] = set()
        strings: list[str] = []
        for stop in stops:
            if isinstance(stop, int):
                ids.add(int(stop))
                continue
            encoded = tok.encode(stop, add_special_tokens=False)
            if len(encoded) == 1:
                ids.add(encoded[0])
            elif stop:
                strings.append(stop)
        return _Stops(frozenset(ids), strings)

    def _stop_reason(self, row: _Row, stops: _Stops, max_tokens: int) -> StopReason | None:
        if row.tokens[-1] in stops.ids:
            return "stop"
        if stops.strings:
            # Decode the whole reply: a stop string may span several tokens, and a token may end past it.
            text = self._runner.tokenizer.decode(row.tokens)
            previous = self._runner.tokenizer.decode(row.tokens[:-1])
            longest = max(len(s) for s in stops.strings)
            tail = text[max(0, len(previous) - longest + 1) :]
            if any(s in tail for s in stops.strings):
                return "stop"
        if len(row.tokens) >= max_tokens:
            return "length"
        return None

    def _finish(self, row: _Row, reason: StopReason) -> None:
        req = row.request
        req.sequences[row.index] = types.SampledSequence(
            stop_reason=reason,
            sequence_id=uuid.uuid4().hex,
            tokens_np=np.asarray(row.tokens, dtype=np.int32),
            logprobs_np=np.asarray(row.logprobs, dtype=np.float32),
        )
        req.remaining -= 1
        if req.remaining == 0 and not req.future.done():
            req.future.set_result(types.SampleResponse(sequences=list(req.sequences)))  # type: ignore[arg-type]  # all set


def _choose(
    logits: torch.Tensor,
    params: types.SamplingParams,
    generator: torch.Generator | None,
    allowed: torch.Tensor | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """The next token of each row (argmax at temperature 0, else sampled with temperature, top-k and top-p) among
    the ``allowed`` ones (a boolean ``(rows, vocab)`` mask; all when ``None``), and its logprob under the model's
    unconstrained distribution."""
    candidates = logits if allowed is None else logits.masked_fill(~allowed, float("-inf"))
    if params.temperature <= 0:
        tokens = candidates.argmax(dim=-1)
    else:
        scores = candidates / params.temperature
        if params.top_k > 0 and params.top_k < scores.shape[-1]:
            kth = torch.topk(scores, params.top_k, dim=-1).values[:, -1:]
            scores = scores.masked_fill(scores < kth, float("-inf"))
        if params.top_p < 1:
            sorted_scores, order = torch.sort(scores, dim=-1, descending=True)
            probs = sorted_scores.softmax(dim=-1)
            # Drop a token when the tokens ranked above it already reach top_p (the first one always stays).
            drop = (probs.cumsum(dim=-1) - probs) >= params.top_p
            scores = scores.scatter(-1, order, sorted_scores.masked_fill(drop, float("-inf")))
        tokens = torch.multinomial(scores.softmax(dim=-1), 1, generator=generator)[:, 0]
    logprobs = logits.gather(-1, tokens[:, None])[:, 0] - logits.logsumexp(dim=-1)
    return tokens, logprobs


class _Grammar:
    """A JSON schema compiled by llguidance for one tokenizer: a fresh matcher per row, and each step's allowed
    next tokens for a batch of rows. A row whose value is complete may only stop; a row the grammar cannot
    continue (it never happens for tokens the mask allowed) is made to stop rather than run on unconstrained."""

    def __init__(self, tokenizer: Any, schema: dict[str, Any]) -> None:
        try:
            import llguidance
            import llguidance.hf
            import llguidance.torch
        except ImportError as exc:  # pragma: no cover - a requirement
            raise LocalEngineError(
                "constrained decoding needs the llguidance package (pip install llguidance)"
            ) from exc
        self._llg = llguidance
        self._tokenizer = _ll_tokenizer(tokenizer)
        self._grammar = llguidance.LLMatcher.grammar_from_json_schema(json.dumps(schema))
        error = llguidance.LLMatcher.validate_grammar(self._grammar, self._tokenizer)
        if error:
            raise LocalEngineError(f"the JSON schema cannot be used for constrained decoding: {error}")

    def matcher(self) -> Any:
        return self._llg.LLMatcher(self._tokenizer, self._grammar)

    def allowed(self, rows: list[_Row], stop_ids: frozenset[int], width: int) -> torch.Tensor:
        bitmask = self._llg.torch.allocate_token_bitmask(len(rows), self._tokenizer.vocab_size)
        for i, row in enumerate(rows):
            self._llg.torch.fill_next_token_bitmask(row.matcher, bitmask, i)
        bits = (bitmask[:, :, None] >> torch.arange(32, dtype=torch.int32)) & 1
        mask = bits.bool().reshape(len(rows), -1)
        allowed = torch.zeros(len(rows), width, dtype=torch.bool)
        n = min(width, mask.shape[1])
        allowed[:, :n] = mask[:, :n]
        stops = [t for t in stop_ids if t < width]
        for i, row in enumerate(rows):
            if row.matcher.is_accepting() or row.matcher.is_error():
                if row.matcher.is_error():
                    allowed[i] = False
                allowed[i, stops] = True
        return allowed


_LL_TOKENIZERS: dict[int, tuple[Any, Any]] = {}


def _ll_tokenizer(tokenizer: Any) -> Any:
    """llguidance's view of a Hugging Face tokenizer (about a second to build; kept per tokenizer)."""
    import llguidance.hf

    cached = _LL_TOKENIZERS.get(id(tokenizer))
    if cached is None or cached[0] is not tokenizer:
        cached = (tokenizer, llguidance.hf.from_tokenizer(tokenizer))
        _LL_TOKENIZERS[id(tokenizer)] = cached
    return cached[1]


def _draft(context: list[int], size: int) -> list[int]:
    """Up to ``size`` tokens guessed to follow ``context``: what followed the latest earlier occurrence of its last
    3 (else 2) tokens, read on through the guess itself so that a short loop repeats."""
    for n in (3, 2):
        if size < 1 or len(context) <= n:
            continue
        tail = context[-n:]
        for start in range(len(context) - n - 1, -1, -1):
            if context[start : start + n] == tail:
                guess = list(context)
                for j in range(size):
                    guess.append(guess[start + n + j])
                return guess[len(context) :]
    return []


def _boolean_mask(mask: torch.Tensor, new: int) -> torch.Tensor:
    """The ``(rows, 1, new, columns)`` boolean attention mask, as SDPA takes it, of ``new`` queries that are the last
    columns of a cache whose valid columns are ``mask``: causal, padding hidden. A padding query sees itself, so no
    row of the mask is empty (an empty row gives NaN, which would then reach the padding keys)."""
    columns = mask.shape[1]
    key = torch.arange(columns, device=mask.device)
    query = torch.arange(columns - new, columns, device=mask.device)[:, None]
    visible = (key <= query)[None] & mask.bool()[:, None, :]
    return (visible | (key == query)[None])[:, None]


class _BufferedLayer(DynamicLayer):
    """A ``DynamicLayer`` whose keys and values are views of larger buffers: a decoding step writes its token in
    place, where ``DynamicLayer`` concatenates (copies the whole cache) at every step. Anything that replaces
    ``keys``/``values`` (row selection, padding) just makes the next update start new buffers."""

    def update(
        self, key_states: torch.Tensor, value_states: torch.Tensor, *args: Any, **kwargs: Any
    ) -> tuple[torch.Tensor, torch.Tensor]:
        if not self.is_initialized:
            self.lazy_initialization(key_states, value_states)
        length, new = self.get_seq_length(), key_states.shape[-2]
        buffers = self._held(length + new)
        if buffers is None:
            spare = max(BUFFER_SPARE, length // 2)
            buffers = tuple(
                torch.empty((*s.shape[:2], length + new + spare, s.shape[3]), dtype=s.dtype, device=s.device)
                for s in (key_states, value_states)
            )
            if length:
                assert self.keys is not None and self.values is not None  # a non-empty cache has both
                buffers[0][:, :, :length] = self.keys
                buffers[1][:, :, :length] = self.values
        buffers[0][:, :, length : length + new] = key_states
        buffers[1][:, :, length : length + new] = value_states
        return self.adopt(buffers, length + new)

    def adopt(self, buffers: tuple[torch.Tensor, ...], length: int) -> tuple[torch.Tensor, torch.Tensor]:
        """Make ``buffers`` (keys, values) this layer's, its keys and values their first ``length`` columns;
        returns those."""
        keys, values = (buffer[:, :, :length] for buffer in buffers)
        self._buffers = buffers
        self.keys, self.values = keys, values
        return keys, values

    def _held(self, columns: int) -> tuple[torch.Tensor, ...] | None:
        """This layer's buffers, if its keys and values are their start and they hold ``columns`` columns."""
        buffers: tuple[torch.Tensor, ...] | None = getattr(self, "_buffers", None)
        if buffers is None or not all(_views_start(t, b, columns) for t, b in zip((self.keys, self.values), buffers)):
            return None
        return buffers

    def can_compact(self) -> bool:
        """Whether the keys and values are the start of this layer's buffers (see :meth:`compact`)."""
        return self._held(self.get_seq_length()) is not None

    def compact(self, keep: list[int]) -> None:
        """Keep the rows ``keep``, in that order, by moving only the rows whose place changes within the buffers
        (with :func:`_fill_holes`' order, one row per finished row), where selecting rows copies the whole cache
        twice (the selection, then fresh buffers at the next update). Only when :meth:`can_compact`."""
        length = self.get_seq_length()
        buffers = self._buffers
        moved = [j for j, i in enumerate(keep) if i != j]
        if moved:
            device = buffers[0].device
            to = torch.tensor(moved, dtype=torch.long, device=device)
            source = torch.tensor([keep[j] for j in moved], dtype=torch.long, device=device)
            for buffer in buffers:
                buffer[to, :, :length] = buffer[source, :, :length]  # gathered, then written back
        self.adopt(tuple(buffer[: len(keep)] for buffer in buffers), length)


def _fill_holes(keep: list[int]) -> list[int]:
    """The rows ``keep`` (ascending) in the order that moves the fewest of them: a kept row stays in
    its place where that place survives, and each finished row's place among the first ``len(keep)`` takes a kept
    row from beyond them. Rows decode independently, so their order in the batch is free."""
    kept = len(keep)
    movers = iter(i for i in keep if i >= kept)
    staying = {i for i in keep if i < kept}
    return [j if j in staying else next(movers) for j in range(kept)]


def _compact(cache: Any, keep: list[int]) -> bool:
    """Keep only the rows ``keep`` (in that order) of every layer of ``cache``, in place, if every layer is a
    :class:`_BufferedLayer` whose keys and values start its buffers; ``False`` (nothing changed) otherwise."""
    layers = cache.layers
    if not layers or not all(type(layer) is _BufferedLayer and layer.can_compact() for layer in layers):
        return False
    for layer in layers:
        layer.compact(keep)
    return True


def _views_start(tensor: torch.Tensor | None, buffer: torch.Tensor, length: int) -> bool:
    """Whether ``tensor`` is the start of ``buffer`` (same rows and heads) and ``buffer`` holds ``length`` columns."""
    return (
        tensor is not None
        and tensor.numel() > 0
        and tensor.data_ptr() == buffer.data_ptr()
        and tensor.shape[:2] == buffer.shape[:2]
        and tensor.stride() == buffer.stride()
        and buffer.shape[2] >= length
    )


def _layer_tensors(cache: Any) -> list[tuple[torch.Tensor, torch.Tensor]]:
    return [(layer.keys, layer.values) for layer in cache.layers]


def _set_layer_tensors(cache: Any, tensors: list[tuple[torch.Tensor, torch.Tensor]]) -> None:
    for layer, (keys, values) in zip(cache.layers, tensors):
        layer.keys, layer.values = keys, values


def _select(running: _Running, keep: list[int], trim: bool) -> _Running:
    """Only the rows ``keep``, in that order; with ``trim``, also drop the leading cache columns that are padding in
    every row, when they are at least ``TRIM_FRACTION`` of the cache (fewer are cheaper to keep, masked, than to
    copy the cache for). A cache of :class:`_BufferedLayer` layers loses its rows in place."""
    index = torch.tensor(keep, dtype=torch.long, device=running.mask.device)
    mask = running.mask[index]
    start = int(mask.any(dim=0).nonzero()[0]) if trim else 0
    if start < TRIM_FRACTION * mask.shape[1] and _compact(running.cache, keep):
        start = 0
    elif start:
        _set_layer_tensors(
            running.cache, [(k[index, :, start:], v[index, :, start:]) for k, v in _layer_tensors(running.cache)]
        )
        mask = mask[:, start:]
    else:
        running.cache.batch_select_indices(index)
    return _Running(
        [running.rows[i] for i in keep], running.cache, mask, running.positions[index], running.logits[index]
    )


def _merge(a: _Running, b: _Running) -> _Running:
    """One batch of the rows of ``a`` and ``b``; the narrower cache is left-padded with masked columns. The joined
    keys and values are written once, layer by layer, into buffers with room to grow (each layer of ``b`` is let go
    as soon as it is copied), so a join holds one extra layer at a time and the next step writes in place."""
    width = max(a.mask.shape[1], b.mask.shape[1])
    rows_a = len(a.rows)
    for layer_a, layer_b in zip(a.cache.layers, b.cache.layers):
        buffered = type(layer_a) is _BufferedLayer
        spare = BUFFER_SPARE if buffered else 0
        joined = []
        for ta, tb in ((layer_a.keys, layer_b.keys), (layer_a.values, layer_b.values)):
            out = ta.new_empty((rows_a + tb.shape[0], ta.shape[1], width + spare, ta.shape[3]))
            for rows, t in ((slice(0, rows_a), ta), (slice(rows_a, None), tb)):
                start = width - t.shape[2]
                out[rows, :, :start] = 0  # padding columns, masked
                out[rows, :, start:width] = t
            joined.append(out)
        if buffered:
            layer_a.adopt(tuple(joined), width)
        else:
            layer_a.keys, layer_a.values = joined
        layer_b.keys = layer_b.values = None

    def pad(t: torch.Tensor) -> torch.Tensor:
        return F.pad(t, (width - t.shape[1], 0))

    return _Running(
        a.rows + b.rows,
        a.cache,
        torch.cat([pad(a.mask), pad(b.mask)]),
        torch.cat([a.positions, b.positions]),
        torch.cat([a.logits, b.logits]),
    )
