"""Fetch the next page while the current one is being stored.

Storing a page and fetching the next are independent (the checkpoint stored is the current
page's ``nextCursor``), so one page of read-ahead keeps Ashby busy while the store writes. A page
read ahead but never stored is simply fetched again on resume: nothing is lost or duplicated.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from typing import TypeVar

T = TypeVar("T")

_DONE = object()


class _Failure:
    def __init__(self, exc: BaseException) -> None:
        self.exc = exc


def read_ahead(source: Iterator[T], *, name: str = "prefetch") -> Iterator[T]:
    """Yield ``source``'s items, produced one step ahead in a helper thread."""
    slot: queue.Queue[object] = queue.Queue(maxsize=1)
    stop = threading.Event()

    def produce() -> None:
        try:
            for item in source:
                while not stop.is_set():
                    try:
                        slot.put(item, timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            slot.put(_DONE)
        except BaseException as exc:  # handed to the consumer, raised there
            slot.put(_Failure(exc))

    thread = threading.Thread(target=produce, name=name, daemon=True)
    thread.start()
    try:
        while True:
            item = slot.get()
            if item is _DONE:
                return
            if isinstance(item, _Failure):
                raise item.exc
            yield item  # type: ignore[misc]
    finally:
        stop.set()
