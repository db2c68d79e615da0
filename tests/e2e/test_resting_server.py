"""``serve``'s uvicorn server wakes once a second rather than ten times, and still refreshes the
``date`` header every second and stops on a shutdown signal."""

from __future__ import annotations

import signal
import socket
import threading
import time

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from ashby_connector.server.resting_server import RestingServer


class _Counting(RestingServer):
    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.counters: list[int] = []

    async def on_tick(self, counter: int) -> bool:
        self.counters.append(counter)
        return await super().on_tick(counter)


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_it_answers_with_a_date_ticks_once_a_second_and_stops_on_a_signal() -> None:
    app = Starlette(routes=[Route("/", lambda request: PlainTextResponse("ok"))])
    port = _port()
    server = _Counting(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        assert thread.is_alive()
        time.sleep(0.02)
    answer = httpx.get(f"http://127.0.0.1:{port}/")
    assert answer.text == "ok" and answer.headers["date"].endswith("GMT")
    time.sleep(2.2)
    # Every pass is a once-a-second pass for uvicorn (the date header refreshed each time); ten a
    # second would show counters that are not multiples of ten.
    assert server.counters and all(counter % 10 == 0 for counter in server.counters)
    server.handle_exit(signal.SIGTERM, None)
    thread.join(10)
    assert not thread.is_alive()
