"""A trained sampler checkpoint loads with plain PEFT and gives the trained model's outputs.

A fresh LoRA adapter has B = 0, so it equals the base model and a broken save or load would still match; the
adapter here is trained first, and the test checks that it really moved the outputs away from the base model's.
"""

from __future__ import annotations

from pathlib import Path

import torch
from tinker import types

from sft.data_loader import validate_records
from sft.datum_builder import build_datum
from sft.engines.local import LocalServiceClient
from tests.conftest import make_records

ADAM = types.AdamParams(learning_rate=5e-2, beta1=0.9, beta2=0.95, eps=1e-8, weight_decay=0.0, grad_clip_norm=1.0)


def test_a_trained_sampler_checkpoint_round_trips_through_plain_peft(tmp_path: Path, tiny_model_dir: Path) -> None:
    from peft import PeftModel
    from transformers import AutoModelForCausalLM

    service = LocalServiceClient(save_root=tmp_path / "run", device="cpu", precision="fp32")
    client = service.create_lora_training_client(str(tiny_model_dir), rank=4, seed=0).result()
    batch = [build_datum(s, client.get_tokenizer(), 512) for s in validate_records(make_records(per_source=1))[::4]]
    for _ in range(3):
        client.forward_backward(batch, "cross_entropy")
        client.optim_step(ADAM).result()
    lora_b = [p for n, p in client.model.named_parameters() if "lora_B" in n]
    assert lora_b and all(p.abs().max() > 0 for p in lora_b)  # trained: every B moved off zero

    path = client.save_weights_for_sampler("trained").result().path
    tokens = torch.tensor([batch[0].model_input.to_ints()])
    base = AutoModelForCausalLM.from_pretrained(tiny_model_dir)
    with torch.no_grad():
        base_logits = base(input_ids=tokens).logits
        loaded = PeftModel.from_pretrained(base, path).eval()
        loaded_logits = loaded(input_ids=tokens).logits
        trained_logits = client.model(input_ids=tokens).logits
    assert (trained_logits - base_logits).abs().max() > 1e-2  # the adapter changes the outputs
    torch.testing.assert_close(loaded_logits, trained_logits, rtol=1e-5, atol=1e-5)
