"""`python -m sft.export`: a merged Hugging Face directory and GGUF files that plain transformers loads and that
give the adapter's replies.

The adapter is trained a few steps on a tiny random Llama with the bundled tokenizer (a fresh adapter has B = 0
and equals the base model, so a lost merge would go unnoticed); the test checks that it moved the outputs.
The 20-prompt check on the bundled model is ``sft.export ... --check 20`` (see the README).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from tinker import types

from sft.checkpoints import RunRegistry
from sft.data_loader import validate_records
from sft.datum_builder import build_datum, build_generation_prompt
from sft.export import (
    ExportError,
    _permute_rows,
    compare,
    load_export,
    main,
    merge_adapter,
    resolve_adapter,
    save_hf,
    write_gguf,
)
from sft.renderers import CHATML
from tests.conftest import make_records

ADAM = types.AdamParams(learning_rate=5e-2, beta1=0.9, beta2=0.95, eps=1e-8, weight_decay=0.0, grad_clip_norm=1.0)
PROMPTS = ["What is 17 * 23?", "Reverse the string 'tinker'.", "Hi there!"]


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory, tiny_model_dir: Path) -> dict:
    """A registered run with a trained final_checkpoint on the tiny model, and its merged model."""
    from sft.engines.local import LocalServiceClient

    root = tmp_path_factory.mktemp("export")
    checkpoints = root / "checkpoints"
    registry = RunRegistry(checkpoints, "tiny")
    registry.start("local", str(tiny_model_dir), {"resolved": {"renderer": "chatml"}})
    service = LocalServiceClient(save_root=checkpoints / "tiny", device="cpu", precision="fp32")
    client = service.create_lora_training_client(str(tiny_model_dir), rank=4, seed=0).result()
    batch = [build_datum(s, client.get_tokenizer(), 512) for s in validate_records(make_records(per_source=1))[::4]]
    for _ in range(3):
        client.forward_backward(batch, "cross_entropy")
        client.optim_step(ADAM).result()
    sampler = client.save_weights_for_sampler("final_checkpoint").result().path
    registry.record("final_checkpoint", client.step, None, sampler)
    source = resolve_adapter("final_checkpoint", checkpoints)
    model, tokenizer = merge_adapter(source)
    return {"root": root, "checkpoints": checkpoints, "source": source, "model": model, "tokenizer": tokenizer}


def _logits(model, tokenizer, prompt: str = PROMPTS[0]) -> torch.Tensor:
    ids = torch.tensor([build_generation_prompt(prompt, tokenizer, CHATML).to_ints()])
    with torch.no_grad():
        return model(input_ids=ids).logits[0]


def test_hf_export_loads_without_peft_and_gives_the_adapters_replies(trained: dict, tiny_model_dir: Path) -> None:
    from peft import PeftModel
    from transformers import AutoModelForCausalLM

    out = save_hf(trained["model"], trained["tokenizer"], trained["root"] / "merged")
    files = {p.name for p in out.iterdir()}
    assert {"config.json", "model.safetensors", "tokenizer.json"} <= files and "adapter_config.json" not in files
    model, tokenizer = load_export(out)
    assert not isinstance(model, PeftModel) and tokenizer.chat_template

    base = AutoModelForCausalLM.from_pretrained(tiny_model_dir, dtype=torch.float32)
    adapter = PeftModel.from_pretrained(base, str(trained["source"].adapter_dir)).eval()
    exported = _logits(model, tokenizer)
    reference = _logits(adapter, tokenizer)
    torch.testing.assert_close(exported, reference, rtol=1e-4, atol=1e-4)
    with adapter.disable_adapter():
        untrained = _logits(adapter, tokenizer)
    assert (exported - untrained).abs().max() > 1e-2  # the merged adapter really changes the model
    # The unembedding was untied before the merge: the input embedding is still the base model's.
    torch.testing.assert_close(model.get_input_embeddings().weight, base.get_input_embeddings().weight)

    report = compare(trained["source"], out, PROMPTS, trained["checkpoints"], max_new_tokens=12)
    assert report["same"] == report["total"] == len(PROMPTS), report["rows"]


def test_gguf_f16_loads_with_transformers_gguf_reader_and_gives_the_same_replies(trained: dict) -> None:
    out = write_gguf(trained["model"], trained["tokenizer"], trained["root"] / "model-f16.gguf", "f16")
    model, tokenizer = load_export(out)
    assert model.config.model_type == "llama" and not model.config.tie_word_embeddings
    prompt = build_generation_prompt(PROMPTS[1], trained["tokenizer"], CHATML).to_ints()
    assert build_generation_prompt(PROMPTS[1], tokenizer, CHATML).to_ints() == prompt  # the tokenizer survived
    assert tokenizer.chat_template == trained["tokenizer"].chat_template

    merged = _logits(trained["model"], trained["tokenizer"])
    torch.testing.assert_close(_logits(model, tokenizer), merged, rtol=0, atol=2e-2)  # f16 rounding only

    from sft.export import greedy_replies

    expected = greedy_replies(trained["model"], trained["tokenizer"], PROMPTS, CHATML, 12)
    assert greedy_replies(model, tokenizer, PROMPTS, CHATML, 12) == expected


def test_gguf_q8_0_holds_every_weight_in_llama_cpp_order(trained: dict) -> None:
    from gguf import GGMLQuantizationType, GGUFReader, dequantize

    out = write_gguf(trained["model"], trained["tokenizer"], trained["root"] / "model-q8_0.gguf", "q8_0")
    tensors = {t.name: t for t in GGUFReader(str(out)).tensors}
    state = trained["model"].state_dict()
    config = trained["model"].config
    assert tensors["blk.0.attn_q.weight"].tensor_type == GGMLQuantizationType.Q8_0
    assert tensors["blk.0.attn_norm.weight"].tensor_type == GGMLQuantizationType.F32
    pairs = {
        "token_embd.weight": ("model.embed_tokens.weight", None),
        "output.weight": ("lm_head.weight", None),
        "blk.1.attn_q.weight": ("model.layers.1.self_attn.q_proj.weight", config.num_attention_heads),
        "blk.1.attn_k.weight": ("model.layers.1.self_attn.k_proj.weight", config.num_key_value_heads),
        "blk.1.ffn_down.weight": ("model.layers.1.mlp.down_proj.weight", None),
    }
    for gguf_name, (hf_name, heads) in pairs.items():
        tensor = tensors[gguf_name]
        stored = dequantize(tensor.data, tensor.tensor_type).reshape(state[hf_name].shape)
        expected = state[hf_name].numpy()
        expected = _permute_rows(expected, heads) if heads else expected
        scale = np.abs(expected).max()
        assert np.abs(stored - expected).max() <= scale / 100, gguf_name  # q8_0: 8 bits per block of 32


def test_the_q_k_row_order_is_what_transformers_gguf_reader_undoes() -> None:
    from transformers.modeling_gguf_pytorch_utils import LlamaTensorProcessor

    w = np.arange(8 * 64 * 3, dtype=np.float32).reshape(8 * 64, 3)
    reader = LlamaTensorProcessor(config={"num_attention_heads": 8, "num_key_value_heads": 8})
    assert not np.array_equal(_permute_rows(w, 8), w)
    np.testing.assert_array_equal(reader._reverse_permute_weights(_permute_rows(w, 8), 8, 8), w)


def test_a_tinker_checkpoint_says_what_to_do(tmp_path: Path, capsys) -> None:
    registry = RunRegistry(tmp_path, "remote")
    registry.start("tinker", "Qwen/Qwen3.5-4B", {})
    registry.record("final_checkpoint", 600, "tinker://abc/weights/final_checkpoint", "tinker://abc/sampler/final")
    assert main(["final_checkpoint", "--checkpoint_dir", str(tmp_path), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "tinker checkpoint download tinker://abc/weights/final_checkpoint" in err
    assert "--base_model Qwen/Qwen3.5-4B" in err and not (tmp_path / "o").exists()


def test_an_existing_output_is_not_overwritten_without_force(trained: dict) -> None:
    out = trained["root"] / "taken"
    out.mkdir()
    with pytest.raises(ExportError, match="--force"):
        save_hf(trained["model"], trained["tokenizer"], out)
