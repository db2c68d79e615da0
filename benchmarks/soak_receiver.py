"""The soak's subscriber, in a process of its own: it answers every POST with 200 and appends the
body (one JSON event) as a line to a file.

In the soak's own process it would share one interpreter with the emulator serving a hundred
connections, and the deliveries would measure that process rather than the deployment.

    python benchmarks/soak_receiver.py PORT FILE
"""

from __future__ import annotations

import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


def serve(port: int, path: str) -> None:
    lock = threading.Lock()
    out = open(path, "ab")  # noqa: SIM115 - open for the process's life

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive: a deliverer may reuse its connection

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length") or 0))
            with lock:
                out.write(body.replace(b"\n", b" ") + b"\n")
                out.flush()
            self.send_response(200)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    server.serve_forever()


if __name__ == "__main__":
    serve(int(sys.argv[1]), sys.argv[2])
