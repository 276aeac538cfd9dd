"""Tinker as it is today, through the user's commands: the seed's model is retired, the service queues requests,
its loss is a sum, and credentials may come from `tinker auth login`.

Two real Tinker-API servers: the session's (a tiny model under its directory name, conftest.py) and, for this
module, one that offers only a Qwen3.5 stand-in under the name ``Qwen/Qwen3.5-4B``: a tiny model whose tokenizer
carries a Qwen3.5-style chat template, loadable offline under that name from a hub cache (as the SDK loads it).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import make_records
from tests.integration.conftest import API_KEY, load_launcher, server_environment_problem
from tests.integration.helpers import cli_env, explain, metrics, run_cli, train_losses

pytestmark = pytest.mark.tinker_it

QUICK = ["--batch_size", "4", "--lora_rank", "8", "--log_interval", "1", "--max_new_tokens", "8"]


@dataclass
class Place:
    """Where a user's runs write."""

    root: Path
    data: Path

    def paths(self) -> list[str]:
        return [
            "--data_path",
            str(self.data),
            "--checkpoint_dir",
            str(self.root / "checkpoints"),
            "--log_dir",
            str(self.root / "logs"),
        ]


@pytest.fixture(scope="module")
def place(tmp_path_factory: pytest.TempPathFactory) -> Place:
    root = tmp_path_factory.mktemp("today")
    data = root / "data.json"
    data.write_text(json.dumps(make_records()), encoding="utf-8")
    return Place(root, data)


@dataclass
class Qwen35Server:
    server: Any
    hub_cache: Path
    model_dir: Path


@pytest.fixture(scope="module")
def qwen35(tmp_path_factory: pytest.TempPathFactory, tinker_server: Any) -> Iterator[Qwen35Server]:
    """A second server offering only the Qwen3.5 stand-in, as ``Qwen/Qwen3.5-4B``."""
    assert server_environment_problem() is None  # tinker_server already checked (and skips or fails otherwise)
    launcher = load_launcher()
    root = tmp_path_factory.mktemp("qwen35")
    model_dir, hub_cache = launcher.make_qwen3_5_stand_in(root)
    server = launcher.SkyRLServer(model_dir, root / "server", model_name=launcher.QWEN3_5_NAME)
    server.start()
    try:
        yield Qwen35Server(server, hub_cache, model_dir)
    finally:
        server.stop()


def qwen35_tokenizer(qwen35: Qwen35Server) -> Any:
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(qwen35.model_dir)


def test_the_default_command_trains_and_evaluates_the_replacement_with_its_own_prompt(
    place: Place, qwen35: Qwen35Server
) -> None:
    """The service offers only Qwen/Qwen3.5-4B: the default command switches to it, loudly, records that in the
    run's config, trains on the Qwen3.5 non-thinking prompt (the template's tokens, empty think block at weight 0),
    and evaluates with the same prompt."""
    env = cli_env(HF_HUB_CACHE=str(qwen35.hub_cache))
    run = "qwen35-default"
    args = ["--backend", "tinker", "--base_url", qwen35.server.base_url, "--num_steps", "3", "--run_name", run]
    args += [*QUICK, "--checkpoint_interval", "100", "--validation_interval", "3", "--validation_samples", "2"]
    result = run_cli("sft.train", [*args, *place.paths()], place.root, env=env)
    assert result.returncode == 0, explain(result)
    assert "NOTICE: Tinker at" in result.stderr and "no longer offers the default model" in result.stderr

    config = json.loads((place.root / "logs" / run / "config.json").read_text(encoding="utf-8"))
    resolved = config["resolved"]
    assert resolved["base_model"] == "Qwen/Qwen3.5-4B" and resolved["requested_base_model"] == (
        "Qwen/Qwen3-4B-Instruct-2507"
    )
    assert "no longer offers the default model" in resolved["base_model_notice"]
    assert (
        resolved["renderer"] == "qwen3_5"
        and "same tokens as the tokenizer's chat template" in (resolved["renderer_check"])
    )
    registry = json.loads((place.root / "checkpoints" / run / "checkpoints.json").read_text(encoding="utf-8"))
    assert registry["base_model"] == "Qwen/Qwen3.5-4B"

    # The tokens trained on are the model's own chat template, non-thinking, tokenized as a sampler sees them.
    tokenizer = qwen35_tokenizer(qwen35)
    example = json.loads((place.root / "logs" / run / "prompt_example.json").read_text(encoding="utf-8"))
    from sft.prompt_builder import SYSTEM_PROMPT

    messages = [{"role": "system", "content": SYSTEM_PROMPT}, {"role": "user", "content": example["prompt"]}]
    prompt = tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True, enable_thinking=False)
    assert prompt.endswith("<|im_start|>assistant\n<think>\n\n</think>\n\n")
    reply = json.loads(example["target_text"].removesuffix("<|im_end|>"))
    full = tokenizer.apply_chat_template(
        [*messages, {"role": "assistant", "content": json.dumps(reply, ensure_ascii=False)}], tokenize=False
    )
    prompt_tokens = tokenizer.encode(prompt, add_special_tokens=False)
    reply_tokens = tokenizer.encode(full[len(prompt) :].removesuffix("\n"), add_special_tokens=False)
    assert example["tokens"] == prompt_tokens + reply_tokens
    assert example["weights"] == [0.0] * len(prompt_tokens) + [1.0] * len(reply_tokens)

    output = place.root / "eval-qwen35.json"
    args = ["final_checkpoint", "--num_samples", "2", "--run", run, "--checkpoint_dir", str(place.root / "checkpoints")]
    evaluation = run_cli("sft.evaluate", [*args, "--output", str(output), "--no_execute"], place.root, env=env)
    assert evaluation.returncode == 0, explain(evaluation)
    report = json.loads(output.read_text(encoding="utf-8"))
    assert report["base_model"] == "Qwen/Qwen3.5-4B" and report["renderer"] == "qwen3_5"
    prompts = {r["id"]: r["prompt"] for r in json.loads(place.data.read_text(encoding="utf-8"))}
    first = prompts[report["predictions"][0]["id"]]
    expected_first = tokenizer.apply_chat_template(
        [{"role": "system", "content": SYSTEM_PROMPT}, {"role": "user", "content": first}],
        tokenize=False,
        add_generation_prompt=True,
        enable_thinking=False,
    )
    assert report["first_prompt_tokens"] == tokenizer.encode(expected_first, add_special_tokens=False)


def test_with_replacement_off_the_default_command_stops_with_the_list_and_the_command(
    place: Place, qwen35: Qwen35Server
) -> None:
    args = ["--backend", "tinker", "--base_url", qwen35.server.base_url, "--num_steps", "1", "--run_name", "no-switch"]
    args += ["--replace_retired_model", "false", *place.paths()]
    result = run_cli("sft.train", args, place.root, env=cli_env(HF_HUB_CACHE=str(qwen35.hub_cache)))
    assert result.returncode == 2, explain(result)
    assert "Models offered for training and sampling: Qwen/Qwen3.5-4B." in result.stderr
    assert "Run: python -m sft.train --backend tinker" in result.stderr
    assert result.stderr.rstrip().endswith("--base_model Qwen/Qwen3.5-4B"), explain(result)


def test_a_request_queued_longer_than_the_old_time_limit_completes_with_queued_notices(
    place: Place, tinker_server: Any
) -> None:
    """The old engine gave every request --remote_timeout_s (600 s); here that limit is 5 s and a forward_backward
    waits 20 s in the service's queue. It completes, once, and the wait is reported as queued every few seconds."""
    run = "queued"
    tinker_server.hold(["forward_backward"], hold_s=20, skip=1, count=1, reason="tinker_it: busy")
    try:
        args = [
            "--backend",
            "tinker",
            "--base_url",
            tinker_server.base_url,
            "--base_model",
            str(tinker_server.model_dir),
        ]
        args += [*QUICK, "--num_steps", "3", "--validation_samples", "0", "--run_name", run]
        args += ["--remote_timeout_s", "5", "--queue_notice_interval_s", "3", "--checkpoint_interval", "100"]
        result = run_cli("sft.train", [*args, *place.paths()], place.root)
    finally:
        tinker_server.release()
    assert result.returncode == 0, explain(result)
    notices = [line for line in result.stderr.splitlines() if "Tinker forward_backward: queued for" in line]
    assert len(notices) >= 3, explain(result)
    assert any("the service reports it queued: paused_capacity, tinker_it: busy" in n for n in notices)
    assert all("Waiting is not failing" in n for n in notices)
    assert "sending it again" not in result.stderr  # training requests are never resent
    assert sorted(train_losses(metrics(place.root / "logs", run))) == [1, 2, 3]


def test_gradients_have_tinkers_sum_scale_so_clipping_at_1_fires_on_every_step(
    place: Place, tinker_server: Any
) -> None:
    """The server's gradient is the gradient of the summed loss, as on Tinker: at batch 4 its norm is far above 1,
    so --grad_clip_norm 1 clips every step, and the run logs that."""
    run = "sum-scale"
    args = ["--backend", "tinker", "--base_url", tinker_server.base_url, "--base_model", str(tinker_server.model_dir)]
    args += [*QUICK, "--num_steps", "4", "--validation_samples", "0", "--run_name", run, "--grad_clip_norm", "1"]
    args += [
        "--learning_rate",
        "3e-2",
        "--lr_schedule",
        "constant",
        "--warmup_steps",
        "0",
        "--checkpoint_interval",
        "100",
    ]
    result = run_cli("sft.train", [*args, *place.paths()], place.root)
    assert result.returncode == 0, explain(result)
    rows = [m for m in metrics(place.root / "logs", run) if "train/loss" in m]
    assert all(m["optim/grad_norm"] > 10 for m in rows), rows
    assert all(m["optim/clipped_fraction"] == 1.0 for m in rows), rows
    assert rows[-1]["train/loss"] < rows[0]["train/loss"]


def test_auto_backend_uses_the_key_saved_by_tinker_login(place: Place, tinker_server: Any, tmp_path: Path) -> None:
    """No TINKER_API_KEY anywhere, only the default key `tinker auth login` stores: --backend auto picks Tinker and
    the SDK authenticates with that key."""
    from tinker.lib.credentials import JsonCredentialStore, ManualKey

    home = tmp_path / "home"
    store = JsonCredentialStore(home / ".tinker" / "credentials.json")  # where the SDK looks: ~/.tinker
    store.add_key("k1", ManualKey(key=API_KEY, name="integration"))
    store.set_default("k1")
    run = "stored-key"
    args = ["--base_url", tinker_server.base_url, "--base_model", str(tinker_server.model_dir), "--run_name", run]
    args += [*QUICK, "--num_steps", "1", "--validation_samples", "0"]
    result = run_cli("sft.train", [*args, *place.paths()], place.root, env=cli_env(HOME=str(home), TINKER_API_KEY=None))
    assert result.returncode == 0, explain(result)
    registry = json.loads((place.root / "checkpoints" / run / "checkpoints.json").read_text(encoding="utf-8"))
    assert registry["backend"] == "tinker"
    assert registry["checkpoints"]["final_checkpoint"]["sampler_path"].startswith("tinker://")
