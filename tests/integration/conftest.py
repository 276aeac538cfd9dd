"""The Tinker-API integration suite: the project's Tinker engine, driven by the official `tinker` SDK,
against a real Tinker-API server (SkyRL, JAX on CPU) started once per test session on 127.0.0.1.

Run it with ``bash scripts/tinker_it/run.sh``, which prepares the server's venv first. Elsewhere, tests
that need the server are skipped with a message that says so, or fail when ``TINKER_IT_REQUIRED`` is
set (run.sh sets it, so CI never passes without having run them).
"""

from __future__ import annotations

import importlib.util
import os
import sys
from collections.abc import Generator, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
LAUNCHER_PATH = REPO_ROOT / "scripts" / "tinker_it" / "skyrl_server.py"
PATCH_MARK = "[tinker_it patch]"
REQUIRED_ENV = "TINKER_IT_REQUIRED"
# SkyRL does not check keys, but the SDK refuses to start without one.
API_KEY = "tml-integration-test"
# Generous per-request limit: the first request of each new shape compiles on a 2-core CPU.
REQUEST_TIMEOUT_S = 300.0


def server_environment_problem() -> str | None:
    """Why this interpreter cannot run the SkyRL server, or None when it can."""
    spec = importlib.util.find_spec("skyrl")
    if spec is None or not spec.submodule_search_locations:
        return f"skyrl is not installed for {sys.executable}"
    api = Path(next(iter(spec.submodule_search_locations))) / "tinker" / "api.py"
    if PATCH_MARK not in api.read_text(encoding="utf-8"):
        return f"skyrl at {api.parent.parent} is not patched (scripts/tinker_it/patch_skyrl.py)"
    return None


def load_launcher() -> ModuleType:
    """scripts/tinker_it/skyrl_server.py as a module (scripts/ is not a package)."""
    spec = importlib.util.spec_from_file_location("tinker_it_skyrl_server", LAUNCHER_PATH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclass/typing machinery looks the module up by name
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def tinker_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """One SkyRL Tinker-API server for the whole session, with a tiny random Llama as its base model.

    Fresh database and checkpoints per session: SkyRL keeps the LoRA slots of finished clients until
    their session times out.
    """
    problem = server_environment_problem()
    if problem is not None:
        message = f"the Tinker-API integration suite needs its own venv: {problem}. Run: bash scripts/tinker_it/run.sh"
        if os.environ.get(REQUIRED_ENV):
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    launcher = load_launcher()
    launcher.stop_on_sigterm()  # a terminated pytest still stops the server (teardown runs on interrupt)
    root = tmp_path_factory.mktemp("tinker_it")
    model_dir = launcher.make_tiny_model(root / "models" / "tiny-llama")
    server = launcher.SkyRLServer(model_dir, root / "server")
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def base_model(tinker_server: Any) -> str:
    """The server's base model name: the tiny model's directory."""
    return str(tinker_server.model_dir)


@pytest.fixture(scope="session")
def tinker_service(tinker_server: Any) -> Any:
    """The project's Tinker service client, connected to the session's server."""
    from sft.engines.tinker_engine import create_tinker_service_client

    return create_tinker_service_client(api_key=API_KEY, base_url=tinker_server.base_url, timeout_s=REQUEST_TIMEOUT_S)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, None]:
    """Attach the end of the server log to a failed test that used the server."""
    outcome = yield
    report = outcome.get_result()
    server = getattr(item, "funcargs", {}).get("tinker_server")
    if report.failed and server is not None:
        report.sections.append(("SkyRL server log (last lines)", server.log_tail(60)))
