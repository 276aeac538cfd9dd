"""Futures shaped like the Tinker SDK's ``APIFuture``: ``await fut`` or ``fut.result(timeout)``."""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from collections.abc import Callable, Generator
from typing import Any, Generic, TypeVar

T = TypeVar("T")


class LocalFuture(Generic[T]):
    """The result of work submitted to a local engine's worker thread."""

    def __init__(self, future: concurrent.futures.Future[T]) -> None:
        self._future = future

    def result(self, timeout: float | None = None) -> T:
        """Block until the work is done and return its result (or raise its exception)."""
        return self._future.result(timeout)

    async def result_async(self, timeout: float | None = None) -> T:
        return await asyncio.wait_for(asyncio.wrap_future(self._future), timeout)

    def done(self) -> bool:
        return self._future.done()

    def __await__(self) -> Generator[Any, None, T]:
        return asyncio.wrap_future(self._future).__await__()

    @classmethod
    def completed(cls, value: T) -> LocalFuture[T]:
        future: concurrent.futures.Future[T] = concurrent.futures.Future()
        future.set_result(value)
        return cls(future)


_ENGINE_THREAD_NAME = "local-engine"
_engine_pool: concurrent.futures.ThreadPoolExecutor | None = None
_engine_pool_lock = threading.Lock()


def engine_pool() -> concurrent.futures.ThreadPoolExecutor:
    """The one thread that runs every local engine's work in this process.

    All models share it, and loading runs on it too, so that only this thread ever runs parallel PyTorch
    kernels. A second thread doing so gets its own OpenMP thread team; with more OpenMP threads than cores,
    libgomp stops spin-waiting between parallel regions and puts its workers to sleep after each of the
    thousands of small kernels in a training step. Measured on a 2-core CPU: 1.8 s per training step with one
    computing thread, 3.4 s with the model loaded on one thread and trained on another.
    """
    global _engine_pool
    with _engine_pool_lock:
        if _engine_pool is None:
            _engine_pool = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix=_ENGINE_THREAD_NAME)
        return _engine_pool


def on_engine_thread(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run ``fn`` on the engine thread and return its result (or raise its exception) here; runs it directly
    when called from the engine thread itself."""
    if threading.current_thread().name.startswith(_ENGINE_THREAD_NAME):
        return fn(*args, **kwargs)
    return engine_pool().submit(fn, *args, **kwargs).result()


class SerialExecutor:
    """The engine thread, as one model's queue: work runs in submission order, as requests to one Tinker model
    do (work for other models in the process may run in between)."""

    def __init__(self) -> None:
        self.generation = 0
        """How many jobs were ever submitted: lets a caller tell whether anything was queued after its job."""

    def submit(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> LocalFuture[T]:
        return LocalFuture(self.submit_raw(fn, *args, **kwargs))

    def submit_raw(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> concurrent.futures.Future[T]:
        self.generation += 1
        return engine_pool().submit(fn, *args, **kwargs)
