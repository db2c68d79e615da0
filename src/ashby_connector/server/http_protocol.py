"""uvicorn's httptools protocol, with URLs too long for httptools to parse passed on to the app.

httptools keeps a URL's parts at 16-bit offsets, so it cannot parse a URL over 64 KB, and uvicorn
then answers a bare ``400 Invalid HTTP request received.`` outside our error envelope. Such a URL
is replaced by a short stand-in before parsing and its real length is put in the scope, so the
app's URL guard (``limits.UrlLimit``) answers it ``414 uri_too_long`` like any other long URL.
"""

from __future__ import annotations

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

# The scope key that carries the length of a URL the parser could not take.
URL_BYTES = "ashby_connector.url_bytes"
# Under httptools' 16-bit offsets, with room to spare.
_PARSEABLE = 60 * 1024


class HttpProtocol(HttpToolsProtocol):
    def on_headers_complete(self) -> None:
        length = len(self.url)
        if length > _PARSEABLE:
            self.url = b"/"
        super().on_headers_complete()
        if length > _PARSEABLE:
            self.scope[URL_BYTES] = length  # type: ignore[literal-required]
