"""The one-node LoRA forward/backward gives PEFT's values and gradients, and leaves PEFT's other paths alone."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from peft.tuners.lora import Linear as LoraLinear

from sft.engines.local import LocalServiceClient
from sft.engines.lora_fused import fuse_lora_layers, unfuse_lora_layers
from tests.test_local_engine import plain_step, real_rows


def _client(tmp_path: Path, model_dir: Path, precision: str):
    service = LocalServiceClient(save_root=tmp_path / "run", device="cpu", precision=precision)
    client = service.create_lora_training_client(str(model_dir), rank=4, seed=0).result()
    # A fresh adapter has B = 0, which hides mistakes in the gradient of A and in the LoRA term: move every factor.
    generator = torch.Generator().manual_seed(1)
    with torch.no_grad():
        for name, param in client.model.named_parameters():
            if "lora_" in name:
                param.add_(torch.randn(param.shape, generator=generator) * 0.05)
    return client


def _step(client, data, fused: bool):
    (fuse_lora_layers if fused else unfuse_lora_layers)(client.model)
    with client._runner.autocast_context():
        return plain_step(client.model, data)


@pytest.mark.parametrize(("precision", "rtol"), [("fp32", 1e-5), ("bf16", 2e-2)])
def test_fused_layers_give_pefts_loss_logprobs_and_gradients(tmp_path, tiny_model_dir, tokenizer, precision, rtol):
    client = _client(tmp_path, tiny_model_dir, precision)
    layers = [m for m in client.model.modules() if isinstance(m, LoraLinear)]
    assert layers and all("_peft_forward" in m.__dict__ for m in layers)  # the engine installs it on load
    groups = {
        id(m.__dict__["_lora_siblings"]): m.__dict__["_lora_siblings"] for m in layers if "_lora_siblings" in m.__dict__
    }
    # Each decoder layer: query/key/value together, gate/up together.
    assert sorted(len(g.members) for g in groups.values()) == [2, 2, 3, 3]
    data = real_rows(tokenizer, count=4)
    loss, logprobs, grads = _step(client, data, fused=True)
    assert all(g.pending is None for g in groups.values())  # every sibling took the output computed for it
    peft_loss, peft_logprobs, peft_grads = _step(client, data, fused=False)

    assert loss == pytest.approx(peft_loss, rel=rtol)
    for got, want in zip(logprobs, peft_logprobs):
        assert abs(got - want).max() < (1e-4 if precision == "fp32" else 0.1)
    assert grads.keys() == peft_grads.keys()
    assert any("lora_A" in name for name in grads) and any("lora_B" in name for name in grads)
    for name, grad in grads.items():
        assert grad.dtype == torch.float32  # the adapter and its gradients stay float32 under bf16 compute
        error = float((grad - peft_grads[name]).norm() / peft_grads[name].norm())
        assert error < rtol * 5, f"{name}: relative gradient error {error:.2e}"


def test_merged_and_disabled_layers_take_pefts_own_path(tmp_path, tiny_model_dir):
    client = _client(tmp_path, tiny_model_dir, "fp32")
    layer = next(m for m in client.model.modules() if isinstance(m, LoraLinear))
    x = torch.randn(3, layer.in_features)
    with torch.no_grad():
        adapted = layer(x)
        base = layer.get_base_layer()(x)
        assert not torch.allclose(adapted, base)  # the adapter contributes
        with client.model.disable_adapter():
            torch.testing.assert_close(layer(x), base)
        layer.merge()
        torch.testing.assert_close(layer(x), adapted, rtol=1e-5, atol=1e-6)
        layer.unmerge()
        torch.testing.assert_close(layer(x), adapted, rtol=1e-5, atol=1e-6)


def test_a_sibling_called_on_another_input_computes_alone(tmp_path, tiny_model_dir):
    client = _client(tmp_path, tiny_model_dir, "fp32")
    attention = client.model.base_model.model.model.layers[0].self_attn
    x, other = torch.randn(2, 5, attention.q_proj.in_features), torch.randn(2, 5, attention.q_proj.in_features)
    with torch.no_grad():
        q, k_other, v = attention.q_proj(x), attention.k_proj(other), attention.v_proj(x)
        unfuse_lora_layers(client.model)
        torch.testing.assert_close(q, attention.q_proj(x))
        torch.testing.assert_close(k_other, attention.k_proj(other))
        torch.testing.assert_close(v, attention.v_proj(x))


def test_a_bf16_sampler_merges_the_adapter_in_float32_before_the_cast(tmp_path, tiny_model_dir):
    from peft.tuners.lora import LoraLayer

    path = _client(tmp_path, tiny_model_dir, "bf16").save_weights_for_sampler("s").result().path
    bf16 = LocalServiceClient(save_root=tmp_path / "b", device="cpu", precision="bf16")
    fp32 = LocalServiceClient(save_root=tmp_path / "f", device="cpu", precision="fp32")
    merged_bf16 = bf16.create_sampling_client(model_path=path).result()._runner.model
    reference = fp32.create_sampling_client(model_path=path).result()._runner
    assert reference.merge_frozen_adapter() > 0
    layers = dict(merged_bf16.named_modules())
    compared = 0
    for name, module in reference.model.named_modules():
        if isinstance(module, LoraLayer) and module.merged:
            got = layers[name]
            assert got.merged and got.get_base_layer().weight.dtype == torch.bfloat16
            # Exactly the float32 merge, rounded once: the adapter's update is not lost to bf16 rounding.
            torch.testing.assert_close(
                got.get_base_layer().weight, module.get_base_layer().weight.bfloat16(), rtol=0, atol=0
            )
            compared += 1
    assert compared == reference.merge_frozen_adapter() + compared  # nothing left to merge in the reference
    assert compared >= 14  # 2 decoder layers x 7 projections
