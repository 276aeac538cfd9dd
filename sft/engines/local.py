"""The local engine: Tinker's client surface over PyTorch, transformers and PEFT on this machine.

It takes and returns ``tinker.types`` objects, so ``sft.train`` and ``sft.evaluate`` run unchanged on either
engine. Semantics follow Tinker's:

- ``forward_backward(data, "cross_entropy")``: loss = sum over target positions of ``-logprob * weight``;
  ``loss_fn_outputs[i]["logprobs"]`` holds the target logprobs of datum ``i``; ``metrics["loss:sum"]`` the loss.
  Gradients accumulate until ``optim_step``. One difference from Tinker: ``forward_backward`` computes logprobs
  only at positions with a non-zero weight and returns NaN at the others (the vocabulary projection at every
  position was most of a step's time and memory); ``forward`` returns them at every position.
- Rows are packed into one sequence with the prefix they share (the system prompt) computed once and no padding
  (see ``sft.engines.packing``); losses, logprobs and gradients equal a plain per-row forward pass.
- On Llama-type models the unembedding, its LoRA and the logprobs are one autograd function
  (:class:`_HeadLogprobs`) that makes fewer passes over the rows x vocabulary logits than PEFT's layer followed by
  a log-softmax; other models take that plain path.
- ``optim_step(AdamParams)``: one AdamW step with exactly the given hyper-parameters; ``grad_clip_norm`` 0
  means no clipping.
- ``save_state(name)`` keeps what a resume needs (adapter, optimizer state, step) under ``weights/<name>``;
  ``save_weights_for_sampler(name)`` writes a standard PEFT adapter directory under ``sampler_weights/<name>``.
- LoRA on the attention and MLP projections and on the unembedding, as Tinker's defaults.

All work of one model runs on one worker thread in submission order, and every call returns a future that can
be awaited or ``.result()``-ed, so callers can submit a step's forward_backward and optim_step before waiting.
"""

from __future__ import annotations

import ctypes
import json
import logging
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import torch
from tinker import types

from sft.config import LORA_SCALE_LOCAL
from sft.engines.futures import LocalFuture, on_engine_thread
from sft.engines.local_runtime import (
    LocalEngineError,
    ModelRunner,
    merge_frozen_lora,
    resolve_autocast,
    resolve_device,
)
from sft.engines.local_sampling import LocalSamplingClient
from sft.engines.models import load_model
from sft.engines.packing import ATTENTION_NAME, pack_rows, register_segment_attention
from sft.engines.protocols import LoraOptions, LoraTrainingService
from sft.utils import atomic_directory

logger = logging.getLogger(__name__)

STATE_FILE = "state.json"
ENGINE_FILE = "engine.json"
ADAPTER_WEIGHTS = "adapter_model.safetensors"
OPTIMIZER_FILE = "optimizer.pt"
# Longest packed sequence per forward pass. A step's activations grow with its pack, so this caps a run's peak
# memory; a smaller cap splits more batches, each extra pack computing the shared prefix again. On the default run
# (benchmarks/bench_pack_size.py, 2-core AVX2 CPU, fp32): 1024 -> 640 takes the heaviest steps' peak RSS from
# 3.66 to 2.67 GB for 3.4% more tokens computed and the same median step time within noise (0.97x-1.02x).
DEFAULT_MAX_PACK_TOKENS = 640


@dataclass
class LoraSpec:
    """The adapter's shape, saved with every checkpoint so it can be rebuilt."""

    rank: int
    alpha: float
    train_mlp: bool = True
    train_attn: bool = True
    train_unembed: bool = True
    target_modules: list[str] = field(default_factory=list)


def _lora_targets(model: torch.nn.Module, spec: LoraSpec) -> list[str]:
    """Names (suffixes) of the linear layers to adapt, by what Tinker's flags cover."""
    targets: set[str] = set()
    for name, module in model.named_modules():
        if not isinstance(module, torch.nn.Linear):
            continue
        leaf = name.rsplit(".", 1)[-1]
        lowered = name.lower()
        if "attn" in lowered or "attention" in lowered:
            if spec.train_attn:
                targets.add(leaf)
        elif "mlp" in lowered or "feed_forward" in lowered:
            if spec.train_mlp:
                targets.add(leaf)
        elif leaf == "lm_head" and spec.train_unembed:
            targets.add(leaf)
    if not targets:
        raise LocalEngineError("LoRA has nothing to train: no attention, MLP or unembedding layers were selected")
    return sorted(targets)


def _wrap_lora(model: torch.nn.Module, spec: LoraSpec, seed: int | None) -> Any:
    from peft import LoraConfig, get_peft_model

    if not spec.target_modules:
        spec.target_modules = _lora_targets(model, spec)
    if seed is not None:
        torch.manual_seed(seed)
    config = LoraConfig(
        r=spec.rank,
        lora_alpha=spec.alpha,  # type: ignore[arg-type]  # PEFT annotates an int; a float scale works
        target_modules=spec.target_modules,
        lora_dropout=0.0,
        bias="none",
        task_type="CAUSAL_LM",
    )
    return get_peft_model(model, config)


def _write_json(path: Path, obj: Any) -> None:
    path.write_text(json.dumps(obj, indent=2, sort_keys=True) + "\n", encoding="utf-8")


# Each kind of checkpoint folder: the file that holds its metadata, the other kind's, and what a folder of the other
# kind is, for the error.
_CHECKPOINT_KINDS = {
    "training state": (STATE_FILE, ENGINE_FILE, "a sampler checkpoint; resume needs a 'weights/' state path"),
    "sampler": (ENGINE_FILE, STATE_FILE, "a training state; sampling needs a 'sampler_weights/' path"),
}


def _checkpoint_meta(directory: Path, kind: Literal["training state", "sampler"]) -> dict[str, Any]:
    """The metadata of the ``kind`` checkpoint in ``directory``.

    Raises:
        LocalEngineError: ``directory`` is not such a checkpoint (the message says so where it is the other kind).
    """
    meta_name, other_name, other_is = _CHECKPOINT_KINDS[kind]
    meta_file = directory / meta_name
    if not meta_file.is_file():
        hint = f" (that is {other_is})" if (directory / other_name).is_file() else ""
        raise LocalEngineError(f"{directory}: not a {kind} checkpoint, no {meta_name}{hint}")
    meta: dict[str, Any] = json.loads(meta_file.read_text(encoding="utf-8"))
    return meta


@dataclass
class _Row:
    """One datum's tokens, targets and weights, checked."""

    tokens: list[int]
    targets: torch.Tensor
    weights: torch.Tensor


def _rows(data: Sequence[types.Datum]) -> list[_Row]:
    if not data:
        raise LocalEngineError("forward_backward needs at least one datum")
    rows = []
    for i, datum in enumerate(data):
        tokens = datum.model_input.to_ints()
        if "target_tokens" not in datum.loss_fn_inputs:
            raise LocalEngineError(f"datum {i}: loss_fn_inputs needs 'target_tokens' for cross_entropy")
        target = np.asarray(datum.loss_fn_inputs["target_tokens"].to_numpy(), dtype=np.int64)
        weight = (
            np.asarray(datum.loss_fn_inputs["weights"].to_numpy(), dtype=np.float32)
            if "weights" in datum.loss_fn_inputs
            else np.ones(len(target), dtype=np.float32)
        )
        if not (len(tokens) == len(target) == len(weight)) or not tokens:
            raise LocalEngineError(
                f"datum {i}: model_input has {len(tokens)} tokens but target_tokens has {len(target)} and "
                f"weights {len(weight)}; they must be equal and non-zero"
            )
        rows.append(_Row(list(tokens), torch.from_numpy(target), torch.from_numpy(weight)))
    return rows


LOGPROB_CHUNK = 64
"""Rows of logits turned into logprobs (and their gradient) at a time: a float32 chunk of 64 x 49k stays in cache."""


def _chunked_lse(logits: torch.Tensor) -> torch.Tensor:
    """Float32 log-sum-exp of each row of ``logits`` (any dtype), ``LOGPROB_CHUNK`` rows at a time."""
    lse = torch.empty(logits.shape[0], dtype=torch.float32, device=logits.device)
    for start in range(0, logits.shape[0], LOGPROB_CHUNK):
        chunk = slice(start, start + LOGPROB_CHUNK)
        lse[chunk] = torch.logsumexp(logits[chunk].float(), dim=-1)
    return lse


def _logits_grad_(
    logits: torch.Tensor, targets: torch.Tensor, lse: torch.Tensor, grad: torch.Tensor, out: torch.Tensor
) -> torch.Tensor:
    """Write ``grad * (onehot(targets) - softmax(logits))``, the gradient of the target logprobs with respect to
    ``logits``, into ``out`` (which may be ``logits`` itself), chunk by chunk; returns ``out``."""
    for start in range(0, logits.shape[0], LOGPROB_CHUNK):
        chunk = slice(start, start + LOGPROB_CHUNK)
        g = grad[chunk, None].float()
        probs = logits[chunk].float().sub_(lse[chunk, None]).exp_().mul_(-g)
        probs.scatter_add_(1, targets[chunk, None], g)
        out[chunk] = probs
    return out


class _TokenLogprobs(torch.autograd.Function):
    """``log_softmax(logits)[i, targets[i]]`` in float32 from logits of any dtype, in row chunks.

    The same value and gradient as ``-F.cross_entropy(logits.float(), targets, reduction="none")``, without
    its float32 copy of the logits, the full log-softmax and the dense gradients of the gather and the copy:
    the forward keeps only each row's log-sum-exp, and the backward writes ``grad * (onehot - softmax)``
    straight into a gradient of the logits' dtype. Over a 49k vocabulary that is two passes over each chunk
    instead of about eight over the whole matrix."""

    @staticmethod
    def forward(ctx: Any, logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        lse = _chunked_lse(logits)
        ctx.save_for_backward(logits, targets, lse)
        return logits.gather(1, targets[:, None])[:, 0].float() - lse

    @staticmethod
    def backward(ctx: Any, grad: torch.Tensor) -> tuple[torch.Tensor, None]:
        logits, targets, lse = ctx.saved_tensors
        return _logits_grad_(logits, targets, lse, grad, torch.empty_like(logits)), None


def token_logprobs(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Float32 logprob of each row's target token under ``logits`` (rows x vocabulary), differentiable."""
    out: torch.Tensor = _TokenLogprobs.apply(logits, targets)  # type: ignore[no-untyped-call]
    return out


class _HeadLogprobs(torch.autograd.Function):
    """Target logprobs of hidden states through a frozen unembedding ``weight`` plus a LoRA ``scale * B A``:
    ``log_softmax(h W^T + scale (h A^T) B^T)[i, targets[i]]``, differentiable in ``h``, ``A`` and ``B``.

    What PEFT's adapted ``lm_head`` followed by :func:`token_logprobs` computes, with less traffic over the
    rows x 49k logits: the adapter's product is accumulated into the logits in place (PEFT writes it to its own
    matrix, scales that, then adds the two), and the backward turns the saved logits into their own gradient in
    place and takes the three products it needs from it (autograd would also zero-fill and copy a gradient for
    the row selection, and scale one more). ``A`` and ``B`` are float32 parameters; products run in ``weight``'s
    dtype, as autocast runs them. The saved logits are overwritten by the backward: backward once."""

    @staticmethod
    def forward(
        ctx: Any,
        hidden: torch.Tensor,
        weight: torch.Tensor,
        lora_a: torch.Tensor | None,
        lora_b: torch.Tensor | None,
        scale: float,
        targets: torch.Tensor,
    ) -> torch.Tensor:
        dtype = weight.dtype
        h = hidden.to(dtype)
        logits = h @ weight.T
        a = b = z = None
        if lora_a is not None and lora_b is not None:
            a, b = lora_a.to(dtype), lora_b.to(dtype)
            z = (h @ a.T).mul_(scale)
            logits.addmm_(z, b.T)
        lse = _chunked_lse(logits)
        ctx.save_for_backward(h, weight, a, b, z, targets, lse, logits)
        ctx.scale, ctx.hidden_dtype = scale, hidden.dtype
        return logits.gather(1, targets[:, None])[:, 0].float() - lse

    @staticmethod
    def backward(ctx: Any, grad: torch.Tensor) -> tuple[torch.Tensor | None, ...]:
        h, weight, a, b, z, targets, lse, logits = ctx.saved_tensors
        g = _logits_grad_(logits, targets, lse, grad, logits)  # the logits are not needed after this
        grad_hidden = g @ weight
        grad_a = grad_b = None
        if a is not None and b is not None and z is not None:
            grad_z = (g @ b).mul_(ctx.scale)
            grad_hidden.addmm_(grad_z, a)
            grad_a = (grad_z.T @ h).float()
            grad_b = (g.T @ z).float()
        return grad_hidden.to(ctx.hidden_dtype), None, grad_a, grad_b, None, None


@dataclass
class _Head:
    """The pieces of a causal LM that :class:`_HeadLogprobs` needs: the decoder up to the final norm, the
    unembedding's frozen weight, and its LoRA factors and scale (``None`` where the unembedding is not adapted)."""

    decoder: Any
    weight: torch.Tensor
    lora_a: torch.Tensor | None
    lora_b: torch.Tensor | None
    scale: float

    def logprobs(self, hidden: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        out: torch.Tensor = _HeadLogprobs.apply(  # type: ignore[no-untyped-call]
            hidden, self.weight, self.lora_a, self.lora_b, self.scale, targets
        )
        return out


# Architectures whose causal-LM logits are exactly ``lm_head(decoder(...).last_hidden_state)``: no logit scale or
# soft-capping (Gemma 2, Cohere and others have one; they keep the plain path).
_PLAIN_HEAD_MODEL_TYPES = frozenset({"llama", "mistral", "qwen2", "qwen3"})


def _plain_lora(module: Any) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, float] | None:
    """``(base weight, A, B, scale)`` of a PEFT LoRA linear layer that computes exactly ``base(x) + scale B A x``
    (one active adapter, no dropout, no DoRA or other variant, no biases, frozen base, not merged); else ``None``."""
    from peft.tuners.lora import Linear as LoraLinear

    if not isinstance(module, LoraLinear):
        return None
    layer: Any = module  # PEFT's attributes, untyped
    if layer.merged or layer.disable_adapters or len(layer.active_adapters) != 1:
        return None
    (name,) = layer.active_adapters
    base = layer.get_base_layer()
    plain = (
        name in layer.lora_A
        and name not in layer.lora_variant
        and isinstance(layer.lora_dropout[name], torch.nn.Identity)
        and isinstance(base, torch.nn.Linear)
        and base.bias is None
        and not base.weight.requires_grad
        and layer.lora_A[name].bias is None
        and layer.lora_B[name].bias is None
    )
    if not plain:
        return None
    return base.weight, layer.lora_A[name].weight, layer.lora_B[name].weight, float(layer.scaling[name])


def _fused_head(model: Any) -> _Head | None:
    """The model's decoder and unembedding for :class:`_HeadLogprobs`, or ``None`` where the model or its adapter
    is of a kind it does not cover (the plain path then runs)."""
    causal = model.get_base_model() if hasattr(model, "get_base_model") else model
    if getattr(causal.config, "model_type", None) not in _PLAIN_HEAD_MODEL_TYPES:
        return None
    head = causal.get_output_embeddings()
    if isinstance(head, torch.nn.Linear) and head.bias is None and not head.weight.requires_grad:
        return _Head(causal.get_decoder(), head.weight, None, None, 0.0)
    lora = _plain_lora(head)
    return None if lora is None else _Head(causal.get_decoder(), *lora)


def _attention_pairs(pack: Any, segmented: bool) -> int:
    """Query-key pairs the attention of ``pack`` scores: with the pack-aware attention, the prefix with itself
    and the padded grids of the rows' own tokens with the prefix and with themselves; otherwise the whole pack
    with itself (a dense mask)."""
    length = int(pack.input_ids.shape[1])
    if not segmented:
        return length * length
    return int(pack.layout.attention_pairs())


def _attention_mask(mask: torch.Tensor, model: Any) -> torch.Tensor:
    """The pack's boolean mask in the form the model's attention implementation takes: boolean for SDPA,
    additive (0 or the dtype's minimum) for the eager implementation."""
    if getattr(model.config, "_attn_implementation", "sdpa") in ("sdpa", "flash_attention_2", "flex_attention"):
        return mask
    dtype = next(model.parameters()).dtype
    return torch.zeros(mask.shape, dtype=dtype).masked_fill(~mask, torch.finfo(dtype).min)


def release_freed_memory() -> None:
    """Hand memory freed by the last step back to the operating system.

    Every step allocates and frees activations of a different size (packs vary in length); glibc keeps the freed
    blocks, so without this the process's resident memory ratchets up to several times what a step needs.
    """
    if _LIBC is not None:
        _LIBC.malloc_trim(0)


def _load_libc() -> Any:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.malloc_trim  # noqa: B018 - glibc only (musl has no malloc_trim)
    except (OSError, AttributeError):
        return None
    return libc


_LIBC = _load_libc()


def _use_segment_attention(model: Any) -> bool:
    """Switch an SDPA model to the pack-aware attention (same results, much less work on packs); models with
    another attention implementation keep it and get the pack's dense mask instead."""
    if getattr(model.config, "_attn_implementation", None) not in ("sdpa", ATTENTION_NAME):
        return False
    try:
        model.set_attn_implementation(register_segment_attention())
    except (ValueError, AttributeError, NotImplementedError) as exc:
        logger.info("pack-aware attention unavailable for this model (%s); using a dense mask", exc)
        return False
    return True


def _usable_cores() -> int:
    """Cores this process may run on (its CPU affinity, where the OS tells it), at least one."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def _adamw(params: list[torch.nn.Parameter]) -> torch.optim.AdamW:
    """AdamW with PyTorch's fused kernel where the device has one (one pass over each tensor instead of a dozen
    elementwise ops per parameter list: about half the optimizer's time for our ~400 LoRA tensors on a CPU), else
    the default multi-tensor implementation. Same update either way, to float32 rounding."""
    hyper: dict[str, Any] = {"lr": 1e-4, "betas": (0.9, 0.95), "eps": 1e-12, "weight_decay": 0.0}
    try:
        return torch.optim.AdamW(params, fused=True, **hyper)
    except (RuntimeError, ValueError):  # a device or dtype without the fused kernel
        return torch.optim.AdamW(params, **hyper)


class LocalTrainingClient:
    """A LoRA adapter being trained on a local model (Tinker's ``TrainingClient`` surface)."""

    def __init__(self, runner: ModelRunner, lora: LoraSpec, save_root: Path, step: int = 0) -> None:
        self._runner = runner
        self.lora = lora
        self.save_root = Path(save_root)
        self.step = step
        self._params = [p for p in runner.model.parameters() if p.requires_grad]
        self.max_pack_tokens = DEFAULT_MAX_PACK_TOKENS
        self._segment_attention = _use_segment_attention(runner.model)
        self._head = _fused_head(runner.model)
        """The decoder and unembedding for the fused logprobs (:class:`_HeadLogprobs`); ``None``: the plain path."""
        self.last_step_counts: dict[str, int] = {}
        """What the last ``forward_backward``/``forward`` ran: ``tokens`` through the decoder (a pack's shared
        prefix once), ``logit_positions`` projected to the vocabulary, ``attention_pairs`` scored (for
        ``benchmarks/bench_vs_trl.py``'s FLOP count)."""
        self._optimizer = _adamw(self._params)

    @property
    def model(self) -> Any:
        return self._runner.model

    def get_tokenizer(self) -> Any:
        return self._runner.tokenizer

    def get_base_model(self) -> str:
        return self._runner.base_model

    # -- training ---------------------------------------------------------------------------------------------
    def forward_backward(
        self, data: Sequence[types.Datum], loss_fn: str = "cross_entropy", loss_fn_config: Any = None
    ) -> LocalFuture[types.ForwardBackwardOutput]:
        """Compute the loss and its gradients (added to any not yet applied)."""
        self._check_loss_fn(loss_fn)
        return self._runner.executor.submit(self._forward, list(data), True)

    def forward(
        self, data: Sequence[types.Datum], loss_fn: str = "cross_entropy", loss_fn_config: Any = None
    ) -> LocalFuture[types.ForwardBackwardOutput]:
        """Compute the loss and logprobs without gradients."""
        self._check_loss_fn(loss_fn)
        return self._runner.executor.submit(self._forward, list(data), False)

    @staticmethod
    def _check_loss_fn(loss_fn: str) -> None:
        if loss_fn != "cross_entropy":
            raise LocalEngineError(f"the local engine supports loss_fn='cross_entropy', got {loss_fn!r}")

    def _forward(self, data: list[types.Datum], backward: bool) -> types.ForwardBackwardOutput:
        r = self._runner
        r.model.train(backward)
        rows = _rows(data)
        # Logprobs are computed where they are needed: at weighted positions when training (the 49k-vocabulary
        # projection at every position was most of the step's time and memory), at every position otherwise.
        logprobs = [torch.full((len(row.tokens),), float("nan")) for row in rows]
        total = 0.0
        counts = {"tokens": 0, "logit_positions": 0, "attention_pairs": 0}
        for pack in pack_rows([row.tokens for row in rows], self.max_pack_tokens):
            picks = [
                torch.nonzero(rows[i].weights).squeeze(1) if backward else torch.arange(len(rows[i].tokens))
                for i in pack.rows
            ]
            keep = torch.cat([pack.positions[k][pick] for k, pick in enumerate(picks)])
            targets = torch.cat([rows[i].targets[pick] for i, pick in zip(pack.rows, picks)])
            weights = torch.cat([rows[i].weights[pick] for i, pick in zip(pack.rows, picks)])
            if keep.numel() == 0:
                continue
            counts["tokens"] += pack.input_ids.shape[1]
            counts["logit_positions"] += keep.numel()
            counts["attention_pairs"] += _attention_pairs(pack, self._segment_attention)
            inputs = {
                "input_ids": pack.input_ids.to(r.device),
                "position_ids": pack.position_ids.to(r.device),
                "attention_mask": _attention_mask(pack.attention_mask, r.model).to(r.device),
                **({"pack_layout": pack.layout.to(r.device)} if self._segment_attention else {}),
            }
            with torch.set_grad_enabled(backward), r.autocast_context():
                # Logprobs in float32 whatever the compute precision, so losses are comparable across settings.
                if self._head is not None:
                    hidden = self._head.decoder(**inputs, use_cache=False).last_hidden_state[0]
                    lp = self._head.logprobs(hidden[keep.to(r.device)], targets.to(r.device))
                else:
                    logits = r.model(**inputs, logits_to_keep=keep.to(r.device)).logits.squeeze(0)
                    lp = token_logprobs(logits, targets.to(r.device))
                loss = -(lp * weights.to(r.device)).sum()
            if backward:
                loss.backward()
            total += float(loss.item())
            lp = lp.detach().cpu()
            offset = 0
            for i, pick in zip(pack.rows, picks):
                logprobs[i][pick] = lp[offset : offset + len(pick)]
                offset += len(pick)
        self.last_step_counts = counts
        outputs = [{"logprobs": types.TensorData.from_numpy(lp.numpy().astype(np.float32))} for lp in logprobs]
        return types.ForwardBackwardOutput(
            loss_fn_output_type="ArrayRecord", loss_fn_outputs=outputs, metrics={"loss:sum": total}
        )

    def optim_step(self, adam_params: types.AdamParams) -> LocalFuture[types.OptimStepResponse]:
        """Apply the accumulated gradients with AdamW, then clear them."""
        return self._runner.executor.submit(self._optim_step, adam_params)

    def _optim_step(self, p: types.AdamParams) -> types.OptimStepResponse:
        for group in self._optimizer.param_groups:
            group.update(lr=p.learning_rate, betas=(p.beta1, p.beta2), eps=p.eps, weight_decay=p.weight_decay)
        grads = [q.grad for q in self._params if q.grad is not None]
        if not grads:
            raise LocalEngineError("optim_step called with no gradients: run forward_backward first")
        max_norm = p.grad_clip_norm if p.grad_clip_norm > 0 else float("inf")
        grad_norm = float(torch.nn.utils.clip_grad_norm_(self._params, max_norm))
        self._optimizer.step()
        self._optimizer.zero_grad(set_to_none=True)
        release_freed_memory()
        self._runner.weights_version += 1
        self.step += 1
        return types.OptimStepResponse(metrics={"grad_norm": grad_norm, "step": float(self.step)})

    # -- checkpoints ------------------------------------------------------------------------------------------
    def save_state(self, name: str, **_: Any) -> LocalFuture[types.SaveWeightsResponse]:
        """Save adapter, optimizer state and step under ``<save_root>/weights/<name>`` (for resuming)."""
        return self._runner.executor.submit(self._save_state, name)

    def _save_state(self, name: str) -> types.SaveWeightsResponse:
        from peft import get_peft_model_state_dict
        from safetensors.torch import save_file

        final = self.save_root / "weights" / name
        state = {
            k: v.detach().cpu().contiguous()
            for k, v in get_peft_model_state_dict(self.model, save_embedding_layers=False).items()
        }
        with atomic_directory(final) as tmp:  # the old checkpoint or the complete new one, never a part
            save_file(state, str(tmp / ADAPTER_WEIGHTS))
            torch.save(self._optimizer.state_dict(), tmp / OPTIMIZER_FILE)
            _write_json(
                tmp / STATE_FILE,
                {"format": 1, "step": self.step, "base_model": self._runner.base_model, "lora": self.lora.__dict__},
            )
        return types.SaveWeightsResponse(path=str(final))

    def save_weights_for_sampler(self, name: str, **_: Any) -> LocalFuture[types.SaveWeightsForSamplerResponse]:
        """Save a PEFT adapter directory under ``<save_root>/sampler_weights/<name>`` (for sampling)."""
        return self._runner.executor.submit(self._save_for_sampler, name)

    def _save_for_sampler(self, name: str) -> types.SaveWeightsForSamplerResponse:
        final = self.save_root / "sampler_weights" / name
        with atomic_directory(final) as tmp:
            # The LoRA factors are enough: the base embedding (tied to the unembedding) is unchanged.
            self.model.save_pretrained(str(tmp), save_embedding_layers=False)
            _write_json(tmp / ENGINE_FILE, {"format": 1, "base_model": self._runner.base_model, "step": self.step})
        return types.SaveWeightsForSamplerResponse(path=str(final))

    def save_weights_and_get_sampling_client(
        self, name: str | None = None, **_: Any
    ) -> LocalFuture[LocalSamplingClient]:
        """A sampling client over the adapter as trained so far.

        It shares the model and the worker thread, so a request runs between the training requests submitted
        before and after it and sees exactly the weights of that moment (Tinker's "snapshot" contract) with no copy.
        """
        return LocalFuture.completed(LocalSamplingClient(self._runner))

    def load_optimizer_state(self, state: dict[str, Any]) -> None:
        self._optimizer.load_state_dict(state)

    def optimizer_state(self) -> dict[str, Any]:
        return self._optimizer.state_dict()


class LocalServiceClient(LoraTrainingService[LocalFuture[LocalTrainingClient]]):
    """Creates local training and sampling clients (Tinker's ``ServiceClient`` surface).

    Args:
        save_root: where training clients save checkpoints (``weights/`` and ``sampler_weights/`` below it).
        device: ``auto``, ``cpu``, ``cuda``, ``cuda:N`` or ``mps``.
        precision: ``auto``, ``fp32`` or ``bf16`` (autocast dtype for compute; weights stay float32).
        lora_alpha: LoRA scaling numerator; ``None`` means ``LORA_SCALE_LOCAL`` x the rank.
        sampling_batch_size: rows generated together.
    """

    def __init__(
        self,
        save_root: str | Path = "checkpoints/local",
        device: str = "auto",
        precision: str = "auto",
        lora_alpha: float | None = None,
        sampling_batch_size: int = 64,
    ) -> None:
        self.save_root = Path(save_root)
        self.device = resolve_device(device)
        self.autocast = resolve_autocast(self.device, precision)
        self.lora_alpha = lora_alpha
        self.sampling_batch_size = sampling_batch_size
        if self.device.type == "cpu" and not os.environ.get("OMP_NUM_THREADS"):
            # On the engine thread, where the work runs (OpenMP's thread count is per thread).
            on_engine_thread(torch.set_num_threads, _usable_cores())

    def _load(self, base_model: str, adapt: Callable[[Any], Any] = lambda model: model) -> ModelRunner:
        """Load ``base_model``, let ``adapt`` wrap it (LoRA, a saved adapter), and place it on the device, on the
        engine thread (see :func:`engine_pool`: one thread runs all of the process's PyTorch work)."""
        return on_engine_thread(self._load_here, base_model, adapt)

    def _load_here(self, base_model: str, adapt: Callable[[Any], Any]) -> ModelRunner:
        model, tokenizer = load_model(base_model)
        model = adapt(model)
        if self.autocast is not None:
            # Frozen base weights in the compute dtype: autocast would cast them on every use anyway. Trainable
            # (LoRA) weights and the optimizer state stay float32.
            for param in model.parameters():
                if not param.requires_grad:
                    param.data = param.data.to(self.autocast)
            # PEFT casts each adapted layer's input to the adapter's float32 before the LoRA product, and autocast
            # casts it straight back: two copies of the activation per layer and pass, for nothing.
            for module in model.modules():
                if hasattr(module, "cast_input_dtype_enabled"):
                    module.cast_input_dtype_enabled = False
        return ModelRunner(model, tokenizer, base_model, self.device, self.autocast)

    def _create_lora_training_client(self, base_model: str, lora: LoraOptions) -> LocalFuture[LocalTrainingClient]:
        """A training client with a freshly initialised LoRA adapter on ``base_model``."""
        alpha = float(self.lora_alpha or LORA_SCALE_LOCAL * lora.rank)
        spec = LoraSpec(lora.rank, alpha, lora.train_mlp, lora.train_attn, lora.train_unembed)

        def create() -> LocalTrainingClient:
            runner = self._load(base_model, lambda model: _wrap_lora(model, spec, lora.seed))
            return LocalTrainingClient(runner, spec, self.save_root)

        return LocalFuture.completed(on_engine_thread(create))

    def create_training_client_from_state(self, path: str) -> LocalFuture[LocalTrainingClient]:
        """A training client with the adapter weights of a ``save_state`` checkpoint and a fresh optimizer."""
        return LocalFuture.completed(on_engine_thread(self._from_state, path, with_optimizer=False))

    def create_training_client_from_state_with_optimizer(self, path: str) -> LocalFuture[LocalTrainingClient]:
        """A training client restored from a ``save_state`` checkpoint: adapter, optimizer state and step."""
        return LocalFuture.completed(on_engine_thread(self._from_state, path, with_optimizer=True))

    def _from_state(self, path: str, with_optimizer: bool) -> LocalTrainingClient:
        from peft import set_peft_model_state_dict
        from safetensors.torch import load_file

        state_dir = Path(path)
        meta = _checkpoint_meta(state_dir, "training state")
        spec = LoraSpec(**meta["lora"])

        def restore(model: Any) -> Any:
            peft_model = _wrap_lora(model, spec, seed=None)
            result: Any = set_peft_model_state_dict(peft_model, load_file(str(state_dir / ADAPTER_WEIGHTS)))
            if getattr(result, "unexpected_keys", None):
                raise LocalEngineError(f"{state_dir}: adapter has unexpected tensors {result.unexpected_keys[:3]}")
            return peft_model

        runner = self._load(meta["base_model"], restore)
        client = LocalTrainingClient(runner, spec, self.save_root, step=int(meta["step"]))
        if with_optimizer:
            client.load_optimizer_state(torch.load(state_dir / OPTIMIZER_FILE, map_location=self.device))
        return client

    def create_sampling_client(
        self, model_path: str | None = None, base_model: str | None = None, **_: Any
    ) -> LocalFuture[LocalSamplingClient]:
        """A sampling client for a ``save_weights_for_sampler`` path, or for a bare base model."""
        if model_path is None:
            if base_model is None:
                raise LocalEngineError("create_sampling_client needs model_path or base_model")
            # Nothing trains a sampling client's model: frozen, it can be packed for inference (see ModelRunner).
            runner = self._load(base_model, lambda model: model.requires_grad_(False))
            on_engine_thread(runner.pack_frozen_weights)
            return LocalFuture.completed(LocalSamplingClient(runner, self.sampling_batch_size))
        from peft import PeftModel

        adapter_dir = Path(model_path)
        meta = _checkpoint_meta(adapter_dir, "sampler")

        def adapt(model: Any) -> Any:
            adapted = PeftModel.from_pretrained(model, str(adapter_dir))
            # Merged while loading, in float32 (a bf16 engine casts after, so the adapter is not rounded away): one
            # product per layer, and the first request does not pay for the merge.
            merge_frozen_lora(adapted)
            return adapted

        runner = self._load(meta["base_model"], adapt)
        on_engine_thread(runner.pack_frozen_weights)  # likewise the oneDNN copies of the weights (CPU)
        return LocalFuture.completed(LocalSamplingClient(runner, self.sampling_batch_size))
