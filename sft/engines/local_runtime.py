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
        self._packed_version: int | None = None

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

    def pack_frozen_weights(self) -> int:
        """Give a frozen model's linear layers oneDNN copies of their weights for inference (see
        :func:`pack_frozen_linears`), all of them again if ``weights_version`` moved since the last call (a
        change made through ``.data``, as PEFT merges, leaves no other trace); returns how many were packed."""
        if self.device.type != "cpu":
            return 0
        force = self._packed_version is not None and self._packed_version != self.weights_version
        packed = pack_frozen_linears(self.model, force=force)
        self._packed_version = self.weights_version
        return packed

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


# Smaller weights (LoRA factors) stay as they are: they fit in the CPU's caches, and a merged adapter's factors are
# not used at all.
PACK_MIN_ELEMENTS = 1 << 16


def onednn_linear_available() -> bool:
    """Whether this PyTorch build has oneDNN's prepacked linear for float32 on the CPU (x86 builds do)."""
    if not torch.backends.mkldnn.is_available():
        return False
    try:
        torch.ops.mkldnn._reorder_linear_weight  # noqa: B018 - raises where the build lacks the op
        torch.ops.mkldnn._linear_pointwise  # noqa: B018
    except (AttributeError, RuntimeError):
        return False
    return True


def _packed_key(weight: torch.Tensor) -> tuple[int, int]:
    return (weight.data_ptr(), weight._version)


def _packed_linear_forward(module: torch.nn.Linear, x: torch.Tensor) -> torch.Tensor:
    """``F.linear`` through the module's oneDNN copy of its weight where that copy is current and the call is plain
    float32 inference; anything else (gradients, autocast, another dtype or device, a changed weight) takes
    ``F.linear`` on the weight itself."""
    packed = module.__dict__.get("_onednn_weight")
    weight = module.weight
    if (
        packed is None
        or torch.is_grad_enabled()
        or x.dtype != torch.float32
        or x.device.type != "cpu"
        or torch.is_autocast_enabled("cpu")
        or module.__dict__.get("_onednn_key") != _packed_key(weight)
    ):
        return torch.nn.functional.linear(x, weight, module.bias)
    out: torch.Tensor = torch.ops.mkldnn._linear_pointwise(x, packed, module.bias, "none", [], "")
    return out


def pack_frozen_linears(model: Any, *, force: bool = False, min_elements: int = PACK_MIN_ELEMENTS) -> int:
    """Prepack every float32 ``nn.Linear`` weight of a frozen CPU model in oneDNN's blocked layout, once, and
    route its no-gradient forwards through oneDNN's linear; returns how many layers were packed or repacked.

    Decoding multiplies a few rows (one per sequence) by every weight matrix, a shape MKL's general matrix
    product handles at a fraction of the memory bandwidth; with the weights already in oneDNN's layout the same
    products take about 0.6x the time (the bundled model's shapes on a 2-core AVX2 CPU, 8 to 64 rows:
    ``benchmarks/bench_sampling.py``). Training-sized products gain nothing, and a model being trained keeps its
    plain path: only a model with nothing trainable (a sampler checkpoint) is packed. The copies cost the
    weights' size in memory again. Results equal ``F.linear``'s to float32 rounding (another summation order).
    A weight changed after packing in place (``copy_``, an optimizer) or replaced is noticed at the next forward,
    which then falls back to ``F.linear`` until this is called again; a change through ``.data`` is not, so call
    this with ``force`` after one. Weights of fewer than ``min_elements`` are left as they are.
    """
    if not onednn_linear_available() or any(p.requires_grad for p in model.parameters()):
        return 0
    packed = 0
    for module in model.modules():
        if type(module) is not torch.nn.Linear:
            continue
        weight = module.weight
        if weight.dtype != torch.float32 or weight.device.type != "cpu" or weight.numel() < min_elements:
            continue
        if not force and module.__dict__.get("_onednn_key") == _packed_key(weight):
            continue
        with torch.no_grad():
            module.__dict__["_onednn_weight"] = torch.ops.mkldnn._reorder_linear_weight(weight.detach(), None)
        module.__dict__["_onednn_key"] = _packed_key(weight)
        module.forward = _packed_linear_forward.__get__(module)  # type: ignore[method-assign]
        packed += 1
    return packed


def unpack_linears(model: Any) -> int:
    """Undo :func:`pack_frozen_linears`: drop the oneDNN copies and give the layers back their own forward;
    returns how many layers were unpacked."""
    unpacked = 0
    for module in model.modules():
        if module.__dict__.pop("_onednn_weight", None) is not None:
            module.__dict__.pop("_onednn_key", None)
            module.__dict__.pop("forward", None)
            unpacked += 1
    return unpacked
