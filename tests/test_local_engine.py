"""The local engine serves Tinker's semantics on a real (tiny, random) model and the real tokenizer."""

from __future__ import annotations

import asyncio
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from tinker import types

from sft.data_loader import validate_records
from sft.datum_builder import build_datum, build_generation_prompt
from sft.engines.local import LocalEngineError, LocalServiceClient
from tests.conftest import make_records

REPO = Path(__file__).resolve().parent.parent

ADAM = types.AdamParams(learning_rate=1e-2, beta1=0.9, beta2=0.95, eps=1e-8, weight_decay=0.0, grad_clip_norm=1.0)


@pytest.fixture
def service(tmp_path: Path) -> LocalServiceClient:
    return LocalServiceClient(save_root=tmp_path / "run", device="cpu", precision="fp32")


@pytest.fixture
def client(service: LocalServiceClient, tiny_model_dir: Path):
    return service.create_lora_training_client(str(tiny_model_dir), rank=4, seed=0).result()


@pytest.fixture
def batch(client) -> list[types.Datum]:
    samples = validate_records(make_records(per_source=1))[::3]
    return [build_datum(s, client.get_tokenizer(), 512) for s in samples]


def plain_logprobs(model, datum: types.Datum) -> np.ndarray:
    tokens = torch.tensor([datum.model_input.to_ints()])
    targets = torch.tensor(datum.loss_fn_inputs["target_tokens"].to_numpy())
    with torch.no_grad():
        logits = model(input_ids=tokens).logits[0].float()
    return logits.log_softmax(-1)[torch.arange(len(targets)), targets].numpy()


def test_logprobs_equal_a_plain_forward_pass(client, batch) -> None:
    out = client.forward(batch, "cross_entropy").result()
    for datum, record in zip(batch, out.loss_fn_outputs):
        np.testing.assert_allclose(record["logprobs"].to_numpy(), plain_logprobs(client.model, datum), atol=1e-4)


def test_loss_is_the_weighted_sum_of_negative_logprobs(client, batch) -> None:
    out = client.forward(batch, "cross_entropy").result()
    expected = sum(
        -(r["logprobs"].to_numpy() * d.loss_fn_inputs["weights"].to_numpy()).sum()
        for d, r in zip(batch, out.loss_fn_outputs)
    )
    assert out.metrics["loss:sum"] == pytest.approx(expected, rel=1e-5)


def test_loss_falls_over_a_few_steps_on_a_fixed_batch(client, batch) -> None:
    losses = []
    fast = ADAM.model_copy(update={"learning_rate": 5e-2})
    for _ in range(8):
        fwd_bwd, optim = client.forward_backward(batch, "cross_entropy"), client.optim_step(fast)
        losses.append(fwd_bwd.result().metrics["loss:sum"])
        optim.result()
    assert min(losses[-3:]) < losses[0], losses
    assert losses[-1] < 0.8 * losses[0], losses
    assert client.step == 8


def test_futures_can_be_awaited(client, batch) -> None:
    async def step() -> float:
        fwd_bwd_future = client.forward_backward(batch, "cross_entropy")
        optim_future = client.optim_step(ADAM)
        fwd_bwd = await fwd_bwd_future
        await optim_future
        return fwd_bwd.metrics["loss:sum"]

    assert asyncio.run(step()) > 0


def test_save_state_then_resume_reproduces_logprobs_and_optimizer_state(service, client, batch) -> None:
    for _ in range(2):
        client.forward_backward(batch, "cross_entropy")
        client.optim_step(ADAM).result()
    path = client.save_state("ckpt").result().path
    before = client.forward(batch, "cross_entropy").result()

    resumed = service.create_training_client_from_state_with_optimizer(path).result()
    after = resumed.forward(batch, "cross_entropy").result()
    assert resumed.step == 2
    for a, b in zip(before.loss_fn_outputs, after.loss_fn_outputs):
        np.testing.assert_allclose(a["logprobs"].to_numpy(), b["logprobs"].to_numpy(), atol=1e-6)
    original, restored = client.optimizer_state(), resumed.optimizer_state()
    assert original["state"].keys() == restored["state"].keys()
    for key in original["state"]:
        for name in ("exp_avg", "exp_avg_sq", "step"):
            torch.testing.assert_close(original["state"][key][name], restored["state"][key][name])

    # The next step from the resumed client matches the next step of the original.
    for c in (client, resumed):
        c.forward_backward(batch, "cross_entropy")
        c.optim_step(ADAM).result()
    a = client.forward(batch, "cross_entropy").result().metrics["loss:sum"]
    b = resumed.forward(batch, "cross_entropy").result().metrics["loss:sum"]
    assert a == pytest.approx(b, rel=1e-5)


def test_sampler_weights_are_a_standard_peft_adapter(client, tiny_model_dir: Path) -> None:
    from peft import PeftModel
    from transformers import AutoModelForCausalLM

    path = client.save_weights_for_sampler("s").result().path
    assert Path(path).name == "s" and Path(path).parent.name == "sampler_weights"
    model = PeftModel.from_pretrained(AutoModelForCausalLM.from_pretrained(tiny_model_dir), path)
    tokens = torch.tensor([[1, 2, 3, 4]])
    with torch.no_grad():
        torch.testing.assert_close(model(input_ids=tokens).logits, client.model(input_ids=tokens).logits)


def test_checkpoint_kinds_are_not_interchangeable(service, client) -> None:
    state = client.save_state("x").result().path
    sampler = client.save_weights_for_sampler("x").result().path
    with pytest.raises(LocalEngineError, match="sampler_weights"):
        service.create_sampling_client(model_path=state)
    with pytest.raises(LocalEngineError, match="weights/"):
        service.create_training_client_from_state_with_optimizer(sampler)


def test_sampling_stops_at_the_first_stop_token_and_reports_why(client, tokenizer) -> None:
    sampler = client.save_weights_and_get_sampling_client().result()
    prompt = build_generation_prompt("hello", tokenizer)
    free = sampler.sample(prompt, 1, types.SamplingParams(max_tokens=8, temperature=0.0, stop=[])).result()
    tokens = free.sequences[0].tokens
    assert free.sequences[0].stop_reason == "length" and len(tokens) == 8
    assert len(free.sequences[0].logprobs) == 8

    stop = tokens[3]
    stopped = sampler.sample(prompt, 1, types.SamplingParams(max_tokens=8, temperature=0.0, stop=[stop])).result()
    seq = stopped.sequences[0]
    first = tokens.index(stop)
    assert seq.stop_reason == "stop"
    assert seq.tokens == tokens[: first + 1]


def test_concurrent_requests_are_batched_and_match_one_at_a_time(service, tiny_model_dir: Path, tokenizer) -> None:
    sampler = service.create_sampling_client(base_model=str(tiny_model_dir)).result()
    prompts = [build_generation_prompt(p, tokenizer) for p in ("hi", "what is 2+2?", "sort [3, 1, 2] please")]
    params = types.SamplingParams(max_tokens=6, temperature=0.0, stop=[])
    alone = [sampler.sample(p, 1, params).result().sequences[0].tokens for p in prompts]
    futures = [sampler.sample(p, 2, params) for p in prompts]
    together = [f.result() for f in futures]
    for tokens, response in zip(alone, together):
        assert [s.tokens for s in response.sequences] == [tokens, tokens]


def test_unsupported_loss_function_is_a_clear_error(client, batch) -> None:
    with pytest.raises(LocalEngineError, match="cross_entropy"):
        client.forward_backward(batch, "ppo")


def real_rows(tokenizer, count: int = 8) -> list[types.Datum]:
    """Rows of the shipped dataset, spread over its categories and lengths."""
    from sft.config import DATA_PATH
    from sft.data_loader import load_dataset

    samples = load_dataset(REPO / DATA_PATH)
    return [build_datum(s, tokenizer, 512) for s in samples[:: len(samples) // count][:count]]


def plain_step(model, data: list[types.Datum]) -> tuple[float, list[np.ndarray], dict[str, torch.Tensor]]:
    """Loss, per-position logprobs and gradients from one ordinary forward/backward pass per row."""
    model.zero_grad(set_to_none=True)
    total, logprobs = 0.0, []
    for datum in data:
        tokens = torch.tensor([datum.model_input.to_ints()])
        targets = torch.tensor(datum.loss_fn_inputs["target_tokens"].to_numpy())
        weights = torch.tensor(datum.loss_fn_inputs["weights"].to_numpy())
        lp = model(input_ids=tokens).logits[0].float().log_softmax(-1)[torch.arange(len(targets)), targets]
        loss = -(lp * weights).sum()
        loss.backward()
        total += loss.item()
        logprobs.append(lp.detach().numpy())
    grads = {n: p.grad.clone() for n, p in model.named_parameters() if p.grad is not None}
    model.zero_grad(set_to_none=True)
    return total, logprobs, grads


def move_adapter(model, seed: int = 0) -> None:
    """Give every LoRA ``B`` small random values: a fresh adapter has ``B = 0``, where the gradient of every ``A``
    is zero on any path and would check nothing."""
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, param in model.named_parameters():
            if "lora_B" in name:
                param.copy_(torch.randn(param.shape, generator=generator) * 0.05)


@pytest.mark.parametrize(
    ("max_pack_tokens", "attention", "head"),
    [(4096, "segments", "fused"), (300, "segments", "fused"), (4096, "dense", "fused"), (4096, "segments", "plain")],
)
def test_packed_forward_backward_equals_a_plain_forward_pass_on_real_rows(
    client, tokenizer, max_pack_tokens, attention, head
) -> None:
    from sft.engines.packing import ATTENTION_NAME

    data = real_rows(tokenizer)
    move_adapter(client.model)
    # "fused": the unembedding, its adapter and the logprobs in one function (the default for Llama-type models);
    # "plain": the model's own lm_head and token_logprobs (other architectures).
    assert client._head is not None
    if head == "plain":
        client._head = None
    client.max_pack_tokens = max_pack_tokens  # 300: several packs, each with its own copy of the shared prefix
    # The pack-aware attention is switched on for SDPA models; "dense" checks the fallback (a T x T mask).
    assert client.model.config._attn_implementation == ATTENTION_NAME
    client._segment_attention = attention == "segments"
    if attention == "segments" and max_pack_tokens == 4096:
        # Rows of very different lengths: the pack's rows are attended in several grids (see group_rows).
        from sft.engines.packing import pack_rows

        (pack,) = pack_rows([d.model_input.to_ints() for d in data], max_pack_tokens)
        assert len(pack.layout.groups) > 1
    loss, logprobs, grads = plain_step(client.model, data)

    out = client.forward_backward(data, "cross_entropy").result()
    packed_grads = {n: p.grad.clone() for n, p in client.model.named_parameters() if p.grad is not None}
    assert out.metrics["loss:sum"] == pytest.approx(loss, rel=1e-5)
    for datum, record, plain in zip(data, out.loss_fn_outputs, logprobs):
        weighted = datum.loss_fn_inputs["weights"].to_numpy() != 0
        got = record["logprobs"].to_numpy()
        assert got.shape == plain.shape
        np.testing.assert_allclose(got[weighted], plain[weighted], atol=1e-4)
        assert np.isnan(got[~weighted]).all()  # not computed: documented in the engine
    assert packed_grads.keys() == grads.keys()
    for name, grad in grads.items():
        # float32 sums taken in another order: an element near zero may differ by ~1e-6 absolute (seen: 1.8e-6 on
        # an element of 2.8e-3), so the absolute tolerance is 1e-4 of the tensor's largest gradient.
        torch.testing.assert_close(packed_grads[name], grad, rtol=1e-4, atol=max(1e-6, 1e-4 * grad.abs().max().item()))


def test_rows_without_a_common_prefix_and_arbitrary_weights_still_match(client, tokenizer) -> None:
    rng = np.random.default_rng(0)
    data = []
    for n in (5, 17, 9):
        tokens = rng.integers(10, 2000, size=n + 1)
        weights = rng.random(n).astype(np.float32) * (rng.random(n) > 0.3)
        weights[0] = 0.0
        data.append(
            types.Datum(
                model_input=types.ModelInput.from_ints(tokens[:-1].tolist()),
                loss_fn_inputs={"target_tokens": tokens[1:].astype(np.int64), "weights": weights},
            )
        )
    loss, logprobs, _ = plain_step(client.model, data)
    out = client.forward_backward(data, "cross_entropy").result()
    assert out.metrics["loss:sum"] == pytest.approx(loss, rel=1e-5)
    full = client.forward(data, "cross_entropy").result()
    for record, plain in zip(full.loss_fn_outputs, logprobs):
        np.testing.assert_allclose(record["logprobs"].to_numpy(), plain, atol=1e-4)


def test_packs_share_the_common_prefix_and_respect_the_size_limit() -> None:
    from sft.engines.packing import pack_rows, shared_prefix_length

    rows = [[1, 2, 3, 4, 5], [1, 2, 3, 9], [1, 2, 3, 4, 6, 7, 8]]
    assert shared_prefix_length(rows) == 3
    assert shared_prefix_length([[1, 2], [1, 2]]) == 1  # each row keeps a token of its own
    packs = pack_rows(rows, max_tokens=8)
    assert [p.rows for p in packs] == [[0, 1], [2]]
    assert packs[0].input_ids.tolist() == [[1, 2, 3, 4, 5, 9]]
    assert packs[0].position_ids.tolist() == [[0, 1, 2, 3, 4, 3]]
    mask = packs[0].attention_mask[0, 0]
    assert mask[5].tolist() == [True, True, True, False, False, True]  # row 1 sees the prefix and itself
    assert mask[4].tolist() == [True, True, True, True, True, False]
    assert packs[0].positions[1].tolist() == [0, 1, 2, 5]


def test_rows_are_grouped_into_the_grids_that_score_the_fewest_pairs() -> None:
    """group_rows's dynamic programme against every split of a few rows into groups."""
    import itertools

    from sft.engines.packing import GROUP_COST_CELLS, group_rows

    def cost(groups, lengths, prefix, call):
        return sum(call + len(g) * max(lengths[i] for i in g) * (prefix + max(lengths[i] for i in g)) for g in groups)

    def partitions(items):
        if not items:
            yield []
            return
        first, rest = items[0], items[1:]
        for part in partitions(rest):
            yield [[first], *part]
            for k in range(len(part)):
                yield [*part[:k], [first, *part[k]], *part[k + 1 :]]

    rng = np.random.default_rng(1)
    for _ in range(20):
        lengths = rng.integers(1, 240, size=int(rng.integers(1, 7))).tolist()
        prefix, call = int(rng.integers(0, 100)), int(rng.choice([0, 1000, GROUP_COST_CELLS]))
        groups = group_rows(lengths, prefix, call)
        assert sorted(itertools.chain(*groups)) == list(range(len(lengths)))  # every row, once
        best = min(cost(p, lengths, prefix, call) for p in partitions(list(range(len(lengths)))))
        assert cost(groups, lengths, prefix, call) == best
    # Rows of one length share a grid; a much longer row gets its own.
    assert group_rows([60, 60, 60], 90) == [[0, 1, 2]]
    assert group_rows([80, 55, 30, 233, 55, 64], 93)[0] == [3]


def test_bf16_keeps_frozen_weights_in_bf16_and_the_adapter_in_fp32(tmp_path: Path, tiny_model_dir: Path, tokenizer):
    fp32 = LocalServiceClient(save_root=tmp_path / "a", device="cpu", precision="fp32")
    bf16 = LocalServiceClient(save_root=tmp_path / "b", device="cpu", precision="bf16")
    reference = fp32.create_lora_training_client(str(tiny_model_dir), rank=4, seed=0).result()
    client = bf16.create_lora_training_client(str(tiny_model_dir), rank=4, seed=0).result()
    dtypes = {(p.requires_grad, p.dtype) for p in client.model.parameters()}
    assert dtypes == {(True, torch.float32), (False, torch.bfloat16)}

    data = real_rows(tokenizer, 4)
    expected = reference.forward_backward(data, "cross_entropy").result().metrics["loss:sum"]
    got = client.forward_backward(data, "cross_entropy").result().metrics["loss:sum"]
    assert got == pytest.approx(expected, rel=2e-2)  # bf16 keeps ~3 significant digits
    client.optim_step(ADAM).result()
    assert all(s["exp_avg"].dtype == torch.float32 for s in client.optimizer_state()["state"].values())


@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16])
def test_token_logprobs_equal_cross_entropy_in_value_and_gradient(dtype) -> None:
    from sft.engines.local import token_logprobs

    generator = torch.Generator().manual_seed(0)
    rows = 150  # more than one chunk, and a last chunk that is not full
    logits = (torch.randn(rows, 1000, generator=generator) * 4).to(dtype).requires_grad_()
    targets = torch.randint(0, 1000, (rows,), generator=generator)
    upstream = torch.randn(rows, generator=generator)

    expected = -F.cross_entropy(logits.float(), targets, reduction="none")
    (expected_grad,) = torch.autograd.grad((expected * upstream).sum(), logits)
    got = token_logprobs(logits, targets)
    (grad,) = torch.autograd.grad((got * upstream).sum(), logits)
    assert got.dtype == torch.float32 and grad.dtype == dtype
    torch.testing.assert_close(got, expected, rtol=1e-6, atol=1e-5)
    torch.testing.assert_close(
        grad.float(), expected_grad.float(), rtol=1e-2 if dtype == torch.bfloat16 else 1e-6, atol=1e-6
    )


def test_bf16_packed_step_matches_a_plain_bf16_forward_pass(tmp_path: Path, tiny_model_dir: Path, tokenizer) -> None:
    """The optimised path (pack, shared prefix, pack-aware attention, chunked logprobs) in bf16 against one
    ordinary forward pass per row under the same bf16 autocast: equal within bf16 rounding."""
    service = LocalServiceClient(save_root=tmp_path / "b", device="cpu", precision="bf16")
    client = service.create_lora_training_client(str(tiny_model_dir), rank=4, seed=0).result()
    data = real_rows(tokenizer)
    move_adapter(client.model)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        loss, logprobs, grads = plain_step(client.model, data)
    out = client.forward_backward(data, "cross_entropy").result()
    head = client.model.get_base_model().lm_head
    for factor in ("lora_A", "lora_B"):  # the fused unembedding's adapter gradients, within bf16 rounding
        name = next(n for n in grads if f"lm_head.{factor}" in n)
        got = getattr(head, factor)["default"].weight.grad
        assert got.dtype == torch.float32
        torch.testing.assert_close(got, grads[name], rtol=0.05, atol=0.02 * grads[name].abs().max().item())
    worst = 0.0
    for datum, record, plain in zip(data, out.loss_fn_outputs, logprobs):
        weighted = datum.loss_fn_inputs["weights"].to_numpy() != 0
        worst = max(worst, float(np.abs(record["logprobs"].to_numpy()[weighted] - plain[weighted]).max()))
    # Measured 0.003 nats here. On the bundled model single near-tie positions differ by up to ~0.7 nats
    # (the per-row SDPA path before it: ~1.1), with the summed loss within 0.2%: bf16 keeps 8 mantissa bits.
    assert worst < 0.02
    assert out.metrics["loss:sum"] == pytest.approx(loss, rel=5e-3)


def test_a_bf16_sampler_merges_the_adapter_in_float32_before_the_cast(tmp_path, tiny_model_dir):
    from peft.tuners.lora import LoraLayer

    service = LocalServiceClient(save_root=tmp_path / "run", device="cpu", precision="bf16")
    client = service.create_lora_training_client(str(tiny_model_dir), rank=4, seed=0).result()
    with torch.no_grad():  # a fresh adapter has B = 0 and nothing to merge: move every factor
        generator = torch.Generator().manual_seed(1)
        for name, param in client.model.named_parameters():
            if "lora_" in name:
                param.add_(torch.randn(param.shape, generator=generator) * 0.05)
    path = client.save_weights_for_sampler("s").result().path
    bf16 = LocalServiceClient(save_root=tmp_path / "b", device="cpu", precision="bf16")
    fp32 = LocalServiceClient(save_root=tmp_path / "f", device="cpu", precision="fp32")
    merged_bf16 = bf16.create_sampling_client(model_path=path).result()._runner.model
    reference = fp32.create_sampling_client(model_path=path).result()._runner
    assert reference.merge_frozen_adapter() == 0, "a sampler checkpoint is merged while it loads"
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


def test_a_step_reports_what_it_computed(client, batch) -> None:
    """The counts ``benchmarks/bench_vs_trl.py`` turns into FLOPs: the shared prefix once per pack, logits only
    where the loss is, and the attention's prefix block plus its padded grid of the rows' own tokens."""
    from sft.engines.packing import group_rows, pack_rows, shared_prefix_length

    rows = [d.model_input.to_ints() for d in batch]
    prefix = shared_prefix_length(rows)
    assert prefix > 10  # every row starts with the system prompt
    client.max_pack_tokens = 10_000  # one pack
    client.forward_backward(batch, "cross_entropy").result()
    counts = client.last_step_counts
    assert counts["tokens"] == sum(len(r) for r in rows) - (len(rows) - 1) * prefix
    weighted = sum(int(np.count_nonzero(d.loss_fn_inputs["weights"].to_numpy())) for d in batch)
    assert counts["logit_positions"] == weighted
    own = [len(r) - prefix for r in rows]
    grids = [max(own[i] for i in g) for g in group_rows(own, prefix)]  # each grid as wide as its longest row
    sizes = [len(g) for g in group_rows(own, prefix)]
    assert counts["attention_pairs"] == prefix * prefix + sum(n * w * (prefix + w) for n, w in zip(sizes, grids))
    assert counts["attention_pairs"] <= prefix * prefix + len(rows) * max(own) * (prefix + max(own))

    client.max_pack_tokens = max(len(r) for r in rows) + 1  # several packs: the prefix is computed again in each
    client.forward_backward(batch, "cross_entropy").result()
    packs = pack_rows(rows, client.max_pack_tokens)
    assert len(packs) > 1
    assert client.last_step_counts["tokens"] == sum(p.input_ids.shape[1] for p in packs)
    assert client.last_step_counts["logit_positions"] == weighted
