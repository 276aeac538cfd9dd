"""The Tinker engine: Thinking Machines' Tinker service through the official `tinker` SDK (0.38).

The SDK's clients already have the surface ``sft.train`` and ``sft.evaluate`` are written against, so
this module stays thin. It adds only what a long unattended run needs on top of the SDK:

- waiting is not failing: the service queues requests when it is busy (for minutes, up to an hour on a billing
  hold). Training requests (model creation, ``forward_backward``, ``optim_step``, checkpoint saves) wait as long
  as the service keeps them, up to a generous limit (``train_timeout_s``, 4 h by default, 0 for none), and say
  every minute that they are queued, with the service's own queue state when it reports one. They are never
  sent twice: a repeated ``forward_backward`` would add its gradients twice;
- requests that are safe to repeat (sampling, creating a sampling client) keep short time limits
  (``timeout_s``) and are sent again, up to ``max_retries`` times, when an answer does not come in time
  (sampling hangs have been reported on Tinker);
- every failure names the operation and the server instead of hanging or printing a stack of retries;
- a start-up check that the service is reachable and lists what it offers, so a retired model is reported with
  the list of what is offered (Tinker retires models);
- resume and sampling paths are checked for their kind (``weights/`` vs ``sampler_weights/``) before a
  request is sent, so a mix-up fails with a clear message;
- ``close()`` ends the session on the service (it limits concurrent training clients per user).

Everything returned is an SDK object or a thin wrapper whose ``.sdk`` attribute is the SDK object.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import os
import threading
import time
from collections.abc import Callable, Generator, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, Literal, TypeAlias, TypeVar

import httpx
import tinker
from tinker import types
from tinker.types import LossFnType

from sft.engines.errors import EngineError
from sft.engines.protocols import LoraOptions, LoraTrainingService

logger = logging.getLogger(__name__)

T = TypeVar("T")
R = TypeVar("R")
# The options of a loss function (``loss_fn_config`` of ``forward`` and ``forward_backward``).
LossConfig: TypeAlias = Mapping[str, float | str] | None

# Tinker's default model for this project, and what the Tinker cookbook moved to when it was retired.
DEFAULT_TINKER_MODEL = "Qwen/Qwen3-4B-Instruct-2507"
RETIRED_MODEL_REPLACEMENTS = {DEFAULT_TINKER_MODEL: "Qwen/Qwen3.5-4B"}
# The reachability probe needs no more than this even when requests may take minutes.
MAX_CONNECT_TIMEOUT_S = 30.0
HEALTH_PATH = "/api/v1/healthz"
# Closing a session is a courtesy to the service; never hold a finished command for long on it.
CLOSE_TIMEOUT_S = 30.0
DEFAULT_TRAIN_TIMEOUT_S = 4 * 3600.0
DEFAULT_NOTICE_INTERVAL_S = 60.0


class _DropTryAgainChatter(logging.Filter):
    """The SDK logs a warning on every poll of a queued request; this engine says "queued" once a minute instead."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "because of try_again" not in record.getMessage()


logging.getLogger("tinker.lib.api_future_impl").addFilter(_DropTryAgainChatter())


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


class QueueWatch:
    """The latest queue state the service reported for a client's requests (wraps the SDK's own observer).

    The SDK tells an observer when the service answers "try again" with a queue state (``paused_capacity``,
    ``paused_rate_limit``, ...); its own logger only speaks after 15 minutes. This keeps the latest state so the
    engine's notices can say why a request is waiting.
    """

    def __init__(self, inner: Any = None) -> None:
        self._inner = inner
        self.state: str | None = None
        self.reason: str | None = None

    def on_queue_state_change(self, queue_state: Any, queue_state_reason: str | None) -> None:
        self.state = getattr(queue_state, "value", str(queue_state))
        self.reason = queue_state_reason
        if self._inner is not None:
            self._inner.on_queue_state_change(queue_state, queue_state_reason)

    def describe(self) -> str:
        if self.state in (None, "active"):
            return "no answer yet: queued or running"
        return f"the service reports it queued: {self.state}{', ' + self.reason if self.reason else ''}"

    @classmethod
    def install(cls, sdk_training_client: Any) -> QueueWatch:
        """Put a watch in front of the SDK training client's queue-state observer (if it has one)."""
        watch = cls(getattr(sdk_training_client, "_queue_state_logger", None))
        if hasattr(sdk_training_client, "_queue_state_logger"):
            sdk_training_client._queue_state_logger = watch
        return watch


class TinkerFuture(Generic[T]):
    """A Tinker request in flight, with a time limit, progress notices and optional resubmission.

    The request is submitted when the future is created, so callers can submit a step's
    ``forward_backward`` and ``optim_step`` before waiting on either, as Tinker wants. Wait with
    ``fut.result(timeout)`` or ``await fut``.

    Args:
        submit: Sends the request and returns the SDK's future for it. Called again for a retry.
        operation: What the request does, for messages (e.g. ``"forward_backward"``).
        where: The server URL, for messages.
        timeout_s: Default time to wait for one attempt; ``None``: no limit.
        retries: How many times to send the request again when an attempt times out; only for
            requests that are safe to repeat.
        convert: Applied to the SDK's result (e.g. to wrap a client).
        notice_interval_s: While waiting, log that the request is queued this often (``None``: never).
        queue: Where the service's queue state for this request is kept, for the notices.
        timeout_hint: What to tell the user when the time limit is reached.
        unreachable_limit_s: With notices on: give up when the service's health endpoint has not answered for this
            long (a queued request waits; a service that is gone is a failure, although the SDK would retry forever).
    """

    def __init__(
        self,
        submit: Callable[[], tinker.APIFuture[Any]],
        *,
        operation: str,
        where: str,
        timeout_s: float | None,
        retries: int = 0,
        convert: Callable[[Any], T] | None = None,
        notice_interval_s: float | None = None,
        queue: QueueWatch | None = None,
        timeout_hint: str = "raise --remote_timeout_s or try again later.",
        unreachable_limit_s: float | None = None,
    ) -> None:
        self._submit = submit
        self._operation = operation
        self._where = where
        self._timeout_s = timeout_s
        self._retries_left = retries
        self._attempts = 1
        self._convert = convert
        self._notice_interval_s = notice_interval_s
        self._queue = queue
        self._timeout_hint = timeout_hint
        self._submitted_at = time.monotonic()
        self._future = _sdk_call(submit, operation, where).future()
        self._lock = threading.Lock()
        self._notices = 0
        self._unreachable_limit_s = unreachable_limit_s
        self._unreachable_since: float | None = None

    @property
    def operation(self) -> str:
        return self._operation

    def done(self) -> bool:
        """Whether the current attempt has finished (successfully or not)."""
        return self._future.done()

    def _slice(self, limit: float | None, waited: float) -> float | None:
        """How long to wait before the next look: until the next notice or the time limit, whichever is first."""
        slices = [x for x in (self._notice_interval_s, None if limit is None else max(0.0, limit - waited)) if x]
        return min(slices) if slices else (0.0 if limit is not None else None)

    def _expired(self, limit: float | None, waited: float) -> bool:
        return limit is not None and waited >= limit - 1e-6

    def result(self, timeout: float | None = None) -> T:
        """Wait for the result.

        Args:
            timeout: Seconds to wait for each attempt; ``None`` means the engine's limit for this request.

        Raises:
            TinkerTimeoutError: No answer in time and no retries left.
            TinkerEngineError: The service rejected or failed the request.
        """
        for future, wait in self._waits(timeout):
            try:
                value = future.result(wait)
            except concurrent.futures.TimeoutError:
                continue
            except (tinker.TinkerError, ValueError) as exc:
                raise _translate(exc, self._operation, self._where) from exc
            return self._convert(value) if self._convert else value
        raise AssertionError("_waits ends only by raising")

    async def result_async(self, timeout: float | None = None) -> T:
        """``result`` for async code: awaits without blocking the event loop."""
        waiting: tuple[concurrent.futures.Future[Any], asyncio.Future[Any]] | None = None
        for future, wait in self._waits(timeout):
            if waiting is None or waiting[0] is not future:
                waiting = future, asyncio.wrap_future(future)  # once per attempt
            try:
                # shield: a timeout here must not cancel the request behind our back; _after_timeout
                # decides whether to cancel it.
                value = await asyncio.wait_for(asyncio.shield(waiting[1]), wait)
            except TimeoutError:
                continue
            except (tinker.TinkerError, ValueError) as exc:
                raise _translate(exc, self._operation, self._where) from exc
            return self._convert(value) if self._convert else value
        raise AssertionError("_waits ends only by raising")

    def _waits(self, timeout: float | None) -> Iterator[tuple[concurrent.futures.Future[Any], float | None]]:
        """The waits of :meth:`result` and :meth:`result_async`: (the current attempt's future, seconds to wait on
        it now), the next one asked for only after a wait that timed out.

        Between the waits of an attempt it gives notices; past the limit, :meth:`_after_timeout` sends the request
        again (the next wait is on the new attempt) or raises, which ends the waits.
        """
        limit = self._timeout_s if timeout is None else timeout
        while True:
            future, started = self._future, time.monotonic()
            while True:
                yield future, self._slice(limit, time.monotonic() - started)
                if self._expired(limit, time.monotonic() - started):
                    self._after_timeout(future, limit)
                    break
                self._notice()

    def __await__(self) -> Generator[Any, None, T]:
        return self.result_async().__await__()

    def _notice(self) -> None:
        """Say that the request is still waiting, and that this is the service's queue, not a failure."""
        if self._notice_interval_s is None:
            return
        self._notices += 1
        waited = time.monotonic() - self._submitted_at
        state = self._queue.describe() if self._queue is not None else "no answer yet: queued or running"
        if not self._service_answers():
            gone = time.monotonic() - (self._unreachable_since or time.monotonic())
            logger.warning(
                "Tinker %s: no answer for %s, and the service at %s has not answered at all for %s (connection "
                "lost?); giving up if it stays silent for %s.",
                self._operation,
                _duration(waited),
                self._where,
                _duration(gone),
                _duration(self._unreachable_limit_s or 0),
            )
            return
        limit = "without a time limit" if self._timeout_s is None else f"up to {_duration(self._timeout_s)}"
        logger.warning(
            "Tinker %s: queued for %s (%s; server %s). Waiting is not failing: the run waits %s; "
            "Ctrl-C stops it cleanly once the step in flight is done.",
            self._operation,
            _duration(waited),
            state,
            self._where,
            limit,
        )

    def _service_answers(self) -> bool:
        """Probe the service's health endpoint; raise once it has been silent for ``unreachable_limit_s``.

        Raises:
            TinkerUnreachableError: The service has not answered for too long.
        """
        if self._unreachable_limit_s is None:
            return True
        try:
            httpx.get(self._where + HEALTH_PATH, timeout=min(10.0, self._unreachable_limit_s))
        except httpx.TransportError:
            now = time.monotonic()
            self._unreachable_since = self._unreachable_since or now
            if now - self._unreachable_since >= self._unreachable_limit_s:
                raise TinkerUnreachableError(
                    f"Tinker {self._operation}: the service at {self._where} has not answered for "
                    f"{_duration(now - self._unreachable_since)} (connection lost, or the service is down). "
                    "Resume later from the last checkpoint with --resume_from."
                ) from None
            return False
        self._unreachable_since = None
        return True

    def _after_timeout(self, timed_out: concurrent.futures.Future[Any], limit: float | None) -> None:
        """Resubmit after a timed-out attempt when retries are left, else raise."""
        with self._lock:
            if self._future is not timed_out:  # another waiter already resubmitted
                return
            if self._retries_left <= 0:
                raise TinkerTimeoutError(
                    f"Tinker did not answer {self._operation} within {_duration(limit or 0)} "
                    f"({self._attempts} attempt(s), server {self._where}). The service may be overloaded "
                    f"or the request stuck; {self._timeout_hint}"
                )
            timed_out.cancel()
            self._retries_left -= 1
            self._attempts += 1
            logger.warning(
                "Tinker did not answer %s within %s; sending it again (attempt %d)",
                self._operation,
                _duration(limit or 0),
                self._attempts,
            )
            self._future = _sdk_call(self._submit, self._operation, self._where).future()


def _duration(seconds: float) -> str:
    if seconds < 10:
        return f"{seconds:.3g} s"
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 2 * 3600:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


@dataclass(frozen=True)
class RequestLimits:
    """How long each kind of request may take.

    Attributes:
        timeout_s: One attempt of a sampling request or a quick service call.
        max_retries: How many times a request that is safe to repeat is sent again after a timeout.
        train_timeout_s: A training request (model creation, forward_backward, optim_step, saves), which waits as
            long as the service queues it, up to this; ``None``: no limit.
        notice_interval_s: How often a waiting training request says it is queued.
    """

    timeout_s: float
    max_retries: int = 2
    train_timeout_s: float | None = DEFAULT_TRAIN_TIMEOUT_S
    notice_interval_s: float = DEFAULT_NOTICE_INTERVAL_S

    def future(
        self,
        kind: Literal["training", "quick"],
        submit: Callable[[], tinker.APIFuture[Any]],
        operation: str,
        where: str,
        convert: Callable[[Any], Any] | None = None,
        queue: QueueWatch | None = None,
    ) -> TinkerFuture[Any]:
        """A request of this ``kind``, submitted now.

        ``"training"`` (model creation, forward_backward, optim_step, saves) waits while the service queues it, up to
        ``train_timeout_s``, says so (with ``queue``'s state) and is never sent twice: it changes the model's state.
        ``"quick"`` (sampling, creating a sampler) should answer soon: a short limit, and it is sent again when stuck.
        """
        if kind == "training":
            return TinkerFuture(
                submit,
                operation=operation,
                where=where,
                convert=convert,
                queue=queue,
                timeout_s=self.train_timeout_s,
                notice_interval_s=self.notice_interval_s,
                timeout_hint="raise --train_timeout_s (0: no limit) or try again later.",
                unreachable_limit_s=self.timeout_s,
            )
        return TinkerFuture(
            submit,
            operation=operation,
            where=where,
            convert=convert,
            timeout_s=self.timeout_s,
            retries=self.max_retries,
        )


class TinkerSamplingClient:
    """Tinker's ``SamplingClient`` with time limits and resubmission of stuck samples.

    Attributes:
        sdk: The SDK's ``SamplingClient``.
    """

    def __init__(self, sdk: tinker.SamplingClient, *, where: str, limits: RequestLimits) -> None:
        self.sdk = sdk
        self._where = where
        self._limits = limits

    def sample(
        self, prompt: types.ModelInput, num_samples: int, sampling_params: types.SamplingParams
    ) -> TinkerFuture[types.SampleResponse]:
        """Sample ``num_samples`` completions of ``prompt``.

        Raises:
            ValueError: ``sampling_params.max_tokens`` is not set; an unbounded sample may never end.
        """
        if sampling_params.max_tokens is None:
            raise ValueError("sampling_params.max_tokens must be set: an unbounded sample may never finish")
        # Sampling has no side effects, so a stuck one can be sent again.
        return self._limits.future(
            "quick", lambda: self.sdk.sample(prompt, num_samples, sampling_params), "sample", self._where
        )

    def get_tokenizer(self) -> Any:
        """The base model's tokenizer (a Hugging Face tokenizer)."""
        return _load_tokenizer(self.sdk.get_tokenizer, self.get_base_model())

    def get_base_model(self) -> str:
        """The base model's name."""
        return self.sdk.get_base_model()


class TinkerTrainingClient:
    """Tinker's ``TrainingClient``: every request waits while the service queues it, and says so.

    Attributes:
        sdk: The SDK's ``TrainingClient``.
        queue: The service's latest queue state for this client's requests.
    """

    def __init__(self, sdk: tinker.TrainingClient, *, where: str, limits: RequestLimits) -> None:
        self.sdk = sdk
        self._where = where
        self._limits = limits
        self.queue = QueueWatch.install(sdk)

    def _future(self, submit: Callable[[], tinker.APIFuture[Any]], operation: str) -> TinkerFuture[Any]:
        # Training requests change the model's state: never resubmitted.
        return self._limits.future("training", submit, operation, self._where, queue=self.queue)

    def forward_backward(
        self, data: Sequence[types.Datum], loss_fn: LossFnType = "cross_entropy", loss_fn_config: LossConfig = None
    ) -> TinkerFuture[types.ForwardBackwardOutput]:
        """Compute the loss of ``data`` and accumulate its gradients until the next ``optim_step``."""
        return self._loss_request("forward_backward", data, loss_fn, loss_fn_config)

    def forward(
        self, data: Sequence[types.Datum], loss_fn: LossFnType = "cross_entropy", loss_fn_config: LossConfig = None
    ) -> TinkerFuture[types.ForwardBackwardOutput]:
        """Compute the loss of ``data`` without gradients."""
        return self._loss_request("forward", data, loss_fn, loss_fn_config)

    def _loss_request(
        self,
        method: Literal["forward", "forward_backward"],
        data: Sequence[types.Datum],
        loss_fn: LossFnType,
        loss_fn_config: LossConfig,
    ) -> TinkerFuture[types.ForwardBackwardOutput]:
        """The SDK's ``method`` of that name on ``data`` (a list of it, taken now)."""
        batch = list(data)
        return self._future(lambda: getattr(self.sdk, method)(batch, loss_fn, loss_fn_config), method)

    def optim_step(self, adam_params: types.AdamParams) -> TinkerFuture[types.OptimStepResponse]:
        """Apply the accumulated gradients with Adam."""
        return self._future(lambda: self.sdk.optim_step(adam_params), "optim_step")

    def save_state(self, name: str, ttl_seconds: int | None = None) -> TinkerFuture[types.SaveWeightsResponse]:
        """Save weights and optimizer state for resuming; ``.path`` is ``tinker://<run>/weights/<name>``.

        Args:
            name: The checkpoint's name.
            ttl_seconds: How long the service keeps it (3600 s to 10 years); ``None``: until deleted.
        """
        return self._future(lambda: self.sdk.save_state(name, ttl_seconds=ttl_seconds), f"save_state({name!r})")

    def save_weights_for_sampler(
        self, name: str, ttl_seconds: int | None = None
    ) -> TinkerFuture[types.SaveWeightsForSamplerResponse]:
        """Save weights for sampling; ``.path`` is ``tinker://<run>/sampler_weights/<name>``.

        Args:
            name: The checkpoint's name.
            ttl_seconds: How long the service keeps it (3600 s to 10 years); ``None``: until deleted.
        """
        return self._future(
            lambda: self.sdk.save_weights_for_sampler(name, ttl_seconds=ttl_seconds),
            f"save_weights_for_sampler({name!r})",
        )

    def save_weights_and_get_sampling_client(self) -> TinkerFuture[TinkerSamplingClient]:
        """A sampling client over the current weights (nothing is persisted).

        It is a training-queue request: it runs after the requests submitted before it, so it sees exactly the
        weights they leave.
        """
        return self._limits.future(
            "training",
            self.sdk.save_weights_and_get_sampling_client,
            "save_weights_and_get_sampling_client",
            self._where,
            convert=self._wrap_sampler,
            queue=self.queue,
        )

    def _wrap_sampler(self, sdk: tinker.SamplingClient) -> TinkerSamplingClient:
        return TinkerSamplingClient(sdk, where=self._where, limits=self._limits)

    def get_tokenizer(self) -> Any:
        """The base model's tokenizer (a Hugging Face tokenizer)."""
        return _load_tokenizer(self.sdk.get_tokenizer, self.get_base_model())

    def get_base_model(self) -> str:
        """The base model's name."""
        name = self.sdk.get_info().model_data.model_name
        if name is None:
            raise TinkerEngineError(f"Tinker at {self._where} did not say which base model this run uses")
        return name


class TinkerServiceClient(LoraTrainingService[TinkerFuture[TinkerTrainingClient]]):
    """Tinker's ``ServiceClient`` with a model check, path checks and time limits.

    Create it with :func:`create_tinker_service_client`, which checks that the service answers.

    Attributes:
        sdk: The SDK's ``ServiceClient``.
        base_url: The service URL in use.
        supported_models: What the service reported it offers.
        limits: How long each kind of request may take.
    """

    def __init__(
        self,
        sdk: tinker.ServiceClient,
        *,
        base_url: str,
        supported_models: Sequence[types.SupportedModel],
        timeout_s: float | None = None,
        max_retries: int = 2,
        limits: RequestLimits | None = None,
    ) -> None:
        self.sdk = sdk
        self.base_url = base_url
        self.supported_models = list(supported_models)
        if limits is None:
            if timeout_s is None:
                raise ValueError("give timeout_s or limits")
            limits = RequestLimits(timeout_s=timeout_s, max_retries=max_retries)
        self.limits = limits
        self._closed = False

    def _wrap_trainer(self, sdk: tinker.TrainingClient) -> TinkerTrainingClient:
        return TinkerTrainingClient(sdk, where=self.base_url, limits=self.limits)

    def _wrap_sampler(self, sdk: tinker.SamplingClient) -> TinkerSamplingClient:
        return TinkerSamplingClient(sdk, where=self.base_url, limits=self.limits)

    def offers(self, base_model: str) -> bool:
        """Whether the service lists ``base_model`` and does not rule out training or sampling it."""
        return any(
            m.model_name == base_model and m.trainable is not False and m.sampleable is not False
            for m in self.supported_models
        )

    def usable_models(self) -> list[str]:
        """The models offered for both training and sampling (unknown flags count as offered), sorted."""
        return sorted(
            m.model_name
            for m in self.supported_models
            if m.model_name and m.trainable is not False and m.sampleable is not False
        )

    def check_base_model(self, base_model: str, uses: Sequence[str] = ("training", "sampling")) -> None:
        """Stop with the list of offered models unless ``base_model`` is offered for ``uses``.

        A model the service lists without saying whether it is trainable or sampleable is accepted.

        Raises:
            TinkerModelUnavailableError: The model is not offered, or not for all of ``uses``.
        """
        for model in self.supported_models:
            if model.model_name == base_model:
                flags = {"training": model.trainable, "sampling": model.sampleable}
                missing = [use for use in uses if flags.get(use) is False]
                if missing:
                    raise TinkerModelUnavailableError(
                        f"Tinker at {self.base_url} offers {base_model!r} but not for {' or '.join(missing)}. "
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

    def check_sampleable(self, base_model: str, what: str) -> None:
        """Stop at once, with what to do, when ``base_model`` can no longer be sampled (e.g. it was retired).

        Args:
            base_model: The base model the checkpoint was trained on.
            what: What the user asked to sample, for the message (e.g. "checkpoint final_checkpoint of run r").

        Raises:
            TinkerModelUnavailableError: The service does not offer the model for sampling.
        """
        for model in self.supported_models:
            if model.model_name == base_model and model.sampleable is not False:
                return
        raise TinkerModelUnavailableError(
            f"Cannot evaluate {what}: it was trained on {base_model!r}, which Tinker at {self.base_url} no longer "
            "offers for sampling (Tinker retires models; checkpoints of a retired model cannot be sampled there). "
            + self._offer_text()
            + " Train again on one of them (python -m sft.train --base_model <model>) and evaluate that run."
        )

    def _offer_text(self) -> str:
        usable = self.usable_models()
        if not usable:
            return "It offers no model for both training and sampling."
        return "Models offered for training and sampling: " + ", ".join(usable) + "."

    def _create_lora_training_client(self, base_model: str, lora: LoraOptions) -> TinkerFuture[TinkerTrainingClient]:
        """A training client with a new LoRA adapter on ``base_model``, after checking it is offered.

        Model creation waits in the service's queue like any training request.
        """
        self.check_base_model(base_model)
        return self.limits.future(
            "training",
            lambda: self.sdk.create_lora_training_client(
                base_model,
                rank=lora.rank,
                seed=lora.seed,
                train_mlp=lora.train_mlp,
                train_attn=lora.train_attn,
                train_unembed=lora.train_unembed,
            ),
            f"create_lora_training_client({base_model!r})",
            self.base_url,
            convert=self._wrap_trainer,
        )

    def create_training_client_from_state(self, path: str) -> TinkerFuture[TinkerTrainingClient]:
        """A training client with the weights of a ``save_state`` checkpoint and a fresh optimizer."""
        return self._from_state("create_training_client_from_state", path)

    def create_training_client_from_state_with_optimizer(self, path: str) -> TinkerFuture[TinkerTrainingClient]:
        """A training client restored from a ``save_state`` checkpoint, Adam state included."""
        return self._from_state("create_training_client_from_state_with_optimizer", path)

    def _from_state(
        self,
        method: Literal["create_training_client_from_state", "create_training_client_from_state_with_optimizer"],
        path: str,
    ) -> TinkerFuture[TinkerTrainingClient]:
        """The SDK's ``method`` of that name on a ``save_state`` checkpoint ``path``, after checking its kind."""
        _check_path_kind(path, "weights", "resume training")
        return self.limits.future(
            "training",
            lambda: getattr(self.sdk, method)(path),
            f"{method}({path!r})",
            self.base_url,
            convert=self._wrap_trainer,
        )

    def create_sampling_client(
        self, model_path: str | None = None, base_model: str | None = None
    ) -> TinkerFuture[TinkerSamplingClient]:
        """A sampling client for a ``save_weights_for_sampler`` path, or for a base model."""
        if model_path is not None:
            _check_path_kind(model_path, "sampler_weights", "sample")
        elif base_model is not None:
            self.check_base_model(base_model, uses=("sampling",))
        else:
            raise ValueError("create_sampling_client needs model_path or base_model")
        # Creating a sampler changes nothing, so it can be repeated.
        return self.limits.future(
            "quick",
            lambda: self.sdk.create_sampling_client(model_path=model_path, base_model=base_model),
            f"create_sampling_client({model_path or base_model!r})",
            self.base_url,
            convert=self._wrap_sampler,
        )

    def close(self, status: str = "success", detail: str | None = None) -> None:
        """End the session on the service ("success", "errored" or "interrupted") and release local resources.

        The service limits concurrent training clients per user, so every command closes its session when it ends.
        A failure to close is logged, never raised: the command's own outcome matters more.
        """
        if self._closed:
            return
        self._closed = True
        try:
            self.sdk.close(status, detail).result(CLOSE_TIMEOUT_S)  # type: ignore[arg-type]
            logger.info("closed the Tinker session (%s)", status)
        except Exception as exc:  # closing must not mask the command's result
            logger.warning("could not close the Tinker session cleanly (%s: %s)", type(exc).__name__, exc)


def create_tinker_service_client(
    *,
    api_key: str | None,
    base_url: str | None,
    timeout_s: float,
    max_retries: int = 2,
    train_timeout_s: float | None = DEFAULT_TRAIN_TIMEOUT_S,
    notice_interval_s: float = DEFAULT_NOTICE_INTERVAL_S,
) -> TinkerServiceClient:
    """Connect to the Tinker service and return its service client.

    Checks at once that the service answers and fetches the models it offers, so a wrong URL, a
    network problem or a bad key stops the run here, within ``timeout_s``, with a message that says so.

    Args:
        api_key: The Tinker API key; ``None`` lets the SDK look for ``TINKER_API_KEY``,
            ``TINKER_CREDENTIAL_CMD`` or the key stored by ``tinker auth login``.
        base_url: The service URL; ``None`` means ``TINKER_BASE_URL`` or the production service.
        timeout_s: How long to wait for a sampling request or a quick call (the reachability probe waits at most
            ``MAX_CONNECT_TIMEOUT_S`` of it).
        max_retries: How many times a stuck request that is safe to repeat (sampling) is sent again.
        train_timeout_s: How long a training request may stay queued or running; ``None``: no limit.
        notice_interval_s: How often a waiting training request says it is queued.

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

    def list_models() -> types.GetServerCapabilitiesResponse:
        rest = tinker.RestClient(base_url=url, api_key=api_key)
        try:
            return rest.get_server_capabilities().result()
        finally:
            holder = getattr(rest, "holder", None)
            if holder is not None and hasattr(holder, "close"):
                holder.close()

    capabilities = _run_with_deadline(list_models, timeout_s, "get_server_capabilities", url)
    logger.info(
        "Tinker at %s offers %d model(s): %s",
        url,
        len(capabilities.supported_models),
        ", ".join(str(m.model_name) for m in capabilities.supported_models),
    )
    limits = RequestLimits(
        timeout_s=timeout_s,
        max_retries=max_retries,
        train_timeout_s=train_timeout_s,
        notice_interval_s=notice_interval_s,
    )
    return TinkerServiceClient(
        tinker.ServiceClient(base_url=url, api_key=api_key),
        base_url=url,
        supported_models=capabilities.supported_models,
        limits=limits,
    )


def service_client_from_config(config: Any) -> TinkerServiceClient:
    """The Tinker service client a run's configuration (``sft.config.TrainConfig``) asks for."""
    from sft.config import tinker_api_key

    return create_tinker_service_client(
        api_key=tinker_api_key(),
        base_url=config.resolved_base_url(),
        timeout_s=config.remote_timeout_s,
        train_timeout_s=config.train_timeout_s or None,
        notice_interval_s=config.queue_notice_interval_s,
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


def _translate(exc: Exception, operation: str, where: str) -> TinkerEngineError:
    """An error the user can act on, naming the operation and the server, for an SDK exception."""
    if isinstance(exc, tinker.APIConnectionError):
        return TinkerUnreachableError(f"Lost the connection to Tinker at {where} during {operation}: {exc}")
    if isinstance(exc, tinker.APIStatusError):
        hint = ""
        if exc.status_code in (401, 403):
            hint = " Check TINKER_API_KEY (environment or .env) or the key stored by `tinker auth login`."
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
