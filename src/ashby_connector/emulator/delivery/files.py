"""Files: upload handles, the upload and download URLs the emulator serves, multipart parsing.

Ashby hands out an S3-style presigned POST (``{handle, url, fields}``, valid 10 minutes) and, for
``file.info``, a short-lived signed GET URL. The emulator serves both itself under ``/_files/`` so
a client exercises the same two-step flow against 127.0.0.1. Bytes are kept in memory, exactly as
received, so round trips are byte-exact.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import quote

UPLOAD_TTL_SECONDS = 600.0
DOWNLOAD_TTL_SECONDS = 900.0
CONTEXTS = ("CandidateResume", "CandidateFiles", "ApplicationForm")


class FileError(Exception):
    """A rejected upload or download; ``status`` is the HTTP status the file URL answers."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


@dataclass
class StoredFile:
    handle: str
    filename: str
    content_type: str
    context: str
    data: bytes = b""
    uploaded: bool = False
    created_at: float = field(default_factory=time.time)

    @property
    def size(self) -> int:
        return len(self.data)


@dataclass
class PendingUpload:
    token: str
    handle: str
    expires_at: float
    content_length: int
    fields: dict[str, str]


@dataclass
class Part:
    """One part of a multipart/form-data body."""

    name: str
    data: bytes
    filename: str | None = None
    content_type: str | None = None

    def text(self) -> str:
        return self.data.decode("utf-8")


class FileStore:
    """Every file the emulator holds, keyed by handle, plus pending upload tokens."""

    def __init__(
        self,
        *,
        upload_ttl_seconds: float = UPLOAD_TTL_SECONDS,
        download_ttl_seconds: float = DOWNLOAD_TTL_SECONDS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.upload_ttl_seconds = upload_ttl_seconds
        self.download_ttl_seconds = download_ttl_seconds
        self.clock = clock
        self._key = secrets.token_bytes(32)
        self._files: dict[str, StoredFile] = {}
        self._pending: dict[str, PendingUpload] = {}
        self._lock = threading.Lock()

    # -- the two-step upload ----------------------------------------------------------------

    def create_upload_handle(
        self, *, filename: str, content_type: str, content_length: int, context: str, base_url: str
    ) -> dict[str, object]:
        """What ``file.createFileUploadHandle`` returns: ``{handle, url, fields}``."""
        handle = _new_handle()
        token = secrets.token_urlsafe(24)
        expires_at = self.clock() + self.upload_ttl_seconds
        # Shaped like an S3 presigned POST: the client must send these back before the file.
        fields = {
            "key": f"{context}/{handle}/{filename}",
            "Content-Type": content_type,
            "x-emulator-expires": str(int(expires_at)),
            "x-emulator-signature": self._sign(f"upload:{token}:{handle}"),
        }
        with self._lock:
            self._files[handle] = StoredFile(handle, filename, content_type, context)
            self._pending[token] = PendingUpload(token, handle, expires_at, content_length, fields)
        return {"handle": handle, "url": f"{base_url.rstrip('/')}/_files/upload/{token}", "fields": fields}

    def accept_upload(self, token: str, parts: list[Part]) -> StoredFile:
        """Store the file POSTed to an upload URL; raises ``FileError`` like S3 would."""
        with self._lock:
            pending = self._pending.get(token)
        if pending is None:
            raise FileError(404, "NoSuchUpload", "unknown upload URL")
        if self.clock() > pending.expires_at:
            raise FileError(403, "AccessDenied", "upload URL expired")
        if not parts or parts[-1].filename is None or parts[-1].name != "file":
            raise FileError(400, "InvalidArgument", "the last part must be the file, named 'file'")
        sent = {p.name: p.text() for p in parts[:-1]}
        for name, value in pending.fields.items():
            if sent.get(name) != value:
                raise FileError(403, "AccessDenied", f"field {name!r} missing or altered")
        data = parts[-1].data
        if len(data) > pending.content_length:
            raise FileError(400, "EntityTooLarge", "file larger than the declared contentLength")
        with self._lock:
            stored = self._files[pending.handle]
            stored.data = data
            stored.uploaded = True
            del self._pending[token]
        return stored

    def expire_uploads(self) -> int:
        """Make every pending upload URL expired (control API); returns how many."""
        with self._lock:
            for pending in self._pending.values():
                pending.expires_at = 0.0
            return len(self._pending)

    # -- direct storage (multipart API calls) and lookups -------------------------------------

    def store(self, *, filename: str, content_type: str, data: bytes, context: str) -> StoredFile:
        stored = StoredFile(_new_handle(), filename, content_type, context, data, uploaded=True)
        with self._lock:
            self._files[stored.handle] = stored
        return stored

    def get(self, handle: str) -> StoredFile | None:
        """The file behind ``handle`` once its bytes arrived; None otherwise."""
        with self._lock:
            stored = self._files.get(handle)
        if stored is None and handle.startswith(GENERATED_PREFIX):
            return _generated(handle)
        return stored if stored is not None and stored.uploaded else None

    # -- signed download URLs ---------------------------------------------------------------

    def download_url(self, handle: str, *, base_url: str) -> str:
        expires = int(self.clock() + self.download_ttl_seconds)
        signature = self._sign(f"download:{handle}:{expires}")
        query = f"expires={expires}&signature={signature}"
        return f"{base_url.rstrip('/')}/_files/download/{quote(handle)}?{query}"

    def open_download(self, handle: str, expires: str | None, signature: str | None) -> StoredFile:
        if not expires or not signature or not expires.isdigit():
            raise FileError(403, "AccessDenied", "missing signature")
        if not hmac.compare_digest(signature, self._sign(f"download:{handle}:{expires}")):
            raise FileError(403, "SignatureDoesNotMatch", "bad signature")
        if self.clock() > int(expires):
            raise FileError(403, "AccessDenied", "download URL expired")
        stored = self.get(handle)
        if stored is None:
            raise FileError(404, "NoSuchKey", "no such file")
        return stored

    def _sign(self, message: str) -> str:
        return hmac.new(self._key, message.encode("utf-8"), hashlib.sha256).hexdigest()


# Files of the generated organisation (resumes, offer letters): their bytes are made from the
# handle on demand, so an organisation of a million candidates holds no file in memory.
GENERATED_PREFIX = "emulated-file-"


def _generated(handle: str) -> StoredFile:
    name = handle.rsplit("-", 1)[-1]
    data = f"%PDF-1.4\n% emulated {name} for {handle[len(GENERATED_PREFIX) :]}\n%%EOF\n".encode()
    return StoredFile(handle, f"{name}.pdf", "application/pdf", "CandidateFiles", data, uploaded=True)


def _new_handle() -> str:
    return f"fh_{uuid.uuid4().hex}"


# -- multipart/form-data ----------------------------------------------------------------------
# Parsed by hand so the emulator needs no extra dependency and keeps the bytes untouched.


def boundary_of(content_type: str) -> str | None:
    for piece in content_type.split(";")[1:]:
        key, _, value = piece.strip().partition("=")
        if key.lower() == "boundary":
            return value.strip('"')
    return None


def parse_multipart(body: bytes, content_type: str) -> list[Part]:
    """The parts of a multipart/form-data body, in order; raises ``ValueError`` when malformed."""
    if not content_type.lower().startswith("multipart/form-data"):
        raise ValueError("not multipart/form-data")
    boundary = boundary_of(content_type)
    if not boundary:
        raise ValueError("multipart body without a boundary")
    # The delimiter is CRLF + "--" + boundary; the CRLF belongs to it, not to the part before.
    delimiter = b"\r\n--" + boundary.encode("latin-1")
    chunks = (b"\r\n" + body).split(delimiter)
    if len(chunks) < 3:
        raise ValueError("multipart body without parts")
    parts: list[Part] = []
    for chunk in chunks[1:]:
        if chunk.startswith(b"--"):
            break  # the closing delimiter
        # What follows the delimiter on its line (transport padding) ends with CRLF.
        _, _, chunk = chunk.partition(b"\r\n")
        head, sep, data = chunk.partition(b"\r\n\r\n")
        if not sep:
            raise ValueError("multipart part without headers")
        headers = _part_headers(head.decode("utf-8", "replace"))
        disposition = _disposition(headers.get("content-disposition", ""))
        if "name" not in disposition:
            raise ValueError("multipart part without a name")
        parts.append(
            Part(disposition["name"], data, disposition.get("filename"), headers.get("content-type"))
        )
    return parts


def _part_headers(head: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for line in head.split("\r\n"):
        key, _, value = line.partition(":")
        if key:
            out[key.strip().lower()] = value.strip()
    return out


def _disposition(value: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for piece in value.split(";")[1:]:
        key, _, val = piece.strip().partition("=")
        out[key.lower()] = val.strip().strip('"')
    return out
