"""What the local engine's training and sampling clients share: the device, the compute precision, and a
loaded model with the queue that runs all of its work in submission order on the engine thread."""

from __future__ import annotations

from typing import Any

import torch

from sft.engines.errors import EngineError
from sft.engines.futures import SerialExecutor


class LocalEngineError(EngineError):
    """A local engine request cannot be served (bad input, bad checkpoint)."""


def resolve_device(device: str = "auto") -> torch.device:
    """``auto`` picks CUDA, then Apple MPS, then the CPU."""
    if device != "auto":
        return torch.device(device)
    if torch.cuda.is_available():
        return torch.device("cuda")
    if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def resolve_autocast(device: torch.device, precision: str = "auto") -> torch.dtype | None:
    """The autocast dtype for compute, or ``None`` for plain float32."""
    if precision == "fp32":
        return None
    if precision == "bf16":
        return torch.bfloat16
    if device.type == "cuda":
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else None
    if device.type == "cpu":
        # bf16 autocast is only a speed-up where the CPU has native bf16 instructions.
        return torch.bfloat16 if torch.ops.mkldnn._is_mkldnn_bf16_supported() else None
    return None


class ModelRunner:
    """A loaded model, its tokenizer, the worker thread that owns it, and how to run it."""

    def __init__(self, model: Any, tokenizer: Any, base_model: str, device: torch.device, autocast: torch.dtype | None):
        self.model = model.to(device)
        self.tokenizer = tokenizer
        self.base_model = base_model
        self.device = device
        self.autocast = autocast
        self.executor = SerialExecutor()
        self.weights_version = 0
        """Bumped by whoever changes the weights (an optimizer step, a loaded adapter): see ``weights_key``."""

    def autocast_context(self) -> Any:
        if self.autocast is None:
            return torch.autocast(self.device.type, enabled=False)
        return torch.autocast(self.device.type, dtype=self.autocast)

    def weights_key(self) -> tuple[Any, ...]:
        """Changes whenever the weights may have changed, so results computed from them (a cached prompt prefix)
        can be reused only while it stays equal: ``weights_version``, the compute precision, and each parameter's
        identity and in-place version counter (bumped by ``copy_`` and by the default optimizers; fused optimizers
        do not bump it, which is what ``weights_version`` is for)."""
        params = tuple((id(p), p._version) for p in self.model.parameters())
        return (self.weights_version, self.autocast, str(self.device), params)

    def merge_frozen_adapter(self) -> int:
        """Fold a frozen LoRA adapter into the base weights (see :func:`merge_frozen_lora`); returns how many
        layers were merged."""
        merged = merge_frozen_lora(self.model)
        if merged:
            self.weights_version += 1
        return merged

    @property
    def pad_id(self) -> int:
        pad = self.tokenizer.pad_token_id
        return int(pad if pad is not None else self.tokenizer.eos_token_id)


def merge_frozen_lora(model: Any) -> int:
    """Fold a frozen LoRA adapter into the base weights, so inference runs one matrix product per layer instead
    of three; returns how many layers were merged. Only when nothing is trainable (a sampler checkpoint, which
    nothing trains), and only into float32 weights: merging into bf16 weights would add the adapter's small
    update to already-rounded weights, so a bf16 engine merges while the loaded weights are still float32 and casts
    after (see ``LocalServiceClient``). An unembedding tied to the embedding stays as it is (merging would change
    the embedding too)."""
    try:
        from peft.tuners.lora import LoraLayer
    except ImportError:  # pragma: no cover - peft is a dependency
        return 0
    if any(p.requires_grad for p in model.parameters()):
        return 0
    embedding = model.get_input_embeddings().weight
    merged = 0
    for module in model.modules():
        if isinstance(module, LoraLayer) and not module.merged:
            weight = module.get_base_layer().weight
            if weight is embedding or weight.dtype != torch.float32:
                continue
            module.merge()
            merged += 1
    return merged
