"""Bases of the generated resource namespaces (``client.candidate`` ...) and the hand-written
file helpers mixed into ``client.file``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from ashby_connector.client._files import read_file
from ashby_connector.client._types import FileHandleInput, FileInput, handle_of

if TYPE_CHECKING:
    from ashby_connector.client._async import AsyncAshbyClient
    from ashby_connector.client._sync import AshbyClient

UploadContext = Literal["CandidateResume", "CandidateFiles", "ApplicationForm"]


def handle_request(
    file: FileInput, context: UploadContext, filename: str | None, content_type: str | None
) -> tuple[dict[str, Any], tuple[str, bytes, str]]:
    name, content, ctype = read_file(file, filename, content_type)
    body = {
        "filename": name,
        "contentType": ctype,
        "contentLength": len(content),
        "fileUploadContext": context,
    }
    return body, (name, content, ctype)


class SyncResource:
    def __init__(self, client: AshbyClient) -> None:
        self._client = client


class AsyncResource:
    def __init__(self, client: AsyncAshbyClient) -> None:
        self._client = client


class SyncFileHelpers(SyncResource):
    def upload(
        self,
        file: FileInput,
        *,
        context: UploadContext = "CandidateFiles",
        filename: str | None = None,
        content_type: str | None = None,
    ) -> str:
        """Upload a file (path, bytes or binary file object); return the handle to pass on.

        Runs ``file.createFileUploadHandle``, then POSTs the file to the signed URL it returns.
        Pass the handle as ``resume_handle`` to ``candidate.upload_resume``, as ``file_handle`` to
        ``candidate.upload_file``, or inside ``applicationForm.fieldSubmissions``.
        """
        body, parts = handle_request(file, context, filename, content_type)
        target = self._client._results("file.createFileUploadHandle", body)
        self._client._upload_to_storage(target["url"], target.get("fields") or {}, parts)
        return str(target["handle"])

    def download(self, file_handle: FileHandleInput) -> bytes:
        """The content of a file, via the short-lived URL ``file.info`` returns.

        ``file_handle`` is the handle string or the handle object a record carries
        (``candidate.resume_file_handle``, an item of ``candidate.file_handles``).
        """
        info = self._client._results("file.info", {"fileHandle": handle_of(file_handle)})
        return self._client._download(str(info["url"]))

    def download_to(self, file_handle: FileHandleInput, path: str | Path) -> Path:
        target = Path(path)
        target.write_bytes(self.download(file_handle))
        return target


class AsyncFileHelpers(AsyncResource):
    async def upload(
        self,
        file: FileInput,
        *,
        context: UploadContext = "CandidateFiles",
        filename: str | None = None,
        content_type: str | None = None,
    ) -> str:
        """Async ``SyncFileHelpers.upload``."""
        body, parts = handle_request(file, context, filename, content_type)
        target = await self._client._results("file.createFileUploadHandle", body)
        await self._client._upload_to_storage(target["url"], target.get("fields") or {}, parts)
        return str(target["handle"])

    async def download(self, file_handle: FileHandleInput) -> bytes:
        """Async ``SyncFileHelpers.download``."""
        info = await self._client._results("file.info", {"fileHandle": handle_of(file_handle)})
        return await self._client._download(str(info["url"]))

    async def download_to(self, file_handle: FileHandleInput, path: str | Path) -> Path:
        target = Path(path)
        target.write_bytes(await self.download(file_handle))
        return target
