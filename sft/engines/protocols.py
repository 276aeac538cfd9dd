"""The client surface both engines serve: Tinker's service, training and sampling clients, as ``Protocol``s.

``sft.train`` and ``sft.evaluate`` are written against these, not against an engine. The Tinker engine
(``sft.engines.tinker_engine``) and the local engine (``sft.engines.local``) satisfy them structurally; the type
checker (``make typecheck``) holds both to them. Names and semantics as in the tinker SDK (0.38): every request
returns a future that can be awaited or waited on with ``result()``, so a caller can submit several requests
before awaiting any.

Engine-specific extras stay off these protocols and are looked up where they exist: ``close`` (end a Tinker
session), ``check_sampleable``, ``offers`` and ``usable_models`` (what Tinker offers), ``constrained`` (grammar-
constrained sampling on the local engine).

Besides the protocols, :class:`LoraTrainingService`: the one spelling of ``create_lora_training_client`` (Tinker's
signature and defaults), which both service clients inherit and serve through their own
``_create_lora_training_client``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Generator, Sequence
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar, runtime_checkable

from tinker import types

T_co = TypeVar("T_co", covariant=True)
FutureT = TypeVar("FutureT")


class EngineFuture(Protocol[T_co]):
    """The result of a request: ``await future``, or ``future.result(timeout)`` from synchronous code."""

    def result(self, timeout: float | None = None) -> T_co: ...

    def __await__(self) -> Generator[Any, None, T_co]: ...


class SamplingClient(Protocol):
    """Generates completions from one set of weights (a base model, or a checkpoint's adapter)."""

    def sample(
        self, prompt: types.ModelInput, num_samples: int, sampling_params: types.SamplingParams
    ) -> EngineFuture[types.SampleResponse]: ...

    def get_tokenizer(self) -> Any: ...

    def get_base_model(self) -> str: ...


class TrainingClient(Protocol):
    """One LoRA adapter being trained: gradients, optimizer steps, checkpoints, sampling from its weights now."""

    def forward_backward(
        self, data: Sequence[types.Datum], loss_fn: types.LossFnType = "cross_entropy"
    ) -> EngineFuture[types.ForwardBackwardOutput]: ...

    def optim_step(self, adam_params: types.AdamParams) -> EngineFuture[types.OptimStepResponse]: ...

    def save_state(self, name: str, *, ttl_seconds: int | None = None) -> EngineFuture[types.SaveWeightsResponse]: ...

    def save_weights_for_sampler(
        self, name: str, *, ttl_seconds: int | None = None
    ) -> EngineFuture[types.SaveWeightsForSamplerResponse]: ...

    def save_weights_and_get_sampling_client(self) -> EngineFuture[SamplingClient]: ...

    def get_tokenizer(self) -> Any: ...

    def get_base_model(self) -> str: ...


class ServiceClient(Protocol):
    """Creates training and sampling clients on one engine."""

    def create_lora_training_client(
        self, base_model: str, rank: int = 32, seed: int | None = None
    ) -> EngineFuture[TrainingClient]: ...

    def create_training_client_from_state_with_optimizer(self, path: str) -> EngineFuture[TrainingClient]: ...

    def create_sampling_client(
        self, model_path: str | None = None, base_model: str | None = None
    ) -> EngineFuture[SamplingClient]: ...


@runtime_checkable
class ModelCatalog(Protocol):
    """A service that says which models it offers (Tinker retires models; the local engine loads any it finds)."""

    base_url: str

    def offers(self, base_model: str) -> bool: ...

    def usable_models(self) -> list[str]: ...


@dataclass(frozen=True)
class LoraOptions:
    """A new LoRA adapter: its rank, its initialisation seed (``None``: random) and which layers it trains."""

    rank: int
    seed: int | None
    train_mlp: bool
    train_attn: bool
    train_unembed: bool


class LoraTrainingService(ABC, Generic[FutureT]):
    """``create_lora_training_client`` as the tinker SDK spells it, for a service whose future type is ``FutureT``."""

    def create_lora_training_client(
        self,
        base_model: str,
        rank: int = 32,
        seed: int | None = None,
        train_mlp: bool = True,
        train_attn: bool = True,
        train_unembed: bool = True,
    ) -> FutureT:
        """A training client with a new LoRA adapter on ``base_model``: its rank, its initialisation seed
        (``None``: random) and whether it trains the MLP, attention and unembedding layers."""
        lora = LoraOptions(rank, seed, train_mlp, train_attn, train_unembed)
        return self._create_lora_training_client(base_model, lora)

    @abstractmethod
    def _create_lora_training_client(self, base_model: str, lora: LoraOptions) -> FutureT:
        """The engine's own creation of the training client :meth:`create_lora_training_client` returns."""
