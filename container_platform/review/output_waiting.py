"""A faster way for the SDK to wait for a program's outstanding outputs, for offline runs only.

`pulumi.runtime.stack.wait_for_rpcs` waits with `asyncio.wait(..., FIRST_COMPLETED)` over every pending
output and starts again after each wake-up. Against a real engine RPCs are slow and few outputs finish
per wake-up anyway; against the mocks everything is ready at once and that loop re-arms a callback on
each of thousands of outputs per wave: a 40-service stack spent half its evaluation there. This variant
waits for each snapshot of pending outputs to finish completely, then looks for new ones. It ends in
the same state (every RPC and output settled, the first failure re-raised) with far fewer wake-ups.

Against the mocks every output settles within seconds, so one that has not after OUTPUTS_TIMEOUT_SECONDS
never will (an apply awaiting a future nothing resolves): the wait raises OutputsNeverResolved, and the
review reports it instead of hanging.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from typing import NoReturn

from pulumi.runtime import stack
from pulumi.runtime.settings import SETTINGS, _get_rpc_manager

OUTPUTS_TIMEOUT_SECONDS = 120.0


class OutputsNeverResolved(Exception):
    """The program left outputs or RPCs pending past the timeout; the message says how many."""


async def wait_for_rpcs(await_all_outstanding_tasks: bool = True) -> None:
    """The SDK's function of that name (pulumi 3.272.0, runtime/stack.py), with a deadline."""
    rpc_manager = _get_rpc_manager()
    deadline = asyncio.get_running_loop().time() + OUTPUTS_TIMEOUT_SECONDS

    def remaining() -> float:
        return max(0.0, deadline - asyncio.get_running_loop().time())

    while True:
        while rpc_manager.rpcs:
            await asyncio.sleep(0)
            rpc = rpc_manager.rpcs.pop()
            try:
                await asyncio.wait_for(asyncio.shield(rpc), remaining())
            except TimeoutError:
                _never_resolved("RPCs", len(rpc_manager.rpcs) + 1)
        if rpc_manager.unhandled_exception is not None:
            raise rpc_manager.unhandled_exception.with_traceback(rpc_manager.exception_traceback)
        while await_all_outstanding_tasks:
            with SETTINGS.lock:
                pending = list(SETTINGS.outputs)
                SETTINGS.outputs.clear()
            if not pending:
                break
            _, still_pending = await asyncio.wait(pending, timeout=remaining())
            if still_pending:
                _never_resolved("outputs", len(still_pending))
            for task in pending:
                await task  # re-raises the output's failure, as the SDK does
        if not rpc_manager.rpcs:
            return


def _never_resolved(what: str, count: int) -> NoReturn:
    raise OutputsNeverResolved(
        f"{count} {what} of the program never resolved within {OUTPUTS_TIMEOUT_SECONDS:.0f} s (an apply or "
        "await on a value nothing provides?); nothing was reviewed"
    )


@contextlib.contextmanager
def settled_in_waves() -> Iterator[None]:
    """Use `wait_for_rpcs` above while the block runs; the SDK's own afterwards."""
    original = stack.wait_for_rpcs
    stack.wait_for_rpcs = wait_for_rpcs
    try:
        yield
    finally:
        stack.wait_for_rpcs = original
