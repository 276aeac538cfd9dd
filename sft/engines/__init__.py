"""Engines: the Tinker service and a local PyTorch engine, both with Tinker's client surface.

``create_service_client`` is the one place that chooses between them; ``sft.train`` and ``sft.evaluate`` only
see the service, training and sampling clients it returns (typed by :mod:`sft.engines.protocols`).
"""

from __future__ import annotations

from pathlib import Path

from sft.config import TrainConfig
from sft.engines.protocols import EngineFuture, ModelCatalog, SamplingClient, ServiceClient, TrainingClient

__all__ = [
    "EngineFuture",
    "ModelCatalog",
    "SamplingClient",
    "ServiceClient",
    "TrainingClient",
    "create_service_client",
]


def create_service_client(config: TrainConfig, save_root: str | Path | None = None) -> ServiceClient:
    """The service client of the configured backend.

    Args:
        config: the run's configuration (backend, device, precision, Tinker URL and timeouts, ...).
        save_root: where the local engine writes checkpoints (the run's checkpoint folder). Tinker keeps its
            checkpoints on the service and returns ``tinker://`` paths instead.
    """
    if config.resolved_backend() == "tinker":
        from sft.engines.tinker_engine import service_client_from_config

        return service_client_from_config(config)
    from sft.engines.local import LocalServiceClient

    return LocalServiceClient(
        save_root=save_root or Path(config.checkpoint_dir) / "local",
        device=config.device,
        precision=config.precision,
        lora_alpha=config.lora_alpha,
        sampling_batch_size=config.sampling_batch_size,
    )
