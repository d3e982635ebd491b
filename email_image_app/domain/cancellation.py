"""Running jobs, cancellable from another event handler.

A page's background task cannot be cancelled by Reflex, and with 0 partial images a stream can be
silent for a minute: waiting for "the next event" to notice a Cancel is not good enough. So the
stream is consumed in a child task registered here by key; Cancel cancels that task, which closes
the HTTP stream at once, and the page's task sees `RunCancelled`. Meanwhile the page gets a `TICK`
every `heartbeat` seconds so it can show elapsed time while the provider is silent.
"""

from __future__ import annotations

import asyncio
from typing import AsyncIterator, TypeVar

T = TypeVar("T")

TICK = object()
_END = object()


class RunCancelled(Exception):
    """The run was cancelled through `cancel(key)`."""


# The message of a cancel that a person asked for, so that the history can tell it from a run cut
# short by the server stopping (which also cancels tasks, without this message).
USER_CANCEL = "cancelled by the user"


def is_user_cancel(exc: BaseException) -> bool:
    return isinstance(exc, asyncio.CancelledError) and USER_CANCEL in exc.args


_tasks: dict[str, asyncio.Task] = {}


def cancel(key: str) -> bool:
    """Cancel the run registered under `key`; False when none is running."""
    task = _tasks.get(key)
    if task is None or task.done():
        return False
    task.cancel(USER_CANCEL)
    return True


async def consume(key: str, source: AsyncIterator[T], *, heartbeat: float = 1.0) -> AsyncIterator[T | object]:
    """Yield the items of `source` (run in a child task) interleaved with `TICK`s while idle.

    Errors raised by `source` are re-raised here; a `cancel(key)` raises `RunCancelled`.
    """
    queue: asyncio.Queue = asyncio.Queue()

    async def pump() -> None:
        try:
            async for item in source:
                await queue.put(item)
        except BaseException as exc:  # CancelledError included: report it, then let the task end
            await queue.put(exc)
            if isinstance(exc, asyncio.CancelledError):
                raise
        else:
            await queue.put(_END)

    task = asyncio.create_task(pump(), name=f"image-run-{key}")
    _tasks[key] = task
    try:
        while True:
            try:
                item = await asyncio.wait_for(queue.get(), timeout=heartbeat)
            except asyncio.TimeoutError:
                yield TICK
                continue
            if item is _END:
                return
            if isinstance(item, asyncio.CancelledError):
                raise RunCancelled()
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        if not task.done():
            task.cancel()
        if _tasks.get(key) is task:
            del _tasks[key]
