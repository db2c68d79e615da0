"""uvicorn's server with a main loop that rests: it wakes once a second, not ten times.

uvicorn's ``Server.main_loop`` sleeps 0.1 s between checks of its exit flag (and refreshes the
``date`` header every tenth check). With nothing to do, those ten wake-ups a second were a third
of an idle ``serve``'s CPU (11 of 29 ticks over 30 s on the 2-core machine). Here the loop waits
up to a second on an event that a shutdown signal sets, so the ``date`` header still changes every
second and a shutdown starts at once.
"""

from __future__ import annotations

import asyncio
import contextlib
from types import FrameType

import uvicorn

# uvicorn's ``on_tick`` does its once-a-second work when the counter is a multiple of this.
_TICKS_PER_SECOND = 10
_COUNTER_WRAP = 864_000


class RestingServer(uvicorn.Server):
    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._exit_asked: asyncio.Event | None = None

    async def main_loop(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._exit_asked = asyncio.Event()
        counter = 0
        should_exit = await self.on_tick(counter)
        while not should_exit:
            counter = (counter + _TICKS_PER_SECOND) % _COUNTER_WRAP
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._exit_asked.wait(), 1.0)
            should_exit = await self.on_tick(counter)

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        super().handle_exit(sig, frame)
        loop, asked = self._loop, self._exit_asked
        if loop is not None and asked is not None and not loop.is_closed():
            loop.call_soon_threadsafe(asked.set)


def run(app: object, **options: object) -> None:
    """``uvicorn.run(app, **options)`` with the resting main loop."""
    RestingServer(uvicorn.Config(app, **options)).run()  # type: ignore[arg-type]
