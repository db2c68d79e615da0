"""/docs and /redoc work without internet access: every file they load comes from the server."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

from ashby_connector.emulator import EmulatorHandle
from tests.e2e.server_harness import run_server

ASSET = re.compile(r"""(?:src|href)=["']([^"']+)["']|url:\s*["']([^"']+)["']""")


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_api_docs_load_only_files_the_server_serves(
    page: str, emulator: EmulatorHandle, tmp_path: Path
) -> None:
    with (
        run_server(emulator.base_url, f"sqlite:///{tmp_path / 'server.db'}") as server,
        httpx.Client(base_url=server.url, timeout=30) as http,
    ):
        html = http.get(page)
        assert html.status_code == 200
        assert "http://" not in html.text and "https://" not in html.text, html.text
        urls = {a or b for a, b in ASSET.findall(html.text)}
        scripts = [u for u in urls if u.endswith(".js")]
        assert scripts, html.text
        for url in urls:
            answer = http.get(url)
            assert answer.status_code == 200, url
            assert answer.content, url
        if page == "/docs":
            assert "/openapi.json" in urls
            assert any(u.endswith(".css") for u in urls)
