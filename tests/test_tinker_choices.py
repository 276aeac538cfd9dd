"""What a Tinker run decides before it sends a request: backend from saved credentials, which model (the retired
default and its replacement), learning rate, checkpoint TTLs. Real SDK objects, no service needed."""

from __future__ import annotations

import math
import shlex
import socket
from pathlib import Path

import pytest
import tinker
from tinker import types

from sft.config import (
    BASE_MODEL,
    REPLACEMENT_MODEL,
    ConfigError,
    TrainConfig,
    dotenv_file,
    tinker_api_key,
    tinker_credentials_source,
    tinker_learning_rate,
)
from sft.engines.tinker_engine import TinkerServiceClient
from sft.train import ModelNotOfferedError, command_line, parse_args, resolve_tinker_model


@pytest.fixture
def no_credentials(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No key in the environment, no .env here, an empty home: the state of a machine without Tinker."""
    for name in ("TINKER_API_KEY", "TINKER_CREDENTIAL_CMD"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("sft.config.REPO_ROOT", tmp_path)  # the repository's own .env must not count here
    return tmp_path / "home"


def test_auto_backend_is_local_without_credentials(no_credentials: Path) -> None:
    assert tinker_credentials_source() is None
    assert TrainConfig().resolved_backend() == "local"


def test_auto_backend_honours_the_key_saved_by_tinker_login(no_credentials: Path) -> None:
    from tinker.lib.credentials import JsonCredentialStore, ManualKey

    store = JsonCredentialStore(no_credentials / ".tinker" / "credentials.json")
    store.add_key("k", ManualKey(key="tml-saved-by-login", name="laptop"))
    assert TrainConfig().resolved_backend() == "local"  # stored but not the default yet
    store.set_default("k")
    assert tinker_credentials_source() == "tinker auth login"
    assert TrainConfig().resolved_backend() == "tinker"
    assert TrainConfig(backend="local").resolved_backend() == "local"


def test_auto_backend_honours_a_credential_command(no_credentials: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TINKER_CREDENTIAL_CMD", "echo tml-from-a-command")
    assert TrainConfig().resolved_backend() == "tinker"


def test_a_key_in_dotenv_selects_tinker_and_the_file_is_read_once(no_credentials: Path) -> None:
    env_file = Path.cwd() / ".env"
    env_file.write_text("TINKER_API_KEY=tml-from-dotenv\n", encoding="utf-8")
    reads = dotenv_file.cache_info().misses
    for _ in range(5):
        assert TrainConfig().validate().resolved_backend() == "tinker"
        assert tinker_api_key() == "tml-from-dotenv"
    assert dotenv_file.cache_info().misses == reads + 1


def test_the_learning_rate_follows_the_model_and_the_square_root_of_the_batch() -> None:
    assert tinker_learning_rate(REPLACEMENT_MODEL, 128) == pytest.approx(3e-4)
    assert tinker_learning_rate(REPLACEMENT_MODEL, 8) == pytest.approx(3e-4 / 4)
    assert tinker_learning_rate(BASE_MODEL, 32) == pytest.approx(1e-3 / 2)
    assert tinker_learning_rate("org/unknown", 8) == pytest.approx(5e-4 * math.sqrt(8 / 128))
    cfg = TrainConfig(backend="tinker", batch_size=8)
    assert cfg.resolved_learning_rate(REPLACEMENT_MODEL) == pytest.approx(7.5e-5)
    assert TrainConfig(backend="tinker", learning_rate=1e-4).resolved_learning_rate(REPLACEMENT_MODEL) == 1e-4


def test_periodic_checkpoints_get_a_ttl_and_the_final_one_none() -> None:
    cfg = TrainConfig()
    assert cfg.ttl_for("checkpoint_step_100") == 7 * 24 * 3600 and cfg.ttl_for("final_checkpoint") is None
    cfg = TrainConfig(checkpoint_ttl_s=0, final_checkpoint_ttl_s=30 * 24 * 3600)
    assert cfg.ttl_for("checkpoint_step_100") is None and cfg.ttl_for("final_checkpoint") == 30 * 24 * 3600
    with pytest.raises(ConfigError, match="checkpoint_ttl_s: Tinker keeps checkpoints between 3600 s"):
        TrainConfig(checkpoint_ttl_s=60).validate()


def service(*names: str) -> TinkerServiceClient:
    """A service client that knows what the service offers (its SDK client never connects: nothing listens)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    return TinkerServiceClient(
        tinker.ServiceClient(base_url=url, api_key="tml-none"),
        base_url=url,
        supported_models=[types.SupportedModel(model_name=n, trainable=True, sampleable=True) for n in names],
        timeout_s=1.0,
    )


def test_the_retired_default_is_replaced_with_a_notice_only_when_the_user_named_no_model() -> None:
    offered = service(REPLACEMENT_MODEL, "meta-llama/Llama-3.1-8B")
    model, notice = resolve_tinker_model(parse_args([]), offered)
    assert model == REPLACEMENT_MODEL and notice and "no longer offers the default model" in notice
    assert resolve_tinker_model(parse_args(["--base_model", REPLACEMENT_MODEL]), offered) == (REPLACEMENT_MODEL, None)
    with pytest.raises(ModelNotOfferedError) as raised:
        resolve_tinker_model(parse_args(["--base_model", BASE_MODEL, "--num_steps", "50"]), offered)
    assert f"Run: python -m sft.train --num_steps 50 --base_model {REPLACEMENT_MODEL}" in str(raised.value)


def test_with_replacement_off_the_run_stops_with_the_list_and_the_exact_command() -> None:
    offered = service(REPLACEMENT_MODEL, "Qwen/Qwen3-8B")
    cfg = parse_args(["--replace_retired_model", "false", "--batch_size=16"])
    with pytest.raises(ModelNotOfferedError) as raised:
        resolve_tinker_model(cfg, offered)
    message = str(raised.value)
    assert f"does not offer the base model '{BASE_MODEL}'" in message
    assert f"Models offered for training and sampling: Qwen/Qwen3-8B, {REPLACEMENT_MODEL}." in message
    command = message.split("Run: ", 1)[1]
    assert shlex.split(command) == [
        "python", "-m", "sft.train", "--replace_retired_model", "false", "--batch_size=16",
        "--base_model", REPLACEMENT_MODEL,
    ]  # fmt: skip


def test_the_default_model_is_kept_while_it_is_offered() -> None:
    assert resolve_tinker_model(parse_args([]), service(BASE_MODEL, REPLACEMENT_MODEL)) == (BASE_MODEL, None)


def test_resume_commands_keep_the_users_options_and_replace_the_run() -> None:
    cfg = parse_args(["--num_steps", "50", "--run_name", "old", "--resume_from=checkpoint_step_10", "--seed", "2"])
    command = command_line(cfg, drop=["run_name", "resume_from"], add=["--run_name", "r", "--resume_from", "c"])
    assert command == "python -m sft.train --num_steps 50 --seed 2 --run_name r --resume_from c"
