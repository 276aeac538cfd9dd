"""The local engine's sampling client: Tinker's ``SamplingClient`` surface over ``transformers`` generation.

Requests made while earlier ones wait are generated together in one batch, in order with the training requests
submitted to the same model.
"""

from __future__ import annotations

import concurrent.futures
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
from tinker import types

from sft.engines.futures import LocalFuture
from sft.engines.local_runtime import LocalEngineError, ModelRunner

# How long a sampling batch waits for more requests to join it before generating.
BATCH_LINGER_S = 0.02


@dataclass
class _SampleRequest:
    prompt: list[int]
    num_samples: int
    params: types.SamplingParams
    future: Any


@dataclass
class _Batch:
    requests: list[_SampleRequest] = field(default_factory=list)
    generation: int = 0
    closed: bool = False


class LocalSamplingClient:
    """Generates completions (Tinker's ``SamplingClient`` surface): batched across concurrent requests,
    greedy at temperature 0, with a KV cache, stopping at the stop tokens."""

    def __init__(self, runner: ModelRunner, max_batch: int = 32) -> None:
        self._runner = runner
        self.max_batch = max_batch
        self._lock = threading.Lock()
        self._open: _Batch | None = None

    def get_tokenizer(self) -> Any:
        return self._runner.tokenizer

    def get_base_model(self) -> str:
        return self._runner.base_model

    def sample(
        self, prompt: types.ModelInput, num_samples: int, sampling_params: types.SamplingParams, **_: Any
    ) -> LocalFuture[types.SampleResponse]:
        """Queue one prompt; requests made while earlier ones wait are generated together in one batch."""
        if num_samples < 1:
            raise LocalEngineError(f"num_samples must be >= 1, got {num_samples}")
        future: concurrent.futures.Future[types.SampleResponse] = concurrent.futures.Future()
        request = _SampleRequest(prompt.to_ints(), num_samples, sampling_params, future)
        executor = self._runner.executor
        with self._lock:
            batch = self._open
            # Join the waiting batch only if nothing else was submitted to the model since it was queued:
            # that keeps requests in order with training steps.
            if batch is None or batch.closed or batch.generation != executor.generation:
                batch = _Batch(generation=executor.generation + 1)
                self._open = batch
                batch.requests.append(request)
                executor.submit_raw(self._run_batch, batch)
            else:
                batch.requests.append(request)
        return LocalFuture(future)

    def _run_batch(self, batch: _Batch) -> None:
        if len(batch.requests) < self.max_batch:
            time.sleep(BATCH_LINGER_S)
        with self._lock:
            batch.closed = True
        try:
            self._generate(batch.requests)
        except BaseException as exc:  # deliver the error to every waiting caller
            for req in batch.requests:
                if not req.future.done():
                    req.future.set_exception(exc)

    def _stop_ids(self, params: types.SamplingParams) -> tuple[list[int], list[str]]:
        tok = self._runner.tokenizer
        if params.stop is None:
            return [int(tok.eos_token_id)], []
        stops = [params.stop] if isinstance(params.stop, str) else list(params.stop)
        ids: list[int] = []
        strings: list[str] = []
        for stop in stops:
            if isinstance(stop, int):
                ids.append(stop)
                continue
            encoded = tok.encode(stop, add_special_tokens=False)
            if len(encoded) == 1:
                ids.append(encoded[0])
            else:
                strings.append(stop)
        return ids, strings

    def _generate(self, requests: list[_SampleRequest]) -> None:
        groups: dict[str, list[_SampleRequest]] = {}
        for req in requests:
            groups.setdefault(req.params.model_dump_json(), []).append(req)
        for group in groups.values():
            rows = [(req, i) for req in group for i in range(req.num_samples)]
            sequences: dict[int, list[types.SampledSequence]] = {id(req): [] for req in group}
            for start in range(0, len(rows), self.max_batch):
                chunk = rows[start : start + self.max_batch]
                for (req, _), seq in zip(chunk, self._generate_rows([r.prompt for r, _ in chunk], group[0].params)):
                    sequences[id(req)].append(seq)
            for req in group:
                req.future.set_result(types.SampleResponse(sequences=sequences[id(req)]))

    @torch.inference_mode()
    def _generate_rows(self, prompts: list[list[int]], params: types.SamplingParams) -> list[types.SampledSequence]:
        r = self._runner
        if params.max_tokens is None:
            raise LocalEngineError("SamplingParams.max_tokens is required")
        stop_ids, stop_strings = self._stop_ids(params)
        width = max(len(p) for p in prompts)
        # Left padding: every row's last prompt token sits in the same column, where generation starts.
        inputs = torch.full((len(prompts), width), r.pad_id, dtype=torch.long)
        mask = torch.zeros((len(prompts), width), dtype=torch.long)
        for i, p in enumerate(prompts):
            inputs[i, width - len(p) :] = torch.tensor(p, dtype=torch.long)
            mask[i, width - len(p) :] = 1
        greedy = params.temperature <= 0
        if params.seed is not None:
            torch.manual_seed(params.seed)
        kwargs: dict[str, Any] = {
            "max_new_tokens": params.max_tokens,
            "do_sample": not greedy,
            "pad_token_id": r.pad_id,
            "eos_token_id": stop_ids or None,
            "return_dict_in_generate": True,
            "output_logits": True,
            "use_cache": True,
        }
        if not greedy:
            kwargs.update(temperature=params.temperature, top_p=params.top_p, top_k=max(params.top_k, 0) or None)
        else:
            kwargs.update(temperature=None, top_p=None, top_k=None)
        if stop_strings:
            kwargs.update(stop_strings=stop_strings, tokenizer=r.tokenizer)
        r.model.eval()
        with r.autocast_context():
            out = r.model.generate(input_ids=inputs.to(r.device), attention_mask=mask.to(r.device), **kwargs)
        new_tokens = out.sequences[:, width:].cpu()
        logprobs = torch.stack([lg.float().log_softmax(-1) for lg in out.logits], dim=1).cpu() if out.logits else None
        result = []
        for i in range(len(prompts)):
            tokens = new_tokens[i].tolist()
            cut, reason = len(tokens), "length"
            for j, t in enumerate(tokens):
                if t in stop_ids:
                    cut, reason = j + 1, "stop"
                    break
            tokens = tokens[:cut]
            if reason == "length" and stop_strings:
                text = r.tokenizer.decode(tokens)
                if any(text.endswith(s) for s in stop_strings):
                    reason = "stop"
            lp = (
                logprobs[i, torch.arange(len(tokens)), torch.tensor(tokens, dtype=torch.long)].numpy()
                if logprobs is not None and tokens
                else np.zeros(0, dtype=np.float32)
            )
            result.append(
                types.SampledSequence(
                    stop_reason=reason,
                    sequence_id=uuid.uuid4().hex,
                    tokens_np=np.asarray(tokens, dtype=np.int32),
                    logprobs_np=np.asarray(lp, dtype=np.float32),
                )
            )
        return result
