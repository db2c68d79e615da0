"""Files: the upload-handle flow, the deprecated multipart endpoints, signed download URLs."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from ashby_connector.emulator.delivery.files import FileStore, Part, parse_multipart
from tests.e2e._emulator_extras import Api, emulator_api


@pytest.fixture(scope="module")
def api() -> Iterator[Api]:
    with emulator_api(seed=11) as a:
        yield a


@pytest.fixture
def candidate_id(api: Api) -> str:
    return str(api.ok("candidate.create", {"name": "File Owner"})["id"])


def _handle(api: Api, length: int = 3) -> dict[str, Any]:
    body = {"filename": "a.pdf", "contentType": "application/pdf", "contentLength": length}
    result: dict[str, Any] = api.ok(
        "file.createFileUploadHandle", {**body, "fileUploadContext": "CandidateFiles"}
    )
    return result


def _upload(api: Api, data: bytes, context: str = "CandidateResume", name: str = "cv.pdf") -> str:
    handle = api.ok(
        "file.createFileUploadHandle",
        {
            "filename": name,
            "contentType": "application/pdf",
            "contentLength": len(data),
            "fileUploadContext": context,
        },
    )
    assert handle["url"].startswith(api.emu.base_url + "/_files/upload/")
    # Fields first, the file last, as for S3 presigned POSTs.
    resp = httpx.post(handle["url"], data=handle["fields"], files={"file": (name, data, "application/pdf")})
    assert resp.status_code == 204, resp.text
    return str(handle["handle"])


def _download(api: Api, handle: str) -> bytes:
    url = api.ok("file.info", {"fileHandle": handle})["url"]
    resp = httpx.get(url)
    assert resp.status_code == 200
    return resp.content


def test_upload_handle_round_trip_is_byte_exact(api: Api, candidate_id: str) -> None:
    data = os.urandom(50_000) + b"\r\n--boundary\r\n\r\n"
    handle = _upload(api, data)
    cand = api.ok("candidate.uploadResume", {"candidateId": candidate_id, "resumeHandle": handle})
    assert cand["resumeFileHandle"]["handle"] == handle
    assert _download(api, handle) == data


def test_upload_file_with_handle(api: Api, candidate_id: str) -> None:
    data = b"%PDF-1.4 portfolio"
    handle = _upload(api, data, "CandidateFiles", "portfolio.pdf")
    cand = api.ok("candidate.uploadFile", {"candidateId": candidate_id, "fileHandle": handle})
    assert any(f["handle"] == handle and f["name"] == "portfolio.pdf" for f in cand["fileHandles"])
    assert _download(api, handle) == data


@pytest.mark.parametrize(
    ("op", "field"), [("candidate.uploadResume", "resume"), ("candidate.uploadFile", "file")]
)
def test_deprecated_multipart_endpoints(api: Api, candidate_id: str, op: str, field: str) -> None:
    data = os.urandom(4096)
    resp = api.http.post(
        f"/{op}", data={"candidateId": candidate_id}, files={field: ("x.bin", data, "application/pdf")}
    )
    body = resp.json()
    assert body["success"] is True, body
    handle = body["results"]["fileHandles"][-1]["handle"]
    assert _download(api, handle) == data


def test_unknown_handle_is_an_error(api: Api, candidate_id: str) -> None:
    assert api.error("file.info", {"fileHandle": "fh_nope"}) == "file_not_found"
    code = api.error("candidate.uploadResume", {"candidateId": candidate_id, "resumeHandle": "fh_nope"})
    assert code == "file_not_found"


def test_handle_without_bytes_is_not_usable(api: Api, candidate_id: str) -> None:
    handle = _handle(api)["handle"]
    assert (
        api.error("candidate.uploadFile", {"candidateId": candidate_id, "fileHandle": handle})
        == "file_not_found"
    )


def test_upload_rejects_altered_fields_and_oversize(api: Api) -> None:
    h = _handle(api)
    bad = {**h["fields"], "key": "elsewhere"}
    assert httpx.post(h["url"], data=bad, files={"file": ("a.pdf", b"abc")}).status_code == 403
    assert httpx.post(h["url"], data=h["fields"], files={"file": ("a.pdf", b"abcdef")}).status_code == 400


def test_upload_url_expires(api: Api) -> None:
    h = _handle(api)
    api.control("files/expire_uploads")
    assert httpx.post(h["url"], data=h["fields"], files={"file": ("a.pdf", b"abc")}).status_code == 403


def test_download_url_is_signed(api: Api) -> None:
    handle = _upload(api, b"secret bytes")
    url = api.ok("file.info", {"fileHandle": handle})["url"]
    tampered = url.replace("signature=", "signature=0")
    assert httpx.get(tampered).status_code == 403
    assert httpx.get(url.split("?")[0]).status_code == 403


def test_download_url_expiry_unit() -> None:
    now = [1000.0]
    store = FileStore(download_ttl_seconds=60, clock=lambda: now[0])
    stored = store.store(filename="a", content_type="text/plain", data=b"x", context="CandidateFiles")
    url = store.download_url(stored.handle, base_url="http://127.0.0.1:1")
    query = dict(p.split("=") for p in url.split("?")[1].split("&"))
    assert store.open_download(stored.handle, query["expires"], query["signature"]).data == b"x"
    now[0] += 61
    with pytest.raises(Exception, match="expired"):
        store.open_download(stored.handle, query["expires"], query["signature"])


def test_upload_expiry_unit() -> None:
    now = [time.time()]
    store = FileStore(upload_ttl_seconds=600, clock=lambda: now[0])
    h = store.create_upload_handle(
        filename="a",
        content_type="text/plain",
        content_length=1,
        context="CandidateFiles",
        base_url="http://x",
    )
    token = str(h["url"]).rsplit("/", 1)[1]
    now[0] += 601
    fields = h["fields"]
    assert isinstance(fields, dict)
    parts = [Part(k, v.encode()) for k, v in fields.items()] + [Part("file", b"1", "a")]
    with pytest.raises(Exception, match="expired"):
        store.accept_upload(token, parts)


def test_multipart_parser_keeps_bytes() -> None:
    data = bytes(range(256)) * 10 + b"\r\n"
    req = httpx.Request(
        "POST", "http://x/", data={"a": "1"}, files={"file": ("f.bin", data, "application/x")}
    )
    body = req.read()
    parts = parse_multipart(body, req.headers["content-type"])
    assert [p.name for p in parts] == ["a", "file"]
    assert parts[1].data == data and parts[1].filename == "f.bin"


def test_application_form_multipart_with_resume(api: Api) -> None:
    import json

    posting = next(p for p in api.ok("jobPosting.list", {}) if p.get("isListed"))
    data = os.urandom(2048)
    form = {
        "fieldSubmissions": [
            {"path": "_systemfield_name", "value": "Multi Part"},
            {"path": "_systemfield_email", "value": "multi.part@example.com"},
        ]
    }
    resp = api.http.post(
        "/applicationForm.submit",
        data={"jobPostingId": posting["id"], "applicationForm": json.dumps(form)},
        files={"_systemfield_resume": ("resume.pdf", data, "application/pdf")},
    ).json()
    assert resp["success"] is True, resp
    [cand] = api.ok("candidate.search", {"email": "multi.part@example.com"})
    assert _download(api, cand["resumeFileHandle"]["handle"]) == data
