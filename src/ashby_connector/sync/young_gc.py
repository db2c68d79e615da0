"""A larger young-generation threshold for Python's cyclic garbage collector while syncs run.

Each page parses into thousands of dicts and lists that live only until the page is stored, and
hold no reference cycles (reference counting frees them). At CPython's default threshold (700
net new containers) the collector runs several times per page while those records are still
alive, moves them to older generations, and so makes full collections of the whole heap frequent:
at 20,000 candidates that was about a fifth of the sync's CPU (docs/development.md, "Where a sync's CPU
goes"). With a threshold above a page's size, a page is freed before a collection sees it.

The threshold is process-wide: raised while at least one sync runs in the process, restored when
the last one ends. Cyclic garbage made meanwhile is still collected, a little later.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

YOUNG_THRESHOLD = 20_000

_lock = threading.Lock()
_running = 0
_saved: tuple[int, int, int] | None = None


@contextmanager
def relaxed_gc(threshold: int | None = None) -> Iterator[None]:
    """While this runs, the young threshold is at least ``threshold`` (``YOUNG_THRESHOLD``)."""
    global _running, _saved
    threshold = threshold or YOUNG_THRESHOLD
    with _lock:
        if _running == 0:
            _saved = gc.get_threshold()
            if _saved[0] < threshold:
                gc.set_threshold(threshold, _saved[1], _saved[2])
        _running += 1
    try:
        yield
    finally:
        with _lock:
            _running -= 1
            if _running == 0 and _saved is not None:
                gc.set_threshold(*_saved)
                _saved = None
