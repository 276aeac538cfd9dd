"""Futures shaped like the Tinker SDK's ``APIFuture``: ``await fut`` or ``fut.result(timeout)``."""

from __future__ import annotations

import asyncio
import concurrent.futures
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


class SerialExecutor:
    """One worker thread: work runs in submission order, as requests to one Tinker model do."""

    def __init__(self, name: str) -> None:
        self._pool = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix=name)
        self.generation = 0
        """How many jobs were ever submitted: lets a caller tell whether anything was queued after its job."""

    def submit(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> LocalFuture[T]:
        return LocalFuture(self.submit_raw(fn, *args, **kwargs))

    def submit_raw(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> concurrent.futures.Future[T]:
        self.generation += 1
        return self._pool.submit(fn, *args, **kwargs)

    def shutdown(self) -> None:
        self._pool.shutdown(wait=True)
