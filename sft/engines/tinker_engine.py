"""The Tinker engine: Thinking Machines' Tinker service through the official `tinker` SDK (0.38).

The SDK's clients already have the surface ``sft.train`` and ``sft.evaluate`` are written against, so
this module stays thin. It adds only what a long unattended run needs on top of the SDK:

- every future it returns waits at most ``timeout_s`` by default (``fut.result()`` and ``await fut``),
  and fails with a message that names the operation and the server instead of hanging (sampling hangs
  have been reported on Tinker);
- requests that are safe to repeat (sampling, creating a sampling client) are sent again, up to
  ``max_retries`` times, when an answer does not come in time; training requests are never repeated,
  since a repeated ``forward_backward`` would add its gradients twice;
- a start-up check that the service is reachable and offers the base model for training and sampling,
  which stops with the list of what is offered (Tinker retires models);
- resume and sampling paths are checked for their kind (``weights/`` vs ``sampler_weights/``) before a
  request is sent, so a mix-up fails with a clear message.

Everything returned is an SDK object or a thin wrapper whose ``.sdk`` attribute is the SDK object.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import os
import threading
from collections.abc import Callable, Generator, Mapping, Sequence
from typing import Any, Generic, TypeVar

import httpx
import tinker
from tinker import types

from sft.engines.errors import EngineError

logger = logging.getLogger(__name__)

T = TypeVar("T")
R = TypeVar("R")

# Tinker's default model for this project, and what the Tinker cookbook moved to when it was retired.
DEFAULT_TINKER_MODEL = "Qwen/Qwen3-4B-Instruct-2507"
RETIRED_MODEL_REPLACEMENTS = {DEFAULT_TINKER_MODEL: "Qwen/Qwen3.5-4B"}
# The reachability probe needs no more than this even when requests may take minutes.
MAX_CONNECT_TIMEOUT_S = 30.0
HEALTH_PATH = "/api/v1/healthz"


class TinkerEngineError(EngineError):
    """A Tinker request cannot be served; the message says what to do."""


class TinkerUnreachableError(TinkerEngineError, ConnectionError):
    """The Tinker service does not answer at the configured URL."""


class TinkerTimeoutError(TinkerEngineError, TimeoutError):
    """A Tinker request got no answer within its time limit, retries included."""


class TinkerModelUnavailableError(TinkerEngineError, ValueError):
    """The requested base model is not offered for training and sampling by the service."""


class TinkerCheckpointPathError(TinkerEngineError, ValueError):
    """A checkpoint path of the wrong kind was given (e.g. a sampler path to resume from)."""


class TinkerFuture(Generic[T]):
    """A Tinker request in flight, with a default time limit and optional resubmission.

    The request is submitted when the future is created, so callers can submit a step's
    ``forward_backward`` and ``optim_step`` before waiting on either, as Tinker wants. Wait with
    ``fut.result(timeout)`` or ``await fut``.

    Args:
        submit: Sends the request and returns the SDK's future for it. Called again for a retry.
        operation: What the request does, for error messages (e.g. ``"forward_backward"``).
        where: The server URL, for error messages.
        timeout_s: Default time to wait for one attempt.
        retries: How many times to send the request again when an attempt times out; only for
            requests that are safe to repeat.
        convert: Applied to the SDK's result (e.g. to wrap a client).
    """

    def __init__(
        self,
        submit: Callable[[], tinker.APIFuture[Any]],
        *,
        operation: str,
        where: str,
        timeout_s: float,
        retries: int = 0,
        convert: Callable[[Any], T] | None = None,
    ) -> None:
        self._submit = submit
        self._operation = operation
        self._where = where
        self._timeout_s = timeout_s
        self._retries_left = retries
        self._attempts = 1
        self._convert = convert
        self._future = _sdk_call(submit, operation, where).future()
        self._lock = threading.Lock()

    def done(self) -> bool:
        """Whether the current attempt has finished (successfully or not)."""
        return self._future.done()

    def result(self, timeout: float | None = None) -> T:
        """Wait for the result.

        Args:
            timeout: Seconds to wait for each attempt; ``None`` means the engine's ``timeout_s``.

        Raises:
            TinkerTimeoutError: No answer in time and no retries left.
            TinkerEngineError: The service rejected or failed the request.
        """
        limit = self._timeout_s if timeout is None else timeout
        while True:
            future = self._future
            try:
                value = future.result(limit)
            except concurrent.futures.TimeoutError:
                self._after_timeout(future, limit)
                continue
            except tinker.TinkerError as exc:
                raise _translate(exc, self._operation, self._where) from exc
            return self._convert(value) if self._convert else value

    async def result_async(self, timeout: float | None = None) -> T:
        """``result`` for async code: awaits without blocking the event loop."""
        limit = self._timeout_s if timeout is None else timeout
        while True:
            future = self._future
            try:
                # shield: a timeout here must not cancel the request behind our back; _after_timeout
                # decides whether to cancel it.
                value = await asyncio.wait_for(asyncio.shield(asyncio.wrap_future(future)), limit)
            except TimeoutError:
                self._after_timeout(future, limit)
                continue
            except tinker.TinkerError as exc:
                raise _translate(exc, self._operation, self._where) from exc
            return self._convert(value) if self._convert else value

    def __await__(self) -> Generator[Any, None, T]:
        return self.result_async().__await__()

    def _after_timeout(self, timed_out: concurrent.futures.Future[Any], limit: float) -> None:
        """Resubmit after a timed-out attempt when retries are left, else raise."""
        with self._lock:
            if self._future is not timed_out:  # another waiter already resubmitted
                return
            if self._retries_left <= 0:
                raise TinkerTimeoutError(
                    f"Tinker did not answer {self._operation} within {limit:g} s "
                    f"({self._attempts} attempt(s), server {self._where}). The service may be overloaded "
                    "or the request stuck; raise --remote_timeout_s or try again later."
                )
            timed_out.cancel()
            self._retries_left -= 1
            self._attempts += 1
            logger.warning(
                "Tinker did not answer %s within %g s; sending it again (attempt %d)",
                self._operation,
                limit,
                self._attempts,
            )
            self._future = _sdk_call(self._submit, self._operation, self._where).future()


class TinkerSamplingClient:
    """Tinker's ``SamplingClient`` with time limits and resubmission of stuck samples.

    Attributes:
        sdk: The SDK's ``SamplingClient``.
    """

    def __init__(self, sdk: tinker.SamplingClient, *, where: str, timeout_s: float, max_retries: int) -> None:
        self.sdk = sdk
        self._where = where
        self._timeout_s = timeout_s
        self._max_retries = max_retries

    def sample(
        self, prompt: types.ModelInput, num_samples: int, sampling_params: types.SamplingParams
    ) -> TinkerFuture[types.SampleResponse]:
        """Sample ``num_samples`` completions of ``prompt``.

        Raises:
            ValueError: ``sampling_params.max_tokens`` is not set; an unbounded sample may never end.
        """
        if sampling_params.max_tokens is None:
            raise ValueError("sampling_params.max_tokens must be set: an unbounded sample may never finish")
        return TinkerFuture(
            lambda: self.sdk.sample(prompt, num_samples, sampling_params),
            operation="sample",
            where=self._where,
            timeout_s=self._timeout_s,
            retries=self._max_retries,  # sampling has no side effects, so a stuck one can be sent again
        )

    def get_tokenizer(self) -> Any:
        """The base model's tokenizer (a Hugging Face tokenizer)."""
        return _load_tokenizer(self.sdk.get_tokenizer, self.get_base_model())

    def get_base_model(self) -> str:
        """The base model's name."""
        return self.sdk.get_base_model()


class TinkerTrainingClient:
    """Tinker's ``TrainingClient`` with time limits on every request.

    Attributes:
        sdk: The SDK's ``TrainingClient``.
    """

    def __init__(self, sdk: tinker.TrainingClient, *, where: str, timeout_s: float, max_retries: int) -> None:
        self.sdk = sdk
        self._where = where
        self._timeout_s = timeout_s
        self._max_retries = max_retries

    def _future(self, submit: Callable[[], tinker.APIFuture[Any]], operation: str) -> TinkerFuture[Any]:
        # Training requests change the model's state: never resubmitted.
        return TinkerFuture(submit, operation=operation, where=self._where, timeout_s=self._timeout_s)

    def forward_backward(
        self,
        data: Sequence[types.Datum],
        loss_fn: types.LossFnType = "cross_entropy",
        loss_fn_config: Mapping[str, float | str] | None = None,
    ) -> TinkerFuture[types.ForwardBackwardOutput]:
        """Compute the loss of ``data`` and accumulate its gradients until the next ``optim_step``."""
        batch = list(data)
        return self._future(lambda: self.sdk.forward_backward(batch, loss_fn, loss_fn_config), "forward_backward")

    def forward(
        self,
        data: Sequence[types.Datum],
        loss_fn: types.LossFnType = "cross_entropy",
        loss_fn_config: Mapping[str, float | str] | None = None,
    ) -> TinkerFuture[types.ForwardBackwardOutput]:
        """Compute the loss of ``data`` without gradients."""
        batch = list(data)
        return self._future(lambda: self.sdk.forward(batch, loss_fn, loss_fn_config), "forward")

    def optim_step(self, adam_params: types.AdamParams) -> TinkerFuture[types.OptimStepResponse]:
        """Apply the accumulated gradients with Adam."""
        return self._future(lambda: self.sdk.optim_step(adam_params), "optim_step")

    def save_state(self, name: str) -> TinkerFuture[types.SaveWeightsResponse]:
        """Save weights and optimizer state for resuming; ``.path`` is ``tinker://<run>/weights/<name>``."""
        return self._future(lambda: self.sdk.save_state(name), f"save_state({name!r})")

    def save_weights_for_sampler(self, name: str) -> TinkerFuture[types.SaveWeightsForSamplerResponse]:
        """Save weights for sampling; ``.path`` is ``tinker://<run>/sampler_weights/<name>``."""
        return self._future(lambda: self.sdk.save_weights_for_sampler(name), f"save_weights_for_sampler({name!r})")

    def save_weights_and_get_sampling_client(self) -> TinkerFuture[TinkerSamplingClient]:
        """A sampling client over the current weights (nothing is persisted)."""
        return TinkerFuture(
            self.sdk.save_weights_and_get_sampling_client,
            operation="save_weights_and_get_sampling_client",
            where=self._where,
            timeout_s=self._timeout_s,
            convert=self._wrap_sampler,
        )

    def _wrap_sampler(self, sdk: tinker.SamplingClient) -> TinkerSamplingClient:
        return TinkerSamplingClient(sdk, where=self._where, timeout_s=self._timeout_s, max_retries=self._max_retries)

    def get_tokenizer(self) -> Any:
        """The base model's tokenizer (a Hugging Face tokenizer)."""
        return _load_tokenizer(self.sdk.get_tokenizer, self.get_base_model())

    def get_base_model(self) -> str:
        """The base model's name."""
        name = self.sdk.get_info().model_data.model_name
        if name is None:
            raise TinkerEngineError(f"Tinker at {self._where} did not say which base model this run uses")
        return name


class TinkerServiceClient:
    """Tinker's ``ServiceClient`` with a model check, path checks and time limits.

    Create it with :func:`create_tinker_service_client`, which checks that the service answers.

    Attributes:
        sdk: The SDK's ``ServiceClient``.
        base_url: The service URL in use.
        supported_models: What the service reported it offers.
    """

    def __init__(
        self,
        sdk: tinker.ServiceClient,
        *,
        base_url: str,
        supported_models: Sequence[types.SupportedModel],
        timeout_s: float,
        max_retries: int,
    ) -> None:
        self.sdk = sdk
        self.base_url = base_url
        self.supported_models = list(supported_models)
        self._timeout_s = timeout_s
        self._max_retries = max_retries

    def _wrap_trainer(self, sdk: tinker.TrainingClient) -> TinkerTrainingClient:
        return TinkerTrainingClient(sdk, where=self.base_url, timeout_s=self._timeout_s, max_retries=self._max_retries)

    def _wrap_sampler(self, sdk: tinker.SamplingClient) -> TinkerSamplingClient:
        return TinkerSamplingClient(sdk, where=self.base_url, timeout_s=self._timeout_s, max_retries=self._max_retries)

    def check_base_model(self, base_model: str) -> None:
        """Stop with the list of offered models unless ``base_model`` can be trained and sampled.

        A model the service lists without saying whether it is trainable or sampleable is accepted.

        Raises:
            TinkerModelUnavailableError: The model is not offered, or not for both uses.
        """
        for model in self.supported_models:
            if model.model_name == base_model:
                if model.trainable is False or model.sampleable is False:
                    uses = [
                        use
                        for use, ok in (("training", model.trainable), ("sampling", model.sampleable))
                        if ok is False
                    ]
                    raise TinkerModelUnavailableError(
                        f"Tinker at {self.base_url} offers {base_model!r} but not for {' or '.join(uses)}. "
                        + self._offer_text()
                    )
                return
        hint = ""
        if replacement := RETIRED_MODEL_REPLACEMENTS.get(base_model):
            hint = (
                f" Tinker retires models: the Tinker cookbook lists {base_model!r} as retired (2026-06-12) and uses "
                f"{replacement!r} instead; run with --base_model {replacement} (or another model below)."
            )
        raise TinkerModelUnavailableError(
            f"Tinker at {self.base_url} does not offer base model {base_model!r}.{hint} " + self._offer_text()
        )

    def _offer_text(self) -> str:
        usable = [
            model.model_name
            for model in self.supported_models
            if model.model_name and model.trainable is not False and model.sampleable is not False
        ]
        if not usable:
            return "It offers no model for both training and sampling."
        return "Models offered for training and sampling: " + ", ".join(sorted(usable))

    def create_lora_training_client(
        self,
        base_model: str,
        rank: int = 32,
        seed: int | None = None,
        train_mlp: bool = True,
        train_attn: bool = True,
        train_unembed: bool = True,
    ) -> TinkerFuture[TinkerTrainingClient]:
        """A training client with a new LoRA adapter on ``base_model``, after checking it is offered."""
        self.check_base_model(base_model)
        return TinkerFuture(
            lambda: self.sdk.create_lora_training_client(
                base_model,
                rank=rank,
                seed=seed,
                train_mlp=train_mlp,
                train_attn=train_attn,
                train_unembed=train_unembed,
            ),
            operation=f"create_lora_training_client({base_model!r})",
            where=self.base_url,
            timeout_s=self._timeout_s,
            convert=self._wrap_trainer,
        )

    def create_training_client_from_state(self, path: str) -> TinkerFuture[TinkerTrainingClient]:
        """A training client with the weights of a ``save_state`` checkpoint and a fresh optimizer."""
        _check_path_kind(path, "weights", "resume training")
        return TinkerFuture(
            lambda: self.sdk.create_training_client_from_state(path),
            operation=f"create_training_client_from_state({path!r})",
            where=self.base_url,
            timeout_s=self._timeout_s,
            convert=self._wrap_trainer,
        )

    def create_training_client_from_state_with_optimizer(self, path: str) -> TinkerFuture[TinkerTrainingClient]:
        """A training client restored from a ``save_state`` checkpoint, Adam state included."""
        _check_path_kind(path, "weights", "resume training")
        return TinkerFuture(
            lambda: self.sdk.create_training_client_from_state_with_optimizer(path),
            operation=f"create_training_client_from_state_with_optimizer({path!r})",
            where=self.base_url,
            timeout_s=self._timeout_s,
            convert=self._wrap_trainer,
        )

    def create_sampling_client(
        self, model_path: str | None = None, base_model: str | None = None
    ) -> TinkerFuture[TinkerSamplingClient]:
        """A sampling client for a ``save_weights_for_sampler`` path, or for a base model."""
        if model_path is not None:
            _check_path_kind(model_path, "sampler_weights", "sample")
        elif base_model is not None:
            self.check_base_model(base_model)
        else:
            raise ValueError("create_sampling_client needs model_path or base_model")
        return TinkerFuture(
            lambda: self.sdk.create_sampling_client(model_path=model_path, base_model=base_model),
            operation=f"create_sampling_client({model_path or base_model!r})",
            where=self.base_url,
            timeout_s=self._timeout_s,
            retries=self._max_retries,  # creating a sampler changes nothing, so it can be repeated
            convert=self._wrap_sampler,
        )


def create_tinker_service_client(
    *,
    api_key: str | None,
    base_url: str | None,
    timeout_s: float,
    max_retries: int = 2,
) -> TinkerServiceClient:
    """Connect to the Tinker service and return its service client.

    Checks at once that the service answers and fetches the models it offers, so a wrong URL, a
    network problem or a bad key stops the run here, within ``timeout_s``, with a message that says so.

    Args:
        api_key: The Tinker API key; ``None`` lets the SDK look for ``TINKER_API_KEY`` or stored
            credentials.
        base_url: The service URL; ``None`` means ``TINKER_BASE_URL`` or the production service.
        timeout_s: How long to wait for any one request (the reachability probe waits at most
            ``MAX_CONNECT_TIMEOUT_S`` of it).
        max_retries: How many times a stuck request that is safe to repeat (sampling) is sent again.

    Raises:
        TinkerUnreachableError: Nothing answers at the URL.
        TinkerTimeoutError: The service did not list its models in time.
        TinkerEngineError: The service rejected the request (e.g. a bad API key).
    """
    if timeout_s <= 0:
        raise ValueError(f"timeout_s must be positive, got {timeout_s}")
    if max_retries < 0:
        raise ValueError(f"max_retries must be >= 0, got {max_retries}")
    url = resolve_base_url(base_url)
    _probe_reachable(url, min(timeout_s, MAX_CONNECT_TIMEOUT_S))
    capabilities = _run_with_deadline(
        lambda: tinker.RestClient(base_url=url, api_key=api_key).get_server_capabilities().result(),
        timeout_s,
        "get_server_capabilities",
        url,
    )
    logger.info(
        "Tinker at %s offers %d model(s): %s",
        url,
        len(capabilities.supported_models),
        ", ".join(str(m.model_name) for m in capabilities.supported_models),
    )
    return TinkerServiceClient(
        tinker.ServiceClient(base_url=url, api_key=api_key),
        base_url=url,
        supported_models=capabilities.supported_models,
        timeout_s=timeout_s,
        max_retries=max_retries,
    )


def resolve_base_url(base_url: str | None) -> str:
    """The service URL the SDK will use: ``base_url``, else ``TINKER_BASE_URL``, else production."""
    from tinker.lib.base_url import resolve_base_url as sdk_resolve_base_url

    return sdk_resolve_base_url(base_url)


def _load_tokenizer(load: Callable[[], Any], base_model: str) -> Any:
    """Run the SDK's tokenizer loader, explaining the usual failure.

    The SDK loads the tokenizer with `transformers` from the Hugging Face hub (or its local cache) by
    the base model's name, so a machine without hub access, or with ``HF_HUB_OFFLINE=1``, fails here.
    """
    try:
        return load()
    except OSError as exc:
        offline = " HF_HUB_OFFLINE is set: unset it for Tinker runs." if os.environ.get("HF_HUB_OFFLINE") else ""
        raise TinkerEngineError(
            f"Cannot load the tokenizer of {base_model!r}: the tinker SDK takes it from the Hugging Face hub "
            f"(or its cache), which it could not reach.{offline} ({exc})"
        ) from exc


def _probe_reachable(url: str, timeout_s: float) -> None:
    """Fail fast, with a plain message, when nothing answers HTTP at ``url``.

    The SDK retries connection errors for minutes before it gives up, and its client constructors
    block meanwhile; a direct request to the health endpoint tells a refused or silent server at once.
    Any HTTP answer, even an error status, means something is there.
    """
    try:
        httpx.get(url + HEALTH_PATH, timeout=timeout_s)
    except httpx.TimeoutException as exc:
        raise TinkerUnreachableError(
            f"Cannot reach the Tinker service at {url}: no answer within {timeout_s:g} s ({type(exc).__name__}). "
            "Check the network, TINKER_BASE_URL / --base_url, or run with --backend local."
        ) from exc
    except httpx.TransportError as exc:
        raise TinkerUnreachableError(
            f"Cannot reach the Tinker service at {url}: {exc or type(exc).__name__}. "
            "Check the network, TINKER_BASE_URL / --base_url, or run with --backend local."
        ) from exc


def _run_with_deadline(fn: Callable[[], R], timeout_s: float, operation: str, where: str) -> R:
    """Run a blocking SDK call in a daemon thread and wait at most ``timeout_s`` for it.

    SDK client constructors and their first requests block, retrying, without a time limit; a daemon
    thread lets the caller give up without keeping the process alive.
    """
    result: concurrent.futures.Future[R] = concurrent.futures.Future()

    def work() -> None:
        try:
            result.set_result(fn())
        except BaseException as exc:  # handed to the waiting thread, which raises it
            result.set_exception(exc)

    threading.Thread(target=work, name=f"tinker-{operation}", daemon=True).start()
    try:
        return result.result(timeout_s)
    except concurrent.futures.TimeoutError as exc:
        raise TinkerTimeoutError(
            f"Tinker at {where} did not answer {operation} within {timeout_s:g} s. "
            "Check the network and the service status, or raise --remote_timeout_s."
        ) from exc
    except tinker.TinkerError as exc:
        raise _translate(exc, operation, where) from exc


def _sdk_call(submit: Callable[[], tinker.APIFuture[Any]], operation: str, where: str) -> tinker.APIFuture[Any]:
    """Submit an SDK request, translating errors raised before a future exists."""
    try:
        return submit()
    except tinker.TinkerError as exc:
        raise _translate(exc, operation, where) from exc


def _translate(exc: tinker.TinkerError, operation: str, where: str) -> TinkerEngineError:
    """An error the user can act on, naming the operation and the server, for an SDK exception."""
    if isinstance(exc, tinker.APIConnectionError):
        return TinkerUnreachableError(f"Lost the connection to Tinker at {where} during {operation}: {exc}")
    if isinstance(exc, tinker.APIStatusError):
        hint = ""
        if exc.status_code in (401, 403):
            hint = " Check TINKER_API_KEY (environment or .env)."
        elif exc.status_code == 404:
            hint = " The run, checkpoint or model it names does not exist on this service."
        return TinkerEngineError(
            f"Tinker at {where} rejected {operation} (HTTP {exc.status_code}): {exc.message}.{hint}"
        )
    return TinkerEngineError(f"Tinker {operation} failed ({where}): {exc}")


def _check_path_kind(path: str, kind: str, purpose: str) -> None:
    """Raise unless ``path`` is a ``tinker://<run>/<kind>/<name>`` path.

    Tinker can only resume from ``weights/`` (``save_state``) paths and only sample from
    ``sampler_weights/`` (``save_weights_for_sampler``) paths.
    """
    prefix = "tinker://"
    parts = path[len(prefix) :].split("/") if path.startswith(prefix) else []
    if len(parts) == 3 and all(parts) and parts[1] == kind:
        return
    made_by = "save_state" if kind == "weights" else "save_weights_for_sampler"
    raise TinkerCheckpointPathError(
        f"To {purpose} on Tinker, give a tinker://<run_id>/{kind}/<name> path (made by {made_by}), got {path!r}."
    )
