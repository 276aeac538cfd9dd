"""`python -m sft.serve` on a trained checkpoint, driven with the official `openai` client.

The checkpoint is the bundled model trained with the real local engine until it has memorised three rows (a
calculator call, a python call, a direct answer): a few steps are not enough for a model to learn the task, but
they are enough to make its replies to these prompts known, so the server's mapping is checked on what the model
really says. The fixture checks the memorisation itself before any server test relies on it.
"""

from __future__ import annotations

import asyncio
import http.client
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest
from tinker import types

from sft.checkpoints import RunRegistry
from sft.data_loader import Sample, validate_records
from sft.datum_builder import build_datum
from sft.reply_format import target_object, to_json
from sft.serve import TOOL_SCHEMAS, RequestError, execute_message, parse_request, reply_to_message
from tests.conftest import BUNDLED, make_records

openai = pytest.importorskip("openai")

REPO = Path(__file__).resolve().parent.parent
RUN = "served"
MAX_STEPS = 16  # memorised by step 6 at this rate when measured
ADAM = types.AdamParams(learning_rate=3e-3, beta1=0.9, beta2=0.95, eps=1e-8, weight_decay=0.0, grad_clip_norm=1.0)


def _rows() -> dict[str, Sample]:
    by_id = {s.id: s for s in validate_records(make_records(per_source=1))}
    return {"calculator": by_id["calc_0_0"], "python": by_id["py_0_0"], "final": by_id["chat_1_0"]}


@pytest.fixture(scope="session")
def trained_checkpoint_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A registered run whose final_checkpoint replies to the three rows' prompts with their exact targets."""
    from sft.engines.local import LocalServiceClient
    from sft.sampling import generate_completions

    root = tmp_path_factory.mktemp("serve") / "checkpoints"
    rows = list(_rows().values())
    registry = RunRegistry(root, RUN)
    registry.start("local", BUNDLED, {"resolved": {"renderer": "chatml", "backend": "local"}})
    service = LocalServiceClient(save_root=root / RUN, device="cpu")
    client = service.create_lora_training_client(BUNDLED, rank=8, seed=0).result()
    tokenizer = client.get_tokenizer()
    batch = [build_datum(s, tokenizer, 512) for s in rows]
    sampler = client.save_weights_and_get_sampling_client().result()
    targets = [to_json(target_object(s)) for s in rows]
    replies: list[str] = []
    for step in range(1, MAX_STEPS + 1):
        client.forward_backward(batch, "cross_entropy")
        client.optim_step(ADAM).result()
        if step >= 6 and step % 2 == 0:
            replies = asyncio.run(generate_completions(sampler, tokenizer, [s.prompt for s in rows], 48))
            if replies == targets:
                break
    assert replies == targets, f"not memorised after {MAX_STEPS} steps: {replies}"
    state = client.save_state("final_checkpoint").result().path
    sampler_path = client.save_weights_for_sampler("final_checkpoint").result().path
    registry.record("final_checkpoint", client.step, state, sampler_path)
    return root


def _start(checkpoint_dir: Path, *extra: str) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(REPO), HF_HUB_OFFLINE="1")
    env.pop("TINKER_API_KEY", None)
    command = [sys.executable, "-m", "sft.serve", "final_checkpoint", "--checkpoint_dir", str(checkpoint_dir)]
    process = subprocess.Popen(
        [*command, "--port", "0", "--device", "cpu", *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
    )
    return process


def _wait_for_url(process: subprocess.Popen, timeout_s: float = 180.0) -> str:
    deadline = time.monotonic() + timeout_s
    assert process.stdout is not None
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            pytest.fail(f"sft.serve exited with {process.wait()} before serving")
        if line.startswith("serving "):
            return line.split(" at ", 1)[1].split()[0]
    pytest.fail("sft.serve did not start in time")


@pytest.fixture(scope="module")
def servers(trained_checkpoint_dir: Path) -> Iterator[dict[str, str]]:
    """Two servers on free ports, started together: plain, and with --execute (and the reply's grammar enforced,
    which leaves the memorised replies as they are)."""
    plain = _start(trained_checkpoint_dir, "--max_body_bytes", "4096")
    executing = _start(trained_checkpoint_dir, "--execute", "--constrained")
    try:
        yield {"plain": _wait_for_url(plain), "execute": _wait_for_url(executing)}
    finally:
        for process in (plain, executing):
            process.terminate()
            process.wait(timeout=30)


def _client(url: str) -> openai.OpenAI:
    return openai.OpenAI(base_url=url, api_key="unused", max_retries=0, timeout=120)


def _ask(url: str, prompt: str, **kwargs) -> object:
    return _client(url).chat.completions.create(
        model=f"{RUN}/final_checkpoint", messages=[{"role": "user", "content": prompt}], **kwargs
    )


def test_models_lists_the_checkpoint(servers: dict[str, str]) -> None:
    assert [m.id for m in _client(servers["plain"]).models.list()] == [f"{RUN}/final_checkpoint"]


def test_a_calculator_prompt_comes_back_as_a_tool_call(servers: dict[str, str]) -> None:
    row = _rows()["calculator"]
    response = _ask(servers["plain"], row.prompt, tools=list(TOOL_SCHEMAS.values()))
    choice = response.choices[0]
    assert choice.finish_reason == "tool_calls" and choice.message.content is None
    (call,) = choice.message.tool_calls
    assert call.type == "function" and call.function.name == "calculator"
    assert json.loads(call.function.arguments) == row.tool_args
    assert response.usage.prompt_tokens > 100 and response.usage.completion_tokens > 5


def test_a_chit_chat_prompt_comes_back_as_content(servers: dict[str, str]) -> None:
    row = _rows()["final"]
    choice = _ask(servers["plain"], row.prompt).choices[0]
    assert choice.message.content == row.expected_answer
    assert choice.finish_reason == "stop" and not choice.message.tool_calls


def test_an_unknown_tool_is_a_400_that_names_it(servers: dict[str, str]) -> None:
    web = {"type": "function", "function": {"name": "web_search", "parameters": {"type": "object"}}}
    with pytest.raises(openai.BadRequestError) as error:
        _ask(servers["plain"], "What is 17 * 23?", tools=[TOOL_SCHEMAS["calculator"], web])
    assert error.value.status_code == 400
    assert "unknown tool 'web_search'" in error.value.message and "calculator and python" in error.value.message


def _raw_post(url: str, body: bytes, headers: dict[str, str] | None = None) -> tuple[int, dict]:
    parsed = urlparse(url)
    connection = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=30)
    connection.request("POST", "/v1/chat/completions", body=body, headers=headers or {})
    response = connection.getresponse()
    return response.status, json.loads(response.read())


def test_malformed_and_oversized_bodies_get_4xx_with_a_message_and_the_server_keeps_serving(
    servers: dict[str, str],
) -> None:
    url = servers["plain"]
    status, body = _raw_post(url, b'{"model": "x", "messages": [', {"Content-Type": "application/json"})
    assert status == 400 and "not valid JSON" in body["error"]["message"]
    status, body = _raw_post(url, json.dumps({"messages": "hi"}).encode())
    assert status == 400 and body["error"]["param"] == "messages"
    status, body = _raw_post(url, b"{" + b" " * 5000 + b"}")
    assert status == 413 and "4096 bytes" in body["error"]["message"]
    with pytest.raises(openai.BadRequestError):
        _ask(url, "hi", stream=True)
    assert [m.id for m in _client(url).models.list()] == [f"{RUN}/final_checkpoint"]


def test_execute_returns_the_tools_results(servers: dict[str, str]) -> None:
    rows = _rows()
    for kind in ("calculator", "python"):
        choice = _ask(servers["execute"], rows[kind].prompt).choices[0]
        assert choice.message.content == rows[kind].expected_answer, kind
        assert not choice.message.tool_calls


def test_a_tool_result_turn_is_answered_with_that_result(servers: dict[str, str]) -> None:
    messages = [
        {"role": "user", "content": "What is 17 * 23?"},
        {
            "role": "assistant",
            "tool_calls": [
                {
                    "id": "c1",
                    "type": "function",
                    "function": {"name": "calculator", "arguments": '{"expression": "17 * 23"}'},
                }
            ],
        },
        {"role": "tool", "tool_call_id": "c1", "content": "391"},
    ]
    response = _client(servers["plain"]).chat.completions.create(model="any", messages=messages)
    assert response.choices[0].message.content == "391"


# -- the mapping itself, on the replies the model is trained to give ------------------------------------------
@pytest.mark.parametrize("sample", validate_records(make_records(per_source=1)), ids=lambda s: s.id)
def test_every_trained_reply_maps_to_its_api_shape(sample: Sample) -> None:
    message, finish = reply_to_message(to_json(target_object(sample)))
    if sample.tool is None:
        assert (message["content"], finish) == (sample.expected_answer, "stop")
    else:
        (call,) = message["tool_calls"]
        assert finish == "tool_calls" and call["function"]["name"] == sample.tool
        assert json.loads(call["function"]["arguments"]) == sample.tool_args


def test_replies_that_are_not_one_of_the_shapes_or_call_a_tool_not_offered_come_back_as_text() -> None:
    for reply in ('{"final": 4}', "The answer is 4.", '{"tool": "search", "args": {"q": "x"}}'):
        assert reply_to_message(reply) == ({"role": "assistant", "content": reply}, "stop")
    call = '{"tool": "python", "args": {"code": "print(1)"}}'
    assert reply_to_message(call, frozenset({"calculator"}))[0]["content"] == call
    assert execute_message('{"tool": "calculator", "args": {"expression": "1/0"}}')["content"].startswith("error:")


def test_request_checks_name_the_field() -> None:
    def refused(body: object) -> RequestError:
        with pytest.raises(RequestError) as error:
            parse_request(body, 256, 1024)
        return error.value

    user = [{"role": "user", "content": "hi"}]
    assert refused([1]).status == 400
    assert refused({"messages": user, "n": 2}).param == "n"
    assert refused({"messages": user, "max_tokens": 10**6}).param == "max_tokens"
    assert refused({"messages": [{"role": "system", "content": "x"}]}).param == "messages"
    assert refused({"messages": user, "tools": [{"type": "function", "function": {"name": "x"}}]}).code == (
        "unknown_tool"
    )
    request = parse_request({"messages": user, "tools": [TOOL_SCHEMAS["python"]]}, 256, 1024)
    assert request.prompt == "hi" and request.offered_tools == {"python"} and request.max_tokens == 256


def test_a_constrained_model_replies_in_one_of_the_three_shapes_to_prompts_it_never_saw(
    trained_checkpoint_dir: Path,
) -> None:
    """``--constrained`` (serve and chat): every reply parses, and a reply that already did is unchanged."""
    from sft.reply_format import parse_reply, reply_json_schema
    from sft.serve import open_checkpoint

    model = asyncio.run(open_checkpoint("final_checkpoint", str(trained_checkpoint_dir), None, "cpu", True))
    try:
        assert model.sampling_client.json_schema == reply_json_schema()
        rows = list(_rows().values())
        unseen = ["Tell me a joke about penguins.", "Sort these names: Zoe, Adam, Mia", "How far away is the Moon?"]
        futures = [model.submit(prompt, 128, 0.0) for prompt in [r.prompt for r in rows] + unseen]
        replies = [future.result(timeout=600) for future in futures]
    finally:
        model.close()
    for row, (text, _, _, _) in zip(rows, replies):
        assert text == to_json(target_object(row))
    for prompt, (text, _, _, stopped) in zip(unseen, replies[len(rows) :]):
        assert stopped and parse_reply(text).correct_format, (prompt, text)


def test_constrained_replies_decode_again_only_the_replies_the_schema_rejects(trained_checkpoint_dir: Path) -> None:
    """What ``sft.evaluate`` reports as the constrained column: the free greedy replies the schema accepts are
    kept, the others decoded again under it, and the result is what a full constrained pass writes."""
    from sft.reply_format import parse_reply
    from sft.sampling import as_replies, constrained_client, constrained_replies, sample_tokens
    from sft.serve import open_checkpoint

    model = asyncio.run(open_checkpoint("final_checkpoint", str(trained_checkpoint_dir), None, "cpu"))
    try:
        client, renderer = model.sampling_client, model.renderer
        tokenizer = client.get_tokenizer()
        constrained = constrained_client(client)
        rows = list(_rows().values())
        unseen = ["Tell me a joke about penguins.", "Sort these names: Zoe, Adam, Mia", "How far away is the Moon?"]
        prompts = [r.prompt for r in rows] + unseen

        async def both() -> tuple[list[list[int]], list[int], list[list[int]], list[list[int]]]:
            free = await sample_tokens(client, tokenizer, prompts, 128, renderer)
            reused, redo = await constrained_replies(constrained, tokenizer, prompts, free, 128, renderer)
            full = await sample_tokens(constrained, tokenizer, prompts, 128, renderer)
            return free, redo, reused, full

        free, redo, reused, full = asyncio.run(both())
    finally:
        model.close()
    free_texts = [text for text, _ in as_replies(free, tokenizer, renderer)]
    assert free_texts[: len(rows)] == [to_json(target_object(r)) for r in rows]
    assert not set(redo) & set(range(len(rows))), "the memorised replies follow the schema: kept"
    malformed = {i for i, text in enumerate(free_texts) if not parse_reply(text).correct_format}
    assert malformed and malformed <= set(redo), (redo, free_texts)
    assert reused == full


def test_chat_decodes_under_the_schema_by_default_on_the_local_engine_and_freely_when_told(
    trained_checkpoint_dir: Path,
) -> None:
    """``python -m sft.chat`` (as ``sft.serve``, same options): a prompt whose free greedy reply does not parse gets
    a reply that does, unless ``--no_constrained``, which prints the model's own reply."""
    from sft.reply_format import parse_reply
    from sft.sampling import generate_completions
    from sft.serve import open_checkpoint, parse_args

    assert parse_args(["final_checkpoint"]).constrained is None  # on wherever the engine can constrain
    assert parse_args(["final_checkpoint", "--no_constrained"]).constrained is False
    unseen = ["Tell me a joke about penguins.", "Sort these names: Zoe, Adam, Mia", "How far away is the Moon?"]
    model = asyncio.run(open_checkpoint("final_checkpoint", str(trained_checkpoint_dir), None, "cpu", None))
    free = asyncio.run(open_checkpoint("final_checkpoint", str(trained_checkpoint_dir), None, "cpu", False))
    try:
        assert model.sampling_client.json_schema is not None and free.sampling_client.json_schema is None
        replies = asyncio.run(generate_completions(free.sampling_client, free.tokenizer, unseen, 128, free.renderer))
    finally:
        model.close()
        free.close()
    prompt, own = next((p, r) for p, r in zip(unseen, replies) if not parse_reply(r).correct_format)

    env = dict(os.environ, PYTHONPATH=str(REPO), HF_HUB_OFFLINE="1")
    env.pop("TINKER_API_KEY", None)
    command = [sys.executable, "-m", "sft.chat", "final_checkpoint", "--checkpoint_dir", str(trained_checkpoint_dir)]
    command += ["--device", "cpu", "--max_new_tokens", "128", "--json", "--prompt", prompt]
    by_default, told = (
        subprocess.run([*command, *extra], capture_output=True, text=True, env=env, timeout=600, check=True)
        for extra in ([], ["--no_constrained"])
    )
    assert parse_reply(json.loads(by_default.stdout.splitlines()[-1])["reply"]).correct_format, by_default.stdout
    assert json.loads(told.stdout.splitlines()[-1])["reply"] == own
