"""``file.createFileUploadHandle`` and ``file.info`` (storage and URLs live in delivery/files.py)."""

from __future__ import annotations

from typing import Any

from ashby_connector.emulator.delivery.services import base_url, file_store
from ashby_connector.emulator.errors import ApiError, invalid_input
from ashby_connector.emulator.handlers.context import Ctx
from ashby_connector.emulator.handlers.registry import handler

# Ashby refuses bigger files; the emulator keeps bytes in memory, another reason for a cap.
MAX_FILE_BYTES = 100 * 1024 * 1024


@handler("file.createFileUploadHandle")
def create_upload_handle(ctx: Ctx) -> dict[str, Any]:
    length = ctx.need("contentLength")
    if not isinstance(length, int) or length < 0 or length > MAX_FILE_BYTES:
        raise invalid_input("contentLength", f"must be between 0 and {MAX_FILE_BYTES}")
    return file_store(ctx.state).create_upload_handle(
        filename=ctx.need("filename"),
        content_type=ctx.need("contentType"),
        content_length=length,
        context=ctx.need("fileUploadContext"),
        base_url=base_url(ctx),
    )


@handler("file.info")
def info(ctx: Ctx) -> dict[str, Any]:
    handle = ctx.need("fileHandle")
    store = file_store(ctx.state)
    if store.get(handle) is None:
        raise ApiError("file_not_found", f"No file with handle {handle}", meta={"fileHandle": handle})
    return {"url": store.download_url(handle, base_url=base_url(ctx))}
