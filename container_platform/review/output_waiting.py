"""A faster way for the SDK to wait for a program's outstanding outputs, for offline runs only.

`pulumi.runtime.stack.wait_for_rpcs` waits with `asyncio.wait(..., FIRST_COMPLETED)` over every pending
output and starts again after each wake-up. Against a real engine RPCs are slow and few outputs finish
per wake-up anyway; against the mocks everything is ready at once and that loop re-arms a callback on
each of thousands of outputs per wave: a 40-service stack spent half its evaluation there. This variant
waits for each snapshot of pending outputs to finish completely, then looks for new ones. It ends in
the same state (every RPC and output settled, the first failure re-raised) with far fewer wake-ups.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator

from pulumi.runtime import stack
from pulumi.runtime.settings import SETTINGS, _get_rpc_manager


async def wait_for_rpcs(await_all_outstanding_tasks: bool = True) -> None:
    """Same contract as the SDK's function of that name (pulumi 3.272.0, runtime/stack.py)."""
    rpc_manager = _get_rpc_manager()
    while True:
        while rpc_manager.rpcs:
            await asyncio.sleep(0)
            await rpc_manager.rpcs.pop()
        if rpc_manager.unhandled_exception is not None:
            raise rpc_manager.unhandled_exception.with_traceback(rpc_manager.exception_traceback)
        while await_all_outstanding_tasks:
            with SETTINGS.lock:
                pending = list(SETTINGS.outputs)
                SETTINGS.outputs.clear()
            if not pending:
                break
            await asyncio.wait(pending)
            for task in pending:
                await task  # re-raises the output's failure, as the SDK does
        if not rpc_manager.rpcs:
            return


@contextlib.contextmanager
def settled_in_waves() -> Iterator[None]:
    """Use `wait_for_rpcs` above while the block runs; the SDK's own afterwards."""
    original = stack.wait_for_rpcs
    stack.wait_for_rpcs = wait_for_rpcs
    try:
        yield
    finally:
        stack.wait_for_rpcs = original
