"""The local sampling client: batched, prefix-sharing generation gives exactly what one-at-a-time generation gives."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from tinker import types

from sft.data_loader import validate_records
from sft.datum_builder import build_datum, build_generation_prompt
from sft.engines.local import LocalServiceClient
from sft.engines.local_runtime import LocalEngineError, onednn_linear_available, pack_frozen_linears, unpack_linears
from sft.reply_format import parse_reply, reply_json_schema
from tests.conftest import make_records

# Different lengths after the same system prompt, so batches share a long prefix and are padded after it.
TEXTS = [
    "hi",
    "what is 2+2?",
    "sort [3, 1, 2] please",
    "How many vowels are in the word 'education'? Count them carefully, one by one.",
    "Name a primary color.",
    "x",
    "Reverse the string 'tinker' and print it twice, separated by a comma and a space.",
]
MAX_TOKENS = 10


def randomize(model: torch.nn.Module, seed: int = 1) -> None:
    """Large random base weights: the tiny model's default init answers every prompt with the same token, and
    large logits leave no near-ties, so greedy choices do not depend on rounding."""
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, param in model.named_parameters():
            if param.dim() == 2 and "lora_" not in name:
                std = 1.0 if "embed" in name else 0.4
                param.copy_(torch.randn(param.shape, generator=generator) * std)


def generate_alone(model, prompt: types.ModelInput, max_tokens: int, stop_ids: list[int]) -> list[int]:
    """One row through ``model.generate``: greedy, with its own KV cache, no padding."""
    ids = torch.tensor([prompt.to_ints()])
    out = model.generate(
        input_ids=ids,
        attention_mask=torch.ones_like(ids),
        max_new_tokens=max_tokens,
        do_sample=False,
        temperature=None,
        top_p=None,
        top_k=None,
        pad_token_id=0,
        eos_token_id=stop_ids or None,
    )
    return out[0, ids.shape[1] :].tolist()


def forward_logprobs(model, prompt: types.ModelInput, tokens: list[int]) -> np.ndarray:
    """The logprobs of ``tokens`` after ``prompt`` from one plain forward pass."""
    ids = prompt.to_ints()
    with torch.no_grad():
        logits = model(input_ids=torch.tensor([ids + tokens])).logits[0].float()
    positions = torch.arange(len(ids) - 1, len(ids) + len(tokens) - 1)
    return logits.log_softmax(-1)[positions, torch.tensor(tokens)].numpy()


def sample_all(sampler, prompts, params, num_samples: int = 1) -> list[types.SampleResponse]:
    """Submit every request before waiting for any, as ``sft.evaluate`` does."""
    futures = [sampler.sample(p, num_samples, params) for p in prompts]
    return [f.result() for f in futures]


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> LocalServiceClient:
    root = tmp_path_factory.mktemp("sampling") / "run"
    return LocalServiceClient(save_root=root, device="cpu", precision="fp32", sampling_batch_size=3)


@pytest.fixture(scope="module")
def sampler(service: LocalServiceClient, tiny_model_dir: Path):
    client = service.create_sampling_client(base_model=str(tiny_model_dir)).result()
    randomize(client._runner.model)
    return client


@pytest.fixture(scope="module")
def model(sampler):
    return sampler._runner.model


@pytest.fixture(scope="module")
def prompts(tokenizer) -> list[types.ModelInput]:
    return [build_generation_prompt(t, tokenizer) for t in TEXTS]


@pytest.fixture(scope="module")
def free_run(model, prompts) -> list[list[int]]:
    """Each prompt's greedy continuation with no stop token."""
    return [generate_alone(model, p, MAX_TOKENS, []) for p in prompts]


def stops_at_different_steps(free_run: list[list[int]]) -> list[int]:
    """Stop tokens that end the rows after 2, 4, 6, ... tokens; the last row never meets one."""
    return sorted({tokens[2 * (i % 4) + 1] for i, tokens in enumerate(free_run[:-1])} - set(free_run[-1]))


def test_greedy_batch_equals_one_at_a_time_generate(sampler, model, prompts, free_run) -> None:
    stop_ids = stops_at_different_steps(free_run)
    expected = [generate_alone(model, p, MAX_TOKENS, stop_ids) for p in prompts]
    assert len({len(e) for e in expected}) >= 3, "rows should finish at different steps"

    params = types.SamplingParams(max_tokens=MAX_TOKENS, temperature=0.0, stop=stop_ids)
    responses = sample_all(sampler, prompts, params)  # 7 rows through batches of 3: rows leave and join
    assert [r.sequences[0].tokens for r in responses] == expected
    assert sampler._prefixes, "the shared system prompt should have been computed once and kept"
    for response, tokens in zip(responses, expected):
        seq = response.sequences[0]
        if tokens[-1] in stop_ids:
            assert seq.stop_reason == "stop" and len(tokens) <= MAX_TOKENS
        else:
            assert seq.stop_reason == "length" and len(tokens) == MAX_TOKENS


def test_rows_prefilled_in_groups_of_similar_length_decode_as_one_at_a_time_generate(
    sampler, model, prompts, free_run, monkeypatch
) -> None:
    """With no cost per group, every prompt length is prefilled as its own group and the groups' caches joined:
    the replies are still exactly greedy."""
    import sft.engines.local_sampling as local_sampling
    from sft.engines.local_sampling import LocalSamplingClient

    groups: list[int] = []  # groups per prefill
    split = local_sampling.split_by_length

    def recorded(lengths, cost):  # type: ignore[no-untyped-def]
        result = split(lengths, cost)
        groups.append(len(result))
        return result

    monkeypatch.setattr(local_sampling, "PREFILL_GROUP_COST", 0)
    monkeypatch.setattr(local_sampling, "split_by_length", recorded)
    grouped = LocalSamplingClient(sampler._runner, 8)  # all 7 rows in one prefill
    stop_ids = stops_at_different_steps(free_run)
    params = types.SamplingParams(max_tokens=MAX_TOKENS, temperature=0.0, stop=stop_ids)
    expected = [generate_alone(model, p, MAX_TOKENS, stop_ids) for p in prompts]
    assert [r.sequences[0].tokens for r in sample_all(grouped, prompts, params)] == expected
    assert max(groups) >= 3, groups


def test_logprobs_are_those_of_a_plain_forward_pass(sampler, model, prompts) -> None:
    params = types.SamplingParams(max_tokens=MAX_TOKENS, temperature=0.0, stop=[])
    for prompt, response in zip(prompts, sample_all(sampler, prompts, params)):
        seq = response.sequences[0]
        assert len(seq.logprobs) == len(seq.tokens) == MAX_TOKENS
        np.testing.assert_allclose(seq.logprobs, forward_logprobs(model, prompt, seq.tokens), atol=1e-4)


def test_each_row_stops_at_its_own_stop_token(sampler, prompts, free_run) -> None:
    stop_ids = stops_at_different_steps(free_run)
    params = types.SamplingParams(max_tokens=MAX_TOKENS, temperature=0.0, stop=stop_ids)
    for tokens, response in zip(free_run, sample_all(sampler, prompts, params)):
        seq = response.sequences[0]
        first = next((i for i, t in enumerate(tokens) if t in stop_ids), None)
        if first is None:
            assert (seq.stop_reason, seq.tokens) == ("length", tokens)
        else:
            assert (seq.stop_reason, seq.tokens) == ("stop", tokens[: first + 1])


def test_max_tokens_ends_rows_with_length(sampler, prompts, free_run) -> None:
    params = types.SamplingParams(max_tokens=3, temperature=0.0, stop=[])
    for tokens, response in zip(free_run, sample_all(sampler, prompts, params, num_samples=2)):
        assert [(s.stop_reason, s.tokens) for s in response.sequences] == [("length", tokens[:3])] * 2


def test_a_multi_token_stop_string_ends_the_row(sampler, tokenizer, prompts, free_run) -> None:
    tokens = free_run[3]
    stop = tokenizer.decode(tokens[2:5])
    assert len(tokenizer.encode(stop, add_special_tokens=False)) > 1
    params = types.SamplingParams(max_tokens=MAX_TOKENS, temperature=0.0, stop=stop)
    seq = sampler.sample(prompts[3], 1, params).result().sequences[0]
    assert seq.stop_reason == "stop"
    assert seq.tokens == tokens[: len(seq.tokens)] and len(seq.tokens) <= 5
    assert stop in tokenizer.decode(seq.tokens)


def test_sampling_with_temperature_top_k_and_top_p(sampler, prompts, free_run) -> None:
    seeded = types.SamplingParams(max_tokens=6, temperature=0.8, top_p=0.9, top_k=50, seed=7, stop=[])
    first = [r.sequences[0].tokens for r in sample_all(sampler, prompts, seeded)]
    again = [r.sequences[0].tokens for r in sample_all(sampler, prompts, seeded)]
    assert first == again and all(len(t) == 6 for t in first)
    # top_k=1 leaves only the argmax.
    top1 = types.SamplingParams(max_tokens=6, temperature=1.0, top_k=1, seed=3, stop=[])
    assert [r.sequences[0].tokens for r in sample_all(sampler, prompts, top1)] == [t[:6] for t in free_run]
    hot = types.SamplingParams(max_tokens=6, temperature=5.0, seed=3, stop=[])
    seqs = [r.sequences[0] for r in sample_all(sampler, prompts, hot)]
    assert [s.tokens for s in seqs] != [t[:6] for t in free_run]
    assert all(np.isfinite(s.logprobs).all() and max(s.logprobs) <= 0 for s in seqs)


def test_prefix_cache_is_invalidated_by_a_training_step(service, tiny_model_dir: Path, tokenizer) -> None:
    client = service.create_lora_training_client(str(tiny_model_dir), rank=4, seed=0).result()
    randomize(client.model)
    sampler = client.save_weights_and_get_sampling_client().result()
    prompts = [build_generation_prompt(t, tokenizer) for t in TEXTS[:4]]
    params = types.SamplingParams(max_tokens=MAX_TOKENS, temperature=0.0, stop=[])
    before = sample_all(sampler, prompts, params)
    assert sampler._prefixes

    batch = [build_datum(s, tokenizer, 512) for s in validate_records(make_records(per_source=1))[:4]]
    adam = types.AdamParams(learning_rate=0.05, beta1=0.9, beta2=0.95, eps=1e-8, weight_decay=0.0)
    client.forward_backward(batch, "cross_entropy")
    client.optim_step(adam).result()

    after = sample_all(sampler, prompts, params)
    for prompt, old, new in zip(prompts, before, after):
        seq = new.sequences[0]
        assert seq.tokens == generate_alone(client.model, prompt, MAX_TOKENS, [])
        fresh = forward_logprobs(client.model, prompt, seq.tokens)
        np.testing.assert_allclose(seq.logprobs, fresh, atol=1e-4)
        if seq.tokens == old.sequences[0].tokens:  # the step must be visible, or this test proves nothing
            assert np.abs(np.asarray(old.sequences[0].logprobs) - fresh).max() > 1e-3


def test_prefix_cache_is_invalidated_when_the_weights_version_changes(sampler, model, prompts) -> None:
    params = types.SamplingParams(max_tokens=4, temperature=0.0, stop=[])
    sample_all(sampler, prompts, params)
    cached = next(iter(sampler._prefixes.values()))
    sampler._runner.weights_version += 1
    sample_all(sampler, prompts, params)
    assert all(kv is not cached for kv in sampler._prefixes.values())


def test_guesses_extend_repeated_text() -> None:
    from sft.engines.local_sampling import _draft

    assert _draft([1, 2, 3, 1, 2, 3, 1, 2], 4) == [3, 1, 2, 3]
    assert _draft([5, 7, 7, 7], 3) == [7, 7, 7]  # a loop of one token goes on
    assert _draft([9, 1, 2, 8, 1, 2], 2) == [8, 1]  # the latest occurrence wins
    assert _draft([1, 2, 3, 4], 3) == []


def test_guessed_tokens_are_kept_only_where_greedy_would_choose_them(
    sampler, model, prompts, free_run, monkeypatch
) -> None:
    """Guesses that are right, then wrong, then missing: the output is still exactly greedy, stops included."""
    import sft.engines.local_sampling as local_sampling

    calls = []

    def half_right(context: list[int], size: int) -> list[int]:
        for prompt, tokens in zip(prompts, free_run):
            ids = prompt.to_ints()
            done = len(context) - len(ids)
            if context[: len(ids)] == ids and context[len(ids) :] == tokens[:done]:
                guess = tokens[done : done + size]
                if done % 3 == 1 and len(guess) > 1:
                    guess[1] = (guess[1] + 1) % 1000
                calls.append(len(guess))
                return guess if done % 3 != 2 else []
        raise AssertionError("unexpected context")

    monkeypatch.setattr(local_sampling, "_draft", half_right)
    stop_ids = stops_at_different_steps(free_run)
    for stop in ([], stop_ids):
        params = types.SamplingParams(max_tokens=MAX_TOKENS, temperature=0.0, stop=stop)
        expected = [generate_alone(model, p, MAX_TOKENS, stop) for p in prompts]
        responses = sample_all(sampler, prompts, params)
        assert [r.sequences[0].tokens for r in responses] == expected
        for prompt, response in zip(prompts, responses):
            seq = response.sequences[0]
            np.testing.assert_allclose(seq.logprobs, forward_logprobs(model, prompt, seq.tokens), atol=1e-4)
    assert sum(calls) > 0, "the tail of the batch should have been decoded with guesses"


def test_a_sampler_checkpoint_samples_what_its_training_client_would(
    service, tiny_model_dir: Path, tokenizer, tmp_path: Path
) -> None:
    """A frozen adapter is folded into the weights when its sampler loads (one product per layer): same tokens."""
    from transformers import AutoModelForCausalLM

    base = AutoModelForCausalLM.from_pretrained(tiny_model_dir)
    randomize(base)
    base_dir = tmp_path / "random-tiny"
    base.save_pretrained(base_dir)
    tokenizer.save_pretrained(base_dir)
    client = service.create_lora_training_client(str(base_dir), rank=4, seed=0).result()
    batch = [build_datum(s, tokenizer, 512) for s in validate_records(make_records(per_source=1))[:4]]
    adam = types.AdamParams(learning_rate=0.05, beta1=0.9, beta2=0.95, eps=1e-8, weight_decay=0.0)
    client.forward_backward(batch, "cross_entropy")
    client.optim_step(adam).result()
    path = client.save_weights_for_sampler("merged").result().path

    sampler = service.create_sampling_client(model_path=path).result()
    prompts = [build_generation_prompt(t, tokenizer) for t in TEXTS]
    params = types.SamplingParams(max_tokens=MAX_TOKENS, temperature=0.0, stop=[])
    responses = sample_all(sampler, prompts, params)
    assert any(getattr(m, "merged", False) for m in sampler._runner.model.modules())
    assert sampler._runner.merge_frozen_adapter() == 0, "nothing left to merge"
    for prompt, response in zip(prompts, responses):
        seq = response.sequences[0]
        assert seq.tokens == generate_alone(client.model, prompt, MAX_TOKENS, [])
        np.testing.assert_allclose(seq.logprobs, forward_logprobs(client.model, prompt, seq.tokens), atol=1e-4)


def _short_reply_schema() -> dict:
    """The three reply shapes with strings of at most 4 characters, so even a random model's replies end."""
    schema = reply_json_schema()
    for shape in schema["anyOf"]:
        for prop in shape["properties"].values():
            for leaf in [prop, *prop.get("properties", {}).values()]:
                if leaf.get("type") == "string":
                    leaf["maxLength"] = 4
    return schema


def test_constrained_replies_follow_the_schema_and_keep_the_models_logprobs(sampler, model, tokenizer, prompts) -> None:
    stop = tokenizer.convert_tokens_to_ids("<|im_end|>")
    params = types.SamplingParams(max_tokens=40, temperature=0.0, stop=[stop])
    free = [r.sequences[0] for r in sample_all(sampler, prompts, params)]
    assert not any(parse_reply(tokenizer.decode(s.tokens)).correct_format for s in free)  # random weights
    constrained = sampler.constrained(_short_reply_schema())
    replies = [r.sequences[0] for r in sample_all(constrained, prompts, params)]
    for prompt, reply in zip(prompts, replies):
        assert reply.stop_reason == "stop" and reply.tokens[-1] == stop
        parsed = parse_reply(tokenizer.decode(reply.tokens[:-1]))
        assert parsed.correct_format, tokenizer.decode(reply.tokens)
        # rtol too: a random model's logprobs reach -40, where float32 sums in another order differ by ~1e-4.
        np.testing.assert_allclose(reply.logprobs, forward_logprobs(model, prompt, reply.tokens), atol=1e-4, rtol=1e-5)
    # The unconstrained client on the same model is unaffected.
    assert [r.sequences[0].tokens for r in sample_all(sampler, prompts, params)] == [s.tokens for s in free]


def test_guessed_tokens_of_a_constrained_row_are_kept_only_where_its_grammar_greedy_choice_agrees(
    sampler, model, tokenizer, prompts, monkeypatch
) -> None:
    """Half the guesses are the constrained reply's own next tokens (kept), the other half the model's unconstrained
    greedy continuation, which the schema mostly forbids (dropped where it does): the replies, logprobs included,
    are those of constrained decoding without guesses."""
    import sft.engines.local_sampling as local_sampling

    stop = tokenizer.convert_tokens_to_ids("<|im_end|>")
    params = types.SamplingParams(max_tokens=40, temperature=0.0, stop=[stop])
    one_by_one = sampler.constrained(_short_reply_schema())
    one_by_one.speculate = False
    expected = [r.sequences[0] for r in sample_all(one_by_one, prompts, params)]
    calls = {"own": 0, "free": 0}

    def guess(context: list[int], size: int) -> list[int]:
        for prompt, seq in zip(prompts, expected):
            ids = prompt.to_ints()
            done = len(context) - len(ids)
            if context[: len(ids)] == ids and context[len(ids) :] == list(seq.tokens[:done]):
                if done % 2:
                    calls["free"] += 1
                    return generate_alone(model, types.ModelInput.from_ints(context), size, [])
                calls["own"] += 1
                return list(seq.tokens[done : done + size])
        raise AssertionError("unexpected context")

    monkeypatch.setattr(local_sampling, "_draft", guess)
    guessing = sampler.constrained(_short_reply_schema())
    assert guessing.speculate
    replies = [r.sequences[0] for r in sample_all(guessing, prompts, params)]
    assert [list(r.tokens) for r in replies] == [list(e.tokens) for e in expected]
    for reply, want in zip(replies, expected):
        np.testing.assert_allclose(reply.logprobs, want.logprobs, atol=1e-4, rtol=1e-5)
    assert calls["own"] and calls["free"], calls


def test_a_constrained_client_keeps_exactly_the_replies_its_schema_accepts_whole(sampler, tokenizer) -> None:
    stop = tokenizer.convert_tokens_to_ids("<|im_end|>")
    constrained = sampler.constrained(reply_json_schema())

    def keeps(text: str, end: list[int] = [stop]) -> bool:  # noqa: B006 - read only
        return constrained.keeps(tokenizer.encode(text, add_special_tokens=False) + end, [stop])

    call = '{"tool": "calculator", "args": {"expression": "2 + 3"}}'
    assert keeps(call) and keeps('{"final": "Paris."}') and keeps('{"tool": "python", "args": {"code": "print(1)"}}')
    # Cut at max_tokens with every token allowed: constrained decoding writes the same and is cut there too.
    assert keeps(call[:-1], end=[]) and keeps(call, end=[])
    assert not keeps('{"final": "Paris." }', end=[]), "a token the schema forbids, however the reply ends"
    assert not keeps(call + " "), "the value must end where the stop token comes"
    assert not keeps(call[:-1]), "nor may the stop token come before the value is complete"
    assert not keeps('{"tool": "shell", "args": {"command": "ls"}}'), "a tool the schema does not name"
    assert not keeps('{"final": 42}') and not keeps('{"final": "a", "note": "b"}')
    assert not keeps('{"final":"Paris."}'), "separators other than the trained ones"
    assert not keeps('{"final": "a"}<|im_end|>{"final": "b"}'), "a stop token inside the reply"
    with pytest.raises(LocalEngineError, match="constrained"):
        sampler.keeps([*tokenizer.encode(call), stop], [stop])


@pytest.mark.skipif(not onednn_linear_available(), reason="this PyTorch build has no oneDNN linear")
def test_packed_linear_layers_compute_what_plain_ones_do(tiny_model_dir: Path, tokenizer) -> None:
    from transformers import AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained(tiny_model_dir)
    assert pack_frozen_linears(model, min_elements=0) == 0, "a model with trainable weights keeps its plain path"
    randomize(model)
    model.requires_grad_(False)
    linears = [m for m in model.modules() if type(m) is torch.nn.Linear]
    ids = torch.tensor([tokenizer.encode("Sort [3, 1, 2] and print the result, please.")])
    with torch.no_grad():
        plain = model(input_ids=ids).logits
    assert pack_frozen_linears(model, min_elements=0) == len(linears) == 2 * 7 + 1  # q k v o gate up down, lm_head
    assert pack_frozen_linears(model, min_elements=0) == 0, "packing twice does nothing"
    with torch.no_grad():
        packed = model(input_ids=ids).logits
    torch.testing.assert_close(packed, plain, rtol=1e-5, atol=1e-4)

    layer = model.model.layers[0].mlp.down_proj
    x = torch.randn(3, layer.in_features)
    with torch.no_grad():
        layer.weight.mul_(2)  # changed after packing: the stale copy must not be used
        torch.testing.assert_close(layer(x), torch.nn.functional.linear(x, layer.weight))
    x.requires_grad_(True)  # gradients take the plain path
    layer(x).sum().backward()
    torch.testing.assert_close(x.grad, layer.weight.sum(0).expand_as(x))

    assert unpack_linears(model) == len(linears)
    assert all("forward" not in m.__dict__ for m in linears)


@pytest.mark.parametrize(
    "keep", [[0, 1, 2, 3, 4, 6, 7, 8, 9], [1, 2, 5, 7], [0, 1, 2], [3], [0, 2, 4, 6, 8, 9, 10, 11], list(range(1, 64))]
)
def test_finished_rows_are_refilled_from_the_end_so_one_row_moves_per_finished_row(keep) -> None:
    from sft.engines.local_sampling import _fill_holes

    order = _fill_holes(keep)
    assert sorted(order) == keep  # every kept row, once
    moved = [j for j, i in enumerate(order) if i != j]
    holes = [j for j in range(len(keep)) if j not in keep]
    assert moved == holes  # rows that keep their place are not copied; each hole takes one row
