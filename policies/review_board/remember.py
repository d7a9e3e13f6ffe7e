"""A memo keyed on the identity of the argument, for values the pack decodes once and reads many times.

Identity, not equality: the argument (a protobuf message, a decoded dict, a proxy) is the very object the
SDK hands each policy of one call, and comparing it by value would cost what the memo saves. The memo
holds each key it remembers, so no other object can take that identity while the answer is cached.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from typing import Any


class RememberLast:
    """`function(argument)` for the last `remembered` arguments, by identity; other calls pass through."""

    def __init__(self, function: Callable[..., Any], remembered: int) -> None:
        self.function = function
        self.remembered = remembered
        self.entries: OrderedDict[int, tuple[Any, Any]] = OrderedDict()

    def __call__(self, argument: Any, *rest: Any, **options: Any) -> Any:
        if rest or options:
            return self.function(argument, *rest, **options)
        entry = self.entries.get(id(argument))
        if entry is not None and entry[0] is argument:
            return entry[1]
        result = self.function(argument)
        self.entries[id(argument)] = (argument, result)
        if len(self.entries) > self.remembered:
            self.entries.popitem(last=False)
        return result
