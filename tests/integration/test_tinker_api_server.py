"""The Tinker engine's SDK calls against a real Tinker-API server: the calls sft.train and sft.evaluate make.

Each test drives the project's engine (sft/engines/tinker_engine.py), which hands the work to the
official `tinker` SDK, which talks HTTP to the SkyRL server started by conftest.py.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from typing import Any

import pytest
from tinker import types

from sft.engines.tinker_engine import (
    TinkerCheckpointPathError,
    TinkerEngineError,
    TinkerModelUnavailableError,
    TinkerSamplingClient,
    create_tinker_service_client,
)

pytestmark = pytest.mark.tinker_it

PROMPT = "<|im_start|>user\nWhat is 2 + 2?<|im_end|>\n<|im_start|>assistant\n"
TARGET = '{"tool": "calculator", "args": {"expression": "2 + 2"}}<|im_end|>'
ADAM = types.AdamParams(learning_rate=5e-3, beta1=0.9, beta2=0.95, eps=1e-8, weight_decay=0.0, grad_clip_norm=0.0)
STEPS = 4


def make_datum(tokenizer: Any) -> types.Datum:
    """One SFT example: weight 0 on the prompt, 1 on the JSON reply and its end-of-turn token."""
    prompt = tokenizer.encode(PROMPT, add_special_tokens=False)
    reply = tokenizer.encode(TARGET, add_special_tokens=False)
    tokens = prompt + reply
    weights = [0.0] * (len(prompt) - 1) + [1.0] * len(reply)
    return types.Datum(
        model_input=types.ModelInput.from_ints(tokens[:-1]),
        loss_fn_inputs={
            "target_tokens": types.TensorData(data=tokens[1:], dtype="int64", shape=[len(tokens) - 1]),
            "weights": types.TensorData(data=weights, dtype="float32", shape=[len(weights)]),
        },
    )


def prompt_input(tokenizer: Any) -> types.ModelInput:
    return types.ModelInput.from_ints(tokenizer.encode(PROMPT, add_special_tokens=False))


def train_steps(training_client: Any, datum: types.Datum, steps: int) -> list[types.ForwardBackwardOutput]:
    """``steps`` optimizer steps on ``datum``, each step's two requests submitted before either is awaited."""
    outputs = []
    for _ in range(steps):
        fwd_bwd = training_client.forward_backward([datum, datum], "cross_entropy")
        optim = training_client.optim_step(ADAM)
        outputs.append(fwd_bwd.result())
        optim.result()
    return outputs


def loss_now(training_client: Any, datum: types.Datum) -> float:
    return training_client.forward([datum], "cross_entropy").result().metrics["loss:sum"]


@dataclass
class TrainedRun:
    training_client: Any
    datum: types.Datum
    tokenizer: Any
    outputs: list[types.ForwardBackwardOutput]
    state_path: str
    sampler_path: str


@pytest.fixture(scope="module")
def trained(tinker_service: Any, base_model: str) -> TrainedRun:
    """A LoRA client trained for a few steps, with a saved state and saved sampler weights."""
    training_client = tinker_service.create_lora_training_client(base_model, rank=8, seed=0).result()
    tokenizer = training_client.get_tokenizer()
    datum = make_datum(tokenizer)
    outputs = train_steps(training_client, datum, STEPS)
    state = training_client.save_state("it_state").result()
    sampler = training_client.save_weights_for_sampler("it_sampler").result()
    return TrainedRun(training_client, datum, tokenizer, outputs, state.path, sampler.path)


def test_the_server_offers_its_base_model(tinker_service: Any, base_model: str) -> None:
    assert base_model in [m.model_name for m in tinker_service.supported_models]
    tinker_service.check_base_model(base_model)


def test_a_malformed_api_key_is_refused_with_the_reason(tinker_server: Any) -> None:
    with pytest.raises(TinkerEngineError, match="tml-"):
        create_tinker_service_client(api_key="not-a-tinker-key", base_url=tinker_server.base_url, timeout_s=60)


def test_an_unoffered_base_model_stops_with_the_offered_list(tinker_service: Any, base_model: str) -> None:
    with pytest.raises(TinkerModelUnavailableError) as raised:
        tinker_service.create_lora_training_client("Qwen/Qwen3-4B-Instruct-2507", rank=8)
    message = str(raised.value)
    assert base_model in message and "Qwen/Qwen3.5-4B" in message and "--base_model" in message


def test_cross_entropy_loss_is_the_weighted_sum_of_target_logprobs(trained: TrainedRun) -> None:
    first = trained.outputs[0]
    weights = trained.datum.loss_fn_inputs["weights"].data
    for output in first.loss_fn_outputs:
        assert len(output["logprobs"].data) == len(weights)
    expected = -sum(lp * w for output in first.loss_fn_outputs for lp, w in zip(output["logprobs"].data, weights))
    assert first.metrics["loss:sum"] == pytest.approx(expected, rel=1e-4)


def test_training_steps_lower_the_loss(trained: TrainedRun) -> None:
    losses = [output.metrics["loss:sum"] for output in trained.outputs]
    assert losses[-1] < losses[0], losses


def test_checkpoints_get_tinker_paths_of_their_kind(trained: TrainedRun) -> None:
    assert re.fullmatch(r"tinker://[^/]+/weights/it_state", trained.state_path)
    assert re.fullmatch(r"tinker://[^/]+/sampler_weights/it_sampler", trained.sampler_path)


def test_sampling_saved_weights_respects_max_tokens(tinker_service: Any, trained: TrainedRun) -> None:
    sampler = tinker_service.create_sampling_client(model_path=trained.sampler_path).result()
    params = types.SamplingParams(max_tokens=6, temperature=1.0)
    response = sampler.sample(prompt_input(trained.tokenizer), 2, params).result()
    assert len(response.sequences) == 2
    for sequence in response.sequences:
        assert 1 <= len(sequence.tokens) <= 6
        assert sequence.logprobs is not None and len(sequence.logprobs) == len(sequence.tokens)


def test_sampling_stops_at_a_stop_token(tinker_service: Any, trained: TrainedRun) -> None:
    sampler = tinker_service.create_sampling_client(model_path=trained.sampler_path).result()
    prompt = prompt_input(trained.tokenizer)
    greedy = sampler.sample(prompt, 1, types.SamplingParams(max_tokens=8, temperature=0.0)).result().sequences[0]
    assert greedy.stop_reason == "length" and len(greedy.tokens) == 8
    stop = greedy.tokens[0]
    stopped = sampler.sample(prompt, 1, types.SamplingParams(max_tokens=8, temperature=0.0, stop=[stop])).result()
    assert stopped.sequences[0].tokens == [stop]
    assert stopped.sequences[0].stop_reason == "stop"


def test_sampling_needs_max_tokens(tinker_service: Any, trained: TrainedRun) -> None:
    sampler = tinker_service.create_sampling_client(model_path=trained.sampler_path).result()
    with pytest.raises(ValueError, match="max_tokens"):
        sampler.sample(prompt_input(trained.tokenizer), 1, types.SamplingParams(temperature=0.0))


def test_current_weights_can_be_sampled_without_saving(trained: TrainedRun) -> None:
    sampler = trained.training_client.save_weights_and_get_sampling_client().result()
    assert isinstance(sampler, TinkerSamplingClient)
    response = sampler.sample(prompt_input(trained.tokenizer), 1, types.SamplingParams(max_tokens=3)).result()
    assert 1 <= len(response.sequences[0].tokens) <= 3


def test_paths_of_the_wrong_kind_are_refused_before_any_request(tinker_service: Any, trained: TrainedRun) -> None:
    with pytest.raises(TinkerCheckpointPathError, match="sampler_weights"):
        tinker_service.create_sampling_client(model_path=trained.state_path)
    with pytest.raises(TinkerCheckpointPathError, match="weights"):
        tinker_service.create_training_client_from_state_with_optimizer(trained.sampler_path)


def test_the_server_itself_refuses_to_sample_a_training_state(tinker_service: Any, trained: TrainedRun) -> None:
    """As Tinker does: our engine's path check is not what keeps the suite honest."""
    import tinker

    sampler = tinker_service.sdk.create_sampling_client(model_path=trained.state_path).result(timeout=60)
    with pytest.raises(tinker.APIStatusError):
        sampler.sample(prompt_input(trained.tokenizer), 1, types.SamplingParams(max_tokens=2)).result(timeout=120)


def test_resume_with_optimizer_continues_exactly_where_training_stopped(tinker_service: Any, base_model: str) -> None:
    original = tinker_service.create_lora_training_client(base_model, rank=8, seed=1).result()
    datum = make_datum(original.get_tokenizer())
    train_steps(original, datum, 2)
    state_path = original.save_state("resume_point").result().path
    loss_at_save = loss_now(original, datum)
    train_steps(original, datum, 1)
    loss_after_next_step = loss_now(original, datum)

    resumed = tinker_service.create_training_client_from_state_with_optimizer(state_path).result()
    assert resumed.get_base_model() == base_model
    assert loss_now(resumed, datum) == pytest.approx(loss_at_save, rel=1e-5)
    train_steps(resumed, datum, 1)
    # The same next step needs the same Adam moments: only a restored optimizer gives the same loss.
    assert loss_now(resumed, datum) == pytest.approx(loss_after_next_step, rel=1e-4)

    weights_only = tinker_service.create_training_client_from_state(state_path).result()
    assert loss_now(weights_only, datum) == pytest.approx(loss_at_save, rel=1e-5)
    train_steps(weights_only, datum, 1)
    assert loss_now(weights_only, datum) != pytest.approx(loss_after_next_step, rel=1e-4)


def test_futures_can_be_awaited(trained: TrainedRun) -> None:
    async def one_step() -> tuple[types.ForwardBackwardOutput, types.OptimStepResponse]:
        fwd_bwd = trained.training_client.forward_backward([trained.datum], "cross_entropy")
        optim = trained.training_client.optim_step(ADAM)
        return await fwd_bwd, await optim

    output, _ = asyncio.run(one_step())
    assert output.metrics["loss:sum"] > 0


def test_the_base_model_itself_can_be_sampled(tinker_service: Any, base_model: str, trained: TrainedRun) -> None:
    """What `sft.evaluate --untrained` does: the baseline without an adapter."""
    sampler = tinker_service.create_sampling_client(base_model=base_model).result()
    assert sampler.get_base_model() == base_model
    response = sampler.sample(prompt_input(trained.tokenizer), 1, types.SamplingParams(max_tokens=4)).result()
    assert 1 <= len(response.sequences[0].tokens) <= 4


def grad_norm(optim: types.OptimStepResponse) -> float:
    (value,) = [v for k, v in (optim.metrics or {}).items() if k.endswith("grad_norm")]
    return value


def test_the_gradient_is_that_of_the_summed_loss_as_on_tinker(tinker_service: Any, base_model: str) -> None:
    """Tinker's cross_entropy is a sum over weighted tokens, so the same datum twice doubles the gradient (a mean
    over sequences or tokens would leave it unchanged)."""
    client = tinker_service.create_lora_training_client(base_model, rank=8, seed=3).result()
    datum = make_datum(client.get_tokenizer())
    still = ADAM.model_copy(update={"learning_rate": 0.0})
    client.forward_backward([datum], "cross_entropy").result()
    once = grad_norm(client.optim_step(still).result())
    client.forward_backward([datum, datum], "cross_entropy").result()
    twice = grad_norm(client.optim_step(still).result())
    assert twice == pytest.approx(2 * once, rel=1e-3)
    weighted_tokens = sum(datum.loss_fn_inputs["weights"].data)
    assert once > 1.0 and weighted_tokens > 10  # a sum over ~20 tokens: far above a clip norm of 1


def test_the_server_clips_the_gradient_norm_it_is_given(tinker_service: Any, base_model: str) -> None:
    """grad_clip_norm reaches the optimizer: clipped to 1e-12 (the gradient then sits far below Adam's eps of 1e-8,
    so Adam's step shrinks ~10,000-fold) a step barely moves the loss; unclipped, the same step does."""
    change = {}
    for clip in (1e-12, 0.0):
        client = tinker_service.create_lora_training_client(base_model, rank=8, seed=4).result()
        datum = make_datum(client.get_tokenizer())
        before = loss_now(client, datum)
        client.forward_backward([datum], "cross_entropy").result()
        client.optim_step(ADAM.model_copy(update={"learning_rate": 5e-3, "grad_clip_norm": clip})).result()
        change[clip] = (before, loss_now(client, datum) - before)
    assert change[1e-12][0] == pytest.approx(change[0.0][0], rel=1e-6)  # same seed, same start
    assert change[0.0][1] < -0.1  # an unclipped step lowers the loss
    assert abs(change[1e-12][1]) < 0.02 * abs(change[0.0][1]), change
