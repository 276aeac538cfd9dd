"""Export a trained checkpoint for the tools people already run: a merged Hugging Face model, or a GGUF file.

Usage::

    python -m sft.export final_checkpoint --format hf --out exports/merged          # transformers, vLLM, TGI
    python -m sft.export final_checkpoint --format gguf --out exports/model.gguf    # llama.cpp, Ollama (f16)
    python -m sft.export final_checkpoint --format gguf --gguf_type q8_0 --out exports/model-q8_0.gguf
    python -m sft.export final_checkpoint --format hf --out exports/merged --check 20   # and compare greedy replies

The checkpoint is a name in the latest run (or ``--run``), or a local sampler folder (a PEFT adapter). The LoRA
adapter is merged into the base model in float32, so the export needs no PEFT. ``hf`` writes safetensors, the
tokenizer and its chat template; ``gguf`` writes one Llama-architecture GGUF file with the tokenizer and chat
template, with the tensor names and the q/k row order llama.cpp (and transformers' GGUF reader) expects.
``--check N`` loads the export back with plain transformers and compares its greedy replies with the adapter's
on N validation prompts of the run.

Tinker checkpoints live on the service: see :data:`TINKER_HOWTO` for the two steps that bring one here.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import shutil
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sft.checkpoints import resolve_checkpoint, resolve_run
from sft.engines.models import BUNDLED_PREFIX, bundled_gguf_path, load_model
from sft.errors import UserError, reports_user_errors
from sft.utils import atomic_directory, quiet_libraries

logger = logging.getLogger("sft.export")

GGUF_TYPES = ("f16", "q8_0")
# The local engine's sampler folders name their base model here (sft.engines.local.ENGINE_FILE).
ENGINE_FILE = "engine.json"
TINKER_HOWTO = (
    "{what} lives on Tinker, and Tinker lets a training-state checkpoint be downloaded (not a sampler one). With "
    "TINKER_API_KEY set: (1) tinker checkpoint download {state} --output adapter/  (the SDK's CLI exports it as "
    "external weights; tinker 0.38), then (2) python -m sft.export adapter/ --base_model {base} --format hf "
    "--out merged/  (needs {base} in the local Hugging Face cache, or the hub reachable)."
)


class ExportError(UserError, RuntimeError):
    """The checkpoint cannot be exported as asked; the message says why and what to do."""


@dataclass(frozen=True)
class AdapterSource:
    """A LoRA adapter on local disk and the base model it was trained on."""

    adapter_dir: Path
    base_model: str
    run_name: str | None = None
    checkpoint: str | None = None


def resolve_adapter(
    checkpoint: str, checkpoint_dir: str | Path = "checkpoints", run: str | None = None, base_model: str | None = None
) -> AdapterSource:
    """The local adapter folder and base model of ``checkpoint`` (a registry name or a sampler/adapter folder).

    Raises:
        ExportError: A Tinker checkpoint (with the steps that bring it here), or a folder without an adapter.
        CheckpointNotFoundError: The name is not in the run's registry.
    """
    resolved = resolve_checkpoint(checkpoint, checkpoint_dir, run)
    record = resolved.record
    sampler = resolved.sampler_path or ""
    if resolved.config.backend == "tinker" or sampler.startswith("tinker://"):
        state = (record.state_path if record else None) or "<its tinker://.../weights/<name> path>"
        base = base_model or resolved.base_model or "<base model>"
        raise ExportError(TINKER_HOWTO.format(what=resolved.describe(), state=state, base=base))
    adapter = Path(sampler)
    if not sampler or not (adapter / "adapter_config.json").is_file():
        if record is None:
            raise ExportError(f"{adapter}: not a LoRA adapter folder (no adapter_config.json)")
        raise ExportError(f"{resolved.describe()}: its sampler folder {sampler!r} has no adapter")
    engine = adapter / ENGINE_FILE
    base = base_model or resolved.base_model
    if base is None and engine.is_file():
        base = json.loads(engine.read_text(encoding="utf-8"))["base_model"]
    if base is None:
        raise ExportError(f"{adapter}: says nothing about its base model; give --base_model")
    return AdapterSource(adapter, base, resolved.run_name, record.name if record else None)


def merge_adapter(source: AdapterSource) -> tuple[Any, Any]:
    """``(model, tokenizer)``: the base model in float32 with the adapter merged in, a plain transformers model.

    An unembedding tied to the embedding is untied first when the adapter changes it: merging into a shared
    matrix would change the input embedding too.
    """
    import torch
    from peft import PeftModel

    model, tokenizer = load_model(source.base_model, dtype=torch.float32)
    adapter_config = json.loads((source.adapter_dir / "adapter_config.json").read_text(encoding="utf-8"))
    targets = adapter_config.get("target_modules") or []
    output = model.get_output_embeddings()
    if "lm_head" in targets and output is not None and output.weight is model.get_input_embeddings().weight:
        output.weight = torch.nn.Parameter(output.weight.detach().clone())
        model.config.tie_word_embeddings = False
        if getattr(model.config, "text_config", None) is not None:
            model.config.text_config.tie_word_embeddings = False
    model = PeftModel.from_pretrained(model, str(source.adapter_dir)).merge_and_unload()
    model.eval()
    return model, tokenizer


def _fresh_target(out: Path, force: bool) -> None:
    if out.exists():
        if not force:
            raise ExportError(f"{out} exists; choose another --out or pass --force to replace it")
        shutil.rmtree(out) if out.is_dir() else out.unlink()
    out.parent.mkdir(parents=True, exist_ok=True)


def save_hf(model: Any, tokenizer: Any, out: Path, force: bool = False) -> Path:
    """Write ``model`` and ``tokenizer`` as a Hugging Face directory (safetensors, tokenizer, chat template),
    through a temp folder and a rename so a failed export leaves nothing behind."""
    _fresh_target(out, force)
    with atomic_directory(out, replace=False) as tmp:
        model.save_pretrained(tmp, safe_serialization=True)
        tokenizer.save_pretrained(tmp)
    return out


# -- GGUF ----------------------------------------------------------------------------------------------------
def _permute_rows(weights: Any, n_head: int) -> Any:
    """llama.cpp's row order for q/k projections (its rotary embedding pairs rows differently from HF's):
    ``convert_hf_to_gguf.py``'s ``LlamaModel.permute``; transformers' GGUF reader undoes it."""
    return (
        weights.reshape(n_head, 2, weights.shape[0] // n_head // 2, *weights.shape[1:])
        .swapaxes(1, 2)
        .reshape(weights.shape)
    )


def _source_gguf(base_model: str) -> Path | None:
    """The GGUF file a base model came from, if any (its tokenizer metadata is reused)."""
    if base_model.startswith(BUNDLED_PREFIX):
        return bundled_gguf_path(base_model[len(BUNDLED_PREFIX) :])
    path = Path(base_model).expanduser()
    return path if path.is_file() and path.suffix == ".gguf" else None


def _pre_tokenizer_name(source: Path | None) -> str:
    """llama.cpp's name for the pre-tokenizer: the source GGUF's, else ``default`` (GPT-2's split)."""
    if source is not None:
        from gguf import GGUFReader

        field = GGUFReader(str(source)).fields.get("tokenizer.ggml.pre")
        if field is not None:
            return str(field.contents())
    return "default"


def _vocabulary(tokenizer: Any, vocab_size: int) -> tuple[list[str], list[int]]:
    """Tokens by id and their llama.cpp types, as ``convert_hf_to_gguf.py`` writes a byte-level BPE vocabulary."""
    from gguf import TokenType

    by_id = {i: t for t, i in tokenizer.get_vocab().items()}
    added = tokenizer.added_tokens_decoder
    tokens, types = [], []
    for i in range(vocab_size):
        if i not in by_id:
            tokens.append(f"[PAD{i}]")
            types.append(TokenType.UNUSED)
        elif i in added:
            tokens.append(by_id[i])
            types.append(TokenType.CONTROL if added[i].special else TokenType.USER_DEFINED)
        else:
            tokens.append(by_id[i])
            types.append(TokenType.NORMAL)
    return tokens, [int(t) for t in types]


def write_gguf(
    model: Any, tokenizer: Any, out: Path, gguf_type: str = "f16", base_model: str = "", force: bool = False
) -> Path:
    """Write a Llama-architecture ``model`` (and its tokenizer and chat template) as one GGUF file.

    Weight matrices are stored as ``gguf_type`` (f16 or q8_0), norms as f32, as llama.cpp's converter does.

    Raises:
        ExportError: Not a Llama-architecture model, or an unknown ``gguf_type``.
    """
    import gguf
    import numpy as np

    config = model.config
    if config.model_type != "llama":
        raise ExportError(f"GGUF export supports Llama-architecture models; this one is {config.model_type!r}")
    if gguf_type not in GGUF_TYPES:
        raise ExportError(f"--gguf_type: one of {', '.join(GGUF_TYPES)}, got {gguf_type!r}")
    qtype = gguf.GGMLQuantizationType.F16 if gguf_type == "f16" else gguf.GGMLQuantizationType.Q8_0
    file_type = gguf.LlamaFileType.MOSTLY_F16 if gguf_type == "f16" else gguf.LlamaFileType.MOSTLY_Q8_0
    n_head, n_kv = config.num_attention_heads, config.num_key_value_heads
    head_dim = getattr(config, "head_dim", None) or config.hidden_size // n_head
    rope = getattr(config, "rope_parameters", None) or {}
    rope_theta = rope.get("rope_theta", getattr(config, "rope_theta", 10000.0))
    if rope.get("rope_type", "default") != "default":
        raise ExportError(f"GGUF export supports the default rotary embedding; this model uses {rope['rope_type']!r}")

    _fresh_target(out, force)
    tmp = out.with_name(f".{out.name}.tmp")
    tok_dir = Path(tempfile.mkdtemp(prefix="sft-export-tokenizer-"))
    try:
        tokenizer.save_pretrained(tok_dir)
        arch = gguf.MODEL_ARCH.LLAMA
        writer = gguf.GGUFWriter(str(tmp), gguf.MODEL_ARCH_NAMES[arch])
        writer.add_name(Path(out).stem)
        writer.add_context_length(config.max_position_embeddings)
        writer.add_embedding_length(config.hidden_size)
        writer.add_block_count(config.num_hidden_layers)
        writer.add_feed_forward_length(config.intermediate_size)
        writer.add_head_count(n_head)
        writer.add_head_count_kv(n_kv)
        writer.add_rope_freq_base(float(rope_theta))
        writer.add_layer_norm_rms_eps(float(config.rms_norm_eps))
        writer.add_rope_dimension_count(head_dim)
        writer.add_vocab_size(config.vocab_size)
        writer.add_file_type(file_type)
        writer.add_quantization_version(gguf.GGML_QUANT_VERSION)

        tokens, token_types = _vocabulary(tokenizer, config.vocab_size)
        writer.add_tokenizer_model("gpt2")
        writer.add_tokenizer_pre(_pre_tokenizer_name(_source_gguf(base_model)))
        writer.add_token_list(tokens)
        writer.add_token_types(token_types)
        special = gguf.SpecialVocab(tok_dir, load_merges=True, n_vocab=len(tokens))
        if not special.merges:
            raise ExportError("GGUF export needs a byte-level BPE tokenizer with merges (tokenizer.json)")
        special.add_to_gguf(writer)

        names = gguf.get_tensor_name_map(arch, config.num_hidden_layers)
        tied = bool(getattr(config, "tie_word_embeddings", False))
        for hf_name, tensor in model.state_dict().items():
            if tied and hf_name == "lm_head.weight":
                continue  # llama.cpp reads a missing output.weight as tied to token_embd
            base, _, suffix = hf_name.rpartition(".")
            name = names.get_name(base)
            if name is None:
                raise ExportError(f"GGUF export: no llama.cpp name for tensor {hf_name!r}")
            data = tensor.detach().to("cpu").float().numpy()
            if base.endswith("self_attn.q_proj"):
                data = _permute_rows(data, n_head)
            elif base.endswith("self_attn.k_proj"):
                data = _permute_rows(data, n_kv)
            if data.ndim == 1:
                writer.add_tensor(f"{name}.{suffix}", data.astype(np.float32))
            elif qtype == gguf.GGMLQuantizationType.F16:
                writer.add_tensor(f"{name}.{suffix}", data.astype(np.float16))
            else:
                writer.add_tensor(f"{name}.{suffix}", gguf.quants.quantize(data, qtype), raw_dtype=qtype)
        writer.write_header_to_file()
        writer.write_kv_data_to_file()
        writer.write_tensors_to_file()
        writer.close()
        tmp.rename(out)
    finally:
        tmp.unlink(missing_ok=True)
        shutil.rmtree(tok_dir, ignore_errors=True)
    return out


# -- checking an export ----------------------------------------------------------------------------------------
def load_export(path: Path) -> tuple[Any, Any]:
    """``(model, tokenizer)`` of an export with plain transformers (no PEFT): a directory or a GGUF file."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    if path.is_file() and path.suffix == ".gguf":
        kwargs = {"gguf_file": path.name}
        folder = str(path.parent)
    else:
        kwargs, folder = {}, str(path)
    model = AutoModelForCausalLM.from_pretrained(folder, dtype=torch.float32, **kwargs).eval()
    tokenizer = AutoTokenizer.from_pretrained(folder, **kwargs)
    return model, tokenizer


def greedy_replies(model: Any, tokenizer: Any, prompts: Sequence[str], renderer: Any, max_new_tokens: int) -> list[str]:
    """Greedy replies of a plain transformers model, with ``model.generate``, on the project's prompts."""
    import torch

    from sft.datum_builder import build_generation_prompt
    from sft.sampling import decode_completion, stop_token_ids

    stops = stop_token_ids(tokenizer, renderer)
    replies = []
    for prompt in prompts:
        ids = torch.tensor([build_generation_prompt(prompt, tokenizer, renderer).to_ints()])
        with torch.no_grad():
            out = model.generate(
                input_ids=ids,
                attention_mask=torch.ones_like(ids),
                max_new_tokens=max_new_tokens,
                do_sample=False,
                eos_token_id=stops,
                pad_token_id=stops[0],
            )
        replies.append(decode_completion(out[0, ids.shape[1] :].tolist(), tokenizer, stops))
    return replies


async def adapter_replies(
    source: AdapterSource, prompts: Sequence[str], renderer: Any, max_new_tokens: int
) -> list[str]:
    """Greedy replies of the adapter itself, through the local engine's sampling client (float32, CPU)."""
    from sft.engines.local import LocalServiceClient
    from sft.sampling import generate_completions

    service = LocalServiceClient(device="cpu", precision="fp32")
    sampler = await service.create_sampling_client(model_path=str(source.adapter_dir))
    return await generate_completions(sampler, sampler.get_tokenizer(), prompts, max_new_tokens, renderer)


def renderer_for(source: AdapterSource, tokenizer: Any, checkpoint_dir: str | Path) -> Any:
    """The prompt format the run trained with, checked against the tokenizer's template."""
    from sft.prompt_builder import SYSTEM_PROMPT
    from sft.renderers import select_renderer

    trained_with = resolve_run(checkpoint_dir, source.run_name).renderer if source.run_name else "auto"
    return select_renderer(source.base_model, tokenizer, SYSTEM_PROMPT, requested=trained_with).renderer


def validation_prompts(source: AdapterSource, checkpoint_dir: str | Path, n: int) -> list[str]:
    """``n`` validation prompts of the checkpoint's run (the split ``sft.evaluate`` uses)."""
    from sft.config import TrainConfig
    from sft.data_loader import load_dataset, select_validation_samples, split_dataset

    cfg = resolve_run(checkpoint_dir, source.run_name).config if source.run_name else TrainConfig()
    _, validation = split_dataset(load_dataset(cfg.data_path), cfg.validation_fraction, cfg.seed)
    return [s.prompt for s in select_validation_samples(validation, n, cfg.seed)]


def compare(
    source: AdapterSource, export: Path, prompts: Sequence[str], checkpoint_dir: str | Path, max_new_tokens: int = 96
) -> dict[str, Any]:
    """Greedy replies of the adapter and of the export loaded back with plain transformers, side by side."""
    model, tokenizer = load_export(export)
    renderer = renderer_for(source, tokenizer, checkpoint_dir)
    exported = greedy_replies(model, tokenizer, prompts, renderer, max_new_tokens)
    reference = asyncio.run(adapter_replies(source, prompts, renderer, max_new_tokens))
    rows = [{"prompt": p, "adapter": a, "export": e, "same": a == e} for p, a, e in zip(prompts, reference, exported)]
    return {"export": str(export), "same": sum(r["same"] for r in rows), "total": len(rows), "rows": rows}


def export(args: argparse.Namespace) -> dict[str, Any]:
    source = resolve_adapter(args.checkpoint, args.checkpoint_dir, args.run, args.base_model)
    out = Path(args.out)
    print(f"merging {source.adapter_dir} into {source.base_model} (float32)", flush=True)
    model, tokenizer = merge_adapter(source)
    if args.format == "hf":
        save_hf(model, tokenizer, out, args.force)
    else:
        write_gguf(model, tokenizer, out, args.gguf_type, source.base_model, args.force)
    size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file()) if out.is_dir() else out.stat().st_size
    print(f"wrote {out} ({args.format}{'/' + args.gguf_type if args.format == 'gguf' else ''}, {size / 1e6:.1f} MB)")
    result: dict[str, Any] = {"out": str(out), "format": args.format, "bytes": size}
    if args.check:
        del model
        prompts = validation_prompts(source, args.checkpoint_dir, args.check)
        report = compare(source, out, prompts, args.checkpoint_dir, args.max_new_tokens)
        for row in report["rows"]:
            if not row["same"]:
                print(f"  differs on {row['prompt']!r}:\n    adapter: {row['adapter']}\n    export:  {row['export']}")
        print(f"greedy replies: {report['same']}/{report['total']} the same as the adapter's")
        result["check"] = report
    return result


@reports_user_errors
def main(argv: Sequence[str] | None = None) -> int:
    quiet_libraries()
    parser = argparse.ArgumentParser(prog="python -m sft.export", description=__doc__.split("\n\n")[0])
    parser.add_argument("checkpoint", help="checkpoint name (e.g. final_checkpoint) or a local adapter folder")
    parser.add_argument("--format", choices=["hf", "gguf"], default="hf")
    parser.add_argument("--out", required=True, help="output directory (hf) or .gguf file (gguf)")
    parser.add_argument("--gguf_type", choices=GGUF_TYPES, default="f16", help="GGUF weight type (default f16)")
    parser.add_argument("--run", default=None, help="run name (default: the latest run)")
    parser.add_argument("--checkpoint_dir", default="checkpoints")
    parser.add_argument("--base_model", default=None, help="base model of an adapter folder from elsewhere")
    parser.add_argument("--check", type=int, default=0, help="compare greedy replies on N validation prompts")
    parser.add_argument("--max_new_tokens", type=int, default=96)
    parser.add_argument("--json", default=None, help="write the result (and the comparison) as JSON here")
    parser.add_argument("--force", action="store_true", help="replace --out if it exists")
    args = parser.parse_args(argv)
    result = export(args)
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    if args.check and result["check"]["same"] != result["check"]["total"]:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
