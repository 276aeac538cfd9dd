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
"""

from __future__ import annotations

import types
from typing import Any

import torch
import torch.nn.functional as F

_ORIGINAL = "_peft_forward"


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


def _fused_forward(self: Any, x: torch.Tensor, *args: Any, **kwargs: Any) -> torch.Tensor:
    peft_forward = getattr(self, _ORIGINAL)
    if args or kwargs or self.disable_adapters or self.merged or len(self.active_adapters) != 1:
        return peft_forward(x, *args, **kwargs)  # type: ignore[no-any-return]
    name = self.active_adapters[0]
    if (
        name not in self.lora_A
        or name in getattr(self, "lora_variant", {})
        or not isinstance(self.lora_dropout[name], torch.nn.Identity)
    ):
        return peft_forward(x, *args, **kwargs)  # type: ignore[no-any-return]
    base = self.get_base_layer()
    device = x.device.type
    dtype = torch.get_autocast_dtype(device) if torch.is_autocast_enabled(device) else x.dtype
    with torch.autocast(device, enabled=False):
        out: torch.Tensor = _LoraLinear.apply(  # type: ignore[no-untyped-call]
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
    return fused


def unfuse_lora_layers(model: torch.nn.Module) -> None:
    """Give the layers back PEFT's own forward (for comparisons)."""
    for module in model.modules():
        if module.__dict__.pop(_ORIGINAL, None) is not None:
            module.__dict__.pop("forward", None)
