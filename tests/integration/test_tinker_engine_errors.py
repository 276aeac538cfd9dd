"""How the Tinker engine fails when the service is not there or does not answer.

These need no Tinker-API server (only the `tinker` SDK), so they also run in the development venv.
"""

from __future__ import annotations

import concurrent.futures
import logging
import socket
import time
from collections.abc import Iterator

import pytest
import tinker
from tinker import types
from tinker.lib.public_interfaces.api_future import AwaitableConcurrentFuture

from sft.engines.tinker_engine import (
    TinkerCheckpointPathError,
    TinkerFuture,
    TinkerServiceClient,
    TinkerTimeoutError,
    TinkerUnreachableError,
    create_tinker_service_client,
)

pytestmark = pytest.mark.tinker_it


@pytest.fixture
def closed_port() -> int:
    """A 127.0.0.1 port nothing listens on."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A 127.0.0.1 port that accepts connections (in the kernel's backlog) but never answers."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(8)
        yield sock.getsockname()[1]


def test_a_closed_port_is_reported_as_unreachable_at_once(closed_port: int) -> None:
    url = f"http://127.0.0.1:{closed_port}"
    start = time.monotonic()
    with pytest.raises(TinkerUnreachableError) as raised:
        create_tinker_service_client(api_key="tml-some-key", base_url=url, timeout_s=5.0, max_retries=0)
    assert time.monotonic() - start < 5.0
    assert f"Cannot reach the Tinker service at {url}" in str(raised.value)
    assert isinstance(raised.value, ConnectionError)


def test_a_silent_server_is_reported_within_the_timeout(silent_port: int) -> None:
    url = f"http://127.0.0.1:{silent_port}"
    start = time.monotonic()
    with pytest.raises(TinkerUnreachableError, match="no answer within 2 s"):
        create_tinker_service_client(api_key="tml-some-key", base_url=url, timeout_s=2.0, max_retries=0)
    assert time.monotonic() - start < 2.0 + 3.0  # the limit plus scheduling slack on a busy 2-core machine


def never_answering() -> tinker.APIFuture[str]:
    """An SDK future for a request that never completes."""
    return AwaitableConcurrentFuture(concurrent.futures.Future())


def test_a_request_without_answer_fails_naming_the_operation() -> None:
    future: TinkerFuture[str] = TinkerFuture(never_answering, operation="optim_step", where="http://x", timeout_s=0.2)
    with pytest.raises(TinkerTimeoutError, match=r"did not answer optim_step within 0\.2 s \(1 attempt"):
        future.result()


def test_a_request_safe_to_repeat_is_sent_again_before_giving_up() -> None:
    submitted: list[tinker.APIFuture[str]] = []

    def submit() -> tinker.APIFuture[str]:
        submitted.append(never_answering())
        return submitted[-1]

    future: TinkerFuture[str] = TinkerFuture(submit, operation="sample", where="http://x", timeout_s=0.1, retries=2)
    with pytest.raises(TinkerTimeoutError, match=r"3 attempt"):
        future.result()
    assert len(submitted) == 3
    assert all(f.future().cancelled() for f in submitted[:2])  # stuck attempts are abandoned, not left running


def test_a_retry_that_answers_gives_its_result() -> None:
    answers = iter([never_answering(), AwaitableConcurrentFuture(_done("tokens"))])
    future: TinkerFuture[str] = TinkerFuture(
        lambda: next(answers), operation="sample", where="http://x", timeout_s=0.1, retries=1
    )
    assert future.result() == "tokens"


def _done(value: str) -> concurrent.futures.Future[str]:
    done: concurrent.futures.Future[str] = concurrent.futures.Future()
    done.set_result(value)
    return done


def test_checkpoint_paths_of_the_wrong_kind_are_refused_without_a_request(closed_port: int) -> None:
    # The SDK's ServiceClient connects lazily, so against a closed port any request would fail differently.
    url = f"http://127.0.0.1:{closed_port}"
    service = TinkerServiceClient(
        tinker.ServiceClient(base_url=url, api_key="tml-some-key"),
        base_url=url,
        supported_models=[types.SupportedModel(model_name="m")],
        timeout_s=1.0,
        max_retries=0,
    )
    with pytest.raises(TinkerCheckpointPathError, match="save_weights_for_sampler"):
        service.create_sampling_client(model_path="tinker://run-1/weights/final_checkpoint")
    with pytest.raises(TinkerCheckpointPathError, match="made by save_state"):
        service.create_training_client_from_state_with_optimizer("tinker://run-1/sampler_weights/final_checkpoint")
    with pytest.raises(TinkerCheckpointPathError):
        service.create_training_client_from_state("checkpoints/run/weights/final_checkpoint")


def test_models_offered_only_for_sampling_are_refused_for_training(closed_port: int) -> None:
    url = f"http://127.0.0.1:{closed_port}"
    service = TinkerServiceClient(
        tinker.ServiceClient(base_url=url, api_key="tml-some-key"),
        base_url=url,
        supported_models=[
            types.SupportedModel(model_name="org/sample-only", trainable=False, sampleable=True),
            types.SupportedModel(model_name="org/both", trainable=True, sampleable=True),
        ],
        timeout_s=1.0,
        max_retries=0,
    )
    with pytest.raises(ValueError, match=r"not for training.*offered for training and sampling: org/both"):
        service.create_lora_training_client("org/sample-only")


def test_a_queued_training_request_waits_past_the_quick_limit_and_says_so(caplog: pytest.LogCaptureFixture) -> None:
    """A training request has no quick time limit: while the service answers, it waits and says "queued"."""
    import http.server
    import threading

    class Health(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Health)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    answer: concurrent.futures.Future[str] = concurrent.futures.Future()
    threading.Timer(2.0, answer.set_result, ("done",)).start()
    try:
        future: TinkerFuture[str] = TinkerFuture(
            lambda: AwaitableConcurrentFuture(answer),
            operation="forward_backward",
            where=f"http://127.0.0.1:{server.server_address[1]}",
            timeout_s=None,
            notice_interval_s=0.4,
            unreachable_limit_s=0.5,
        )
        with caplog.at_level(logging.WARNING, logger="sft.engines.tinker_engine"):
            assert future.result() == "done"
    finally:
        server.shutdown()
    notices = [r.getMessage() for r in caplog.records if "forward_backward: queued for" in r.getMessage()]
    assert len(notices) >= 3 and all("Waiting is not failing" in n for n in notices), notices


def test_a_training_request_gives_up_when_the_service_is_gone(closed_port: int) -> None:
    """Queued is not failing, but a service that stopped answering is: the SDK alone would retry forever."""
    future: TinkerFuture[str] = TinkerFuture(
        never_answering,
        operation="forward_backward",
        where=f"http://127.0.0.1:{closed_port}",
        timeout_s=None,
        notice_interval_s=0.2,
        unreachable_limit_s=0.5,
    )
    start = time.monotonic()
    with pytest.raises(TinkerUnreachableError, match="has not answered for"):
        future.result()
    assert time.monotonic() - start < 5
