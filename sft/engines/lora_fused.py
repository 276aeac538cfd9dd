"""A LoRA linear layer's forward and backward as one autograd node, for PEFT's ``lora.Linear`` modules.

PEFT computes ``base(x) + lora_B(lora_A(x)) * scaling`` as five autograd nodes, and under autocast each LoRA
weight is cast on every use: on a CPU, where a step of the bundled model runs ~200 such layers with small
matrices, the elementwise scale, the add, the casts and their backward passes cost as much as the LoRA products.
Here the scale is folded into the (rank x out) factor, the LoRA product is accumulated into the base output in
place (``addmm_``), and the backward writes the input gradient of both paths in one accumulation. The products
are the same ones PEFT runs, in the same dtype, so values and gradients equal PEFT's to rounding (tests compare
them). PEFT still owns the adapter (its modules, names, saving, loading, merging); only the forward of plain
single-adapter layers is replaced, and anything else (merged, disabled, dropout, DoRA and other variants, mixed
adapter batches) goes to PEFT's own forward.

Sibling layers that read the same input (a decoder layer's query/key/value projections, an MLP's gate and up
projections) are computed together: one product with their stacked base weights, one with their stacked ``A``
factors, and in the backward one product each for the input gradient, instead of one set per layer. The first
sibling called computes all of them and hands the others their outputs when they are called with the same input
tensor (any other input, or a sibling that is not a plain single-adapter layer, computes alone).
"""

from __future__ import annotations

import types
from typing import Any

import torch
import torch.nn.functional as F

_ORIGINAL = "_peft_forward"
_GROUP = "_lora_siblings"
# Projections of one parent module that the transformers model families we load (Llama, Mistral, Qwen, Gemma, ...)
# call on the same input tensor.
SIBLING_NAMES = (("q_proj", "k_proj", "v_proj"), ("gate_proj", "up_proj"))


class _LoraLinear(torch.autograd.Function):
    """``x @ W.T + bias + scale * (x @ A.T) @ B.T`` in ``dtype``; gradients for ``x``, ``A`` and ``B`` only (the
    base weight and bias are frozen), the LoRA ones in the factors' own dtype."""

    @staticmethod
    def forward(
        ctx: Any,
        x: torch.Tensor,
        weight: torch.Tensor,
        bias: torch.Tensor | None,
        lora_a: torch.Tensor,
        lora_b: torch.Tensor,
        scale: float,
        dtype: torch.dtype,
    ) -> torch.Tensor:
        shape = x.shape
        x2 = x.reshape(-1, shape[-1]).to(dtype)
        w = weight.to(dtype)
        a = lora_a.to(dtype)
        b = (lora_b * scale).to(dtype)
        h = x2 @ a.t()
        y = F.linear(x2, w, None if bias is None else bias.to(dtype))
        y.addmm_(h, b.t())
        ctx.save_for_backward(x2, h, w, a, b)
        ctx.scale = scale
        ctx.x_shape = shape
        ctx.x_dtype = x.dtype
        ctx.factor_dtypes = (lora_a.dtype, lora_b.dtype)
        return y.view(*shape[:-1], y.shape[-1])

    @staticmethod
    def backward(ctx: Any, grad: torch.Tensor) -> tuple[torch.Tensor | None, ...]:
        x2, h, w, a, b = ctx.saved_tensors
        g = grad.reshape(-1, grad.shape[-1]).to(w.dtype)
        needs_x, _, _, needs_a, needs_b = ctx.needs_input_grad[:5]
        grad_x = grad_a = grad_b = None
        gh = g @ b  # the gradient at the rank-r bottleneck, scale included
        if needs_x:
            grad_x = (g @ w).addmm_(gh, a).view(ctx.x_shape).to(ctx.x_dtype)
        if needs_a:
            grad_a = (gh.t() @ x2).to(ctx.factor_dtypes[0])
        if needs_b:
            grad_b = (g.t() @ h).to(ctx.factor_dtypes[1]).mul_(ctx.scale)
        return grad_x, None, None, grad_a, grad_b, None, None


class _LoraSiblings(torch.autograd.Function):
    """Several LoRA linear layers on the same input: ``_LoraLinear`` for each, as one node with stacked products.

    ``factors`` are each layer's ``A`` and ``B`` in turn; returns each layer's output."""

    @staticmethod
    def forward(
        ctx: Any,
        x: torch.Tensor,
        weight: torch.Tensor,
        bias: torch.Tensor | None,
        scales: tuple[float, ...],
        dtype: torch.dtype,
        *factors: torch.Tensor,
    ) -> tuple[torch.Tensor, ...]:
        shape = x.shape
        x2 = x.reshape(-1, shape[-1]).to(dtype)
        a = torch.cat([f.to(dtype) for f in factors[0::2]])
        bs = [(f * scale).to(dtype) for f, scale in zip(factors[1::2], scales)]
        h = x2 @ a.t()
        y = F.linear(x2, weight, bias)
        widths = [b.shape[0] for b in bs]
        column = rank = 0
        for b in bs:
            y[:, column : column + b.shape[0]].addmm_(h[:, rank : rank + b.shape[1]], b.t())
            column, rank = column + b.shape[0], rank + b.shape[1]
        ctx.save_for_backward(x2, h, weight, a, *bs)
        ctx.scales = scales
        ctx.x_shape = shape
        ctx.x_dtype = x.dtype
        ctx.factor_dtypes = [f.dtype for f in factors]
        return tuple(part.view(*shape[:-1], part.shape[-1]) for part in y.split(widths, dim=1))

    @staticmethod
    def backward(ctx: Any, *grads: torch.Tensor | None) -> tuple[torch.Tensor | None, ...]:
        x2, h, weight, a, *bs = ctx.saved_tensors
        gs = [
            torch.zeros(x2.shape[0], b.shape[0], dtype=weight.dtype, device=weight.device)
            if g is None
            else g.reshape(-1, b.shape[0]).to(weight.dtype)
            for g, b in zip(grads, bs)
        ]
        gh = torch.cat([g @ b for g, b in zip(gs, bs)], dim=1)  # at the stacked rank-r bottlenecks
        grad_x = None
        if ctx.needs_input_grad[0]:
            grad_x = (torch.cat(gs, dim=1) @ weight).addmm_(gh, a).view(ctx.x_shape).to(ctx.x_dtype)
        grad_a = gh.t() @ x2
        factor_grads: list[torch.Tensor | None] = []
        rank = 0
        for i, (g, b, scale) in enumerate(zip(gs, bs, ctx.scales)):
            width = b.shape[1]
            wants_a, wants_b = ctx.needs_input_grad[5 + 2 * i : 7 + 2 * i]
            factor_grads.append(grad_a[rank : rank + width].to(ctx.factor_dtypes[2 * i]) if wants_a else None)
            factor_grads.append(
                (g.t() @ h[:, rank : rank + width]).to(ctx.factor_dtypes[2 * i + 1]).mul_(scale) if wants_b else None
            )
            rank += width
        return (grad_x, None, None, None, None, *factor_grads)


class _Siblings:
    """LoRA layers of one parent that read the same input, and the outputs computed for the ones not yet called."""

    def __init__(self, members: list[Any]) -> None:
        self.members = members
        self.pending: tuple[torch.Tensor, dict[int, torch.Tensor]] | None = None

    def forward(self, member: Any, x: torch.Tensor, name: str, dtype: torch.dtype) -> torch.Tensor | None:
        """``member``'s output for ``x``, computing its siblings' too; ``None`` if they cannot be computed together."""
        index = self.members.index(member)
        if self.pending is not None and self.pending[0] is x and index in self.pending[1]:
            out = self.pending[1].pop(index)
            if not self.pending[1]:
                self.pending = None
            return out
        if not all(_plain_adapter(m) == name for m in self.members):
            return None
        bases = [m.get_base_layer() for m in self.members]
        biases = [base.bias for base in bases]
        if any(b is None for b in biases) and not all(b is None for b in biases):
            return None
        weight = torch.cat([base.weight.to(dtype) for base in bases])
        bias = None if biases[0] is None else torch.cat([b.to(dtype) for b in biases])
        factors = [t for m in self.members for t in (m.lora_A[name].weight, m.lora_B[name].weight)]
        scales = tuple(float(m.scaling[name]) for m in self.members)
        outs = _LoraSiblings.apply(x, weight, bias, scales, dtype, *factors)  # type: ignore[no-untyped-call]
        self.pending = (x, {i: out for i, out in enumerate(outs) if i != index})
        return outs[index]  # type: ignore[no-any-return]


def _plain_adapter(layer: Any) -> str | None:
    """The single active adapter of a layer that PEFT would run as vanilla LoRA, else ``None``."""
    if layer.disable_adapters or layer.merged or len(layer.active_adapters) != 1:
        return None
    name: str = layer.active_adapters[0]
    if (
        name not in layer.lora_A
        or name in getattr(layer, "lora_variant", {})
        or not isinstance(layer.lora_dropout[name], torch.nn.Identity)
    ):
        return None
    return name


def _fused_forward(self: Any, x: torch.Tensor, *args: Any, **kwargs: Any) -> torch.Tensor:
    name = None if args or kwargs else _plain_adapter(self)
    if name is None:
        return getattr(self, _ORIGINAL)(x, *args, **kwargs)  # type: ignore[no-any-return]
    device = x.device.type
    dtype = torch.get_autocast_dtype(device) if torch.is_autocast_enabled(device) else x.dtype
    with torch.autocast(device, enabled=False):
        siblings: _Siblings | None = self.__dict__.get(_GROUP)
        out = None if siblings is None else siblings.forward(self, x, name, dtype)
        if out is None:
            base = self.get_base_layer()
            out = _LoraLinear.apply(  # type: ignore[no-untyped-call]
                x,
                base.weight,
                base.bias,
                self.lora_A[name].weight,
                self.lora_B[name].weight,
                float(self.scaling[name]),
                dtype,
            )
    return out


def fuse_lora_layers(model: torch.nn.Module) -> int:
    """Give every PEFT ``lora.Linear`` in ``model`` the one-node forward (idempotent); returns how many layers
    use it. Layers whose base is not a plain ``torch.nn.Linear`` keep PEFT's forward."""
    try:
        from peft.tuners.lora import Linear as LoraLinear
    except ImportError:  # pragma: no cover - peft is a dependency
        return 0
    fused = 0
    for module in model.modules():
        if not isinstance(module, LoraLinear) or not isinstance(module.get_base_layer(), torch.nn.Linear):
            continue
        if not hasattr(module, _ORIGINAL):
            setattr(module, _ORIGINAL, module.forward)
            module.forward = types.MethodType(_fused_forward, module)  # type: ignore[method-assign]
        fused += 1
    for parent in model.modules():
        for names in SIBLING_NAMES:
            members: list[Any] = [getattr(parent, n, None) for n in names]
            if all(hasattr(m, _ORIGINAL) for m in members) and (
                len({m.get_base_layer().in_features for m in members}) == 1
            ):
                group = _Siblings(members)
                for m in members:
                    m.__dict__[_GROUP] = group
    return fused


def unfuse_lora_layers(model: torch.nn.Module) -> None:
    """Give the layers back PEFT's own forward (for comparisons)."""
    for module in model.modules():
        if module.__dict__.pop(_ORIGINAL, None) is not None:
            module.__dict__.pop("forward", None)
            module.__dict__.pop(_GROUP, None)
