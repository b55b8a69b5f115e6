"""What a store of created things keeps: the newest, within a count and a byte budget.

Stores that keep what clients created (responses, batches, transcriptions) are bounded
twice, so a long-running fake or a test that sends large bodies in a loop cannot take the
machine's memory: at most `limit` items and `max_bytes` of their sizes (each store says
what an item's size counts). Past either bound the oldest items are forgotten first; the
one just added always stays, since its creator reads it back at once. A forgotten item is
as unknown as one never created: its get is a 404.

Not locked: each store holds its own lock around these calls.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Generic, TypeVar

V = TypeVar("V")


def text_bytes(text: str) -> int:
    """What a text counts against a byte budget: its UTF-8, up to four bytes a character
    (counting characters could keep several times the bound)."""
    return len(text) if text.isascii() else len(text.encode("utf-8", "surrogatepass"))


class BoundedItems(Generic[V]):
    """Items by id, oldest first, within `limit` items and `max_bytes` of their sizes."""

    def __init__(self, limit: int, max_bytes: int) -> None:
        self.limit = limit
        self.max_bytes = max_bytes
        self._items: OrderedDict[str, tuple[V, int]] = OrderedDict()
        self.held_bytes = 0
        """The sizes of the items kept, added up: at most `max_bytes`, unless the newest
        item alone is larger."""

    def put(self, item_id: str, item: V, size: int) -> None:
        """Keep `item` as the newest (replacing one of the same id), then forget the
        oldest while over a bound."""
        old = self._items.pop(item_id, None)
        if old is not None:
            self.held_bytes -= old[1]
        self._items[item_id] = (item, size)
        self.held_bytes += size
        while len(self._items) > 1 and (
            len(self._items) > self.limit or self.held_bytes > self.max_bytes
        ):
            _, (_, dropped) = self._items.popitem(last=False)
            self.held_bytes -= dropped

    def get(self, item_id: str) -> V | None:
        found = self._items.get(item_id)
        return None if found is None else found[0]

    def newest_first(self) -> list[V]:
        return [item for item, _ in reversed(self._items.values())]

    def __len__(self) -> int:
        return len(self._items)
