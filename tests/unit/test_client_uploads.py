"""File uploads (handle flow and multipart endpoints) from a path, bytes or a file object, and
downloads through ``file.info``. Ashby's key never goes to the storage URLs."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path
from typing import Any

import pytest
import respx

from ashby_connector import APIError, AshbyClient, AsyncAshbyClient
from ashby_connector.client._files import read_file

BASE = "http://ashby.test"
STORAGE = "http://storage.test"


def client() -> AshbyClient:
    return AshbyClient("k", base_url=BASE, rate_limit_per_minute=None)


def handle_answer() -> dict[str, Any]:
    return {
        "success": True,
        "results": {"handle": "h-1", "url": f"{STORAGE}/upload", "fields": {"key": "abc", "policy": "p"}},
    }


@pytest.fixture
def cv(tmp_path: Path) -> Path:
    path = tmp_path / "cv.pdf"
    path.write_bytes(b"%PDF-1.4 resume")
    return path


@pytest.mark.parametrize("kind", ["path", "str", "bytes", "fileobj"])
def test_upload_from_any_source(kind: str, cv: Path) -> None:
    source: Any = {
        "path": cv,
        "str": str(cv),
        "bytes": cv.read_bytes(),
        "fileobj": cv.open("rb"),
    }[kind]
    filename = None if kind != "bytes" else "cv.pdf"
    with respx.mock() as mock:
        create = mock.post(f"{BASE}/file.createFileUploadHandle").respond(200, json=handle_answer())
        store = mock.post(f"{STORAGE}/upload").respond(204)
        with client() as c:
            handle = c.file.upload(source, context="CandidateResume", filename=filename)
    assert handle == "h-1"
    import json

    assert json.loads(create.calls.last.request.content) == {
        "filename": "cv.pdf",
        "contentType": "application/pdf",
        "contentLength": len(b"%PDF-1.4 resume"),
        "fileUploadContext": "CandidateResume",
    }
    sent = store.calls.last.request
    assert "authorization" not in sent.headers  # never send the Ashby key to storage
    content = sent.content
    # The storage fields come first, the file last.
    assert content.index(b'name="key"') < content.index(b'name="policy"') < content.index(b'name="file"')
    assert b"%PDF-1.4 resume" in content


def test_upload_failure_at_storage_is_reported() -> None:
    with respx.mock() as mock:
        mock.post(f"{BASE}/file.createFileUploadHandle").respond(200, json=handle_answer())
        mock.post(f"{STORAGE}/upload").respond(403)
        with client() as c, pytest.raises(APIError, match="signed URL may have expired"):
            c.file.upload(b"x", filename="a.txt")


def test_multipart_endpoint_with_a_file() -> None:
    with respx.mock(base_url=BASE) as mock:
        route = mock.post("/candidate.uploadResume").respond(
            200, json={"success": True, "results": {"id": "c"}}
        )
        with client() as c:
            cand = c.candidate.upload_resume(candidate_id="c", resume=io.BytesIO(b"resume-bytes"))
    assert cand.id == "c"
    sent = route.calls.last.request
    assert sent.headers["content-type"].startswith("multipart/form-data")
    assert sent.headers["authorization"].startswith("Basic ")
    assert b'name="candidateId"' in sent.content and b'name="resume"' in sent.content
    assert b"resume-bytes" in sent.content


def test_same_endpoint_with_a_handle_is_json() -> None:
    with respx.mock(base_url=BASE) as mock:
        route = mock.post("/candidate.uploadResume").respond(
            200, json={"success": True, "results": {"id": "c"}}
        )
        with client() as c:
            c.candidate.upload_resume(candidate_id="c", resume_handle="h-1")
    assert route.calls.last.request.headers["content-type"] == "application/json"


def test_application_form_submit_with_files_per_field_path() -> None:
    with respx.mock(base_url=BASE) as mock:
        route = mock.post("/applicationForm.submit").respond(200, json={"success": True, "results": {}})
        with client() as c:
            c.application_form.submit(
                job_posting_id="jp",
                application_form={"fieldSubmissions": [{"path": "_systemfield_resume", "value": "file1"}]},
                files={"file1": b"cv"},
            )
    content = route.calls.last.request.content
    assert b'name="file1"' in content and b'name="applicationForm"' in content
    assert b'"fieldSubmissions"' in content


def test_download_through_file_info(tmp_path: Path) -> None:
    with respx.mock() as mock:
        mock.post(f"{BASE}/file.info").respond(
            200, json={"success": True, "results": {"url": f"{STORAGE}/f"}}
        )
        get = mock.get(f"{STORAGE}/f").respond(200, content=b"file-content")
        with client() as c:
            assert c.file.download("h-1") == b"file-content"
            target = c.file.download_to("h-1", tmp_path / "out.bin")
    assert target.read_bytes() == b"file-content"
    assert "authorization" not in get.calls.last.request.headers


def test_async_upload_and_download() -> None:
    async def go() -> tuple[str, bytes]:
        async with AsyncAshbyClient("k", base_url=BASE, rate_limit_per_minute=None) as c:
            return await c.file.upload(b"abc", filename="a.txt"), await c.file.download("h-1")

    with respx.mock() as mock:
        mock.post(f"{BASE}/file.createFileUploadHandle").respond(200, json=handle_answer())
        mock.post(f"{STORAGE}/upload").respond(201)
        mock.post(f"{BASE}/file.info").respond(
            200, json={"success": True, "results": {"url": f"{STORAGE}/f"}}
        )
        mock.get(f"{STORAGE}/f").respond(200, content=b"data")
        assert asyncio.run(go()) == ("h-1", b"data")


def test_text_mode_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_text("x")
    with path.open() as f, pytest.raises(TypeError, match="binary mode"):
        read_file(f)  # type: ignore[arg-type]
