"""Reading request bodies with a size limit that holds even without (or against) Content-Length."""

from __future__ import annotations

from starlette.requests import Request
from starlette.types import Message


class BodyTooLarge(Exception):
    """The body is over the limit; reading stopped as soon as it was."""


async def read_at_most(request: Request, limit: int) -> bytes:
    """The body, counting the bytes actually received (chunked requests have no Content-Length).

    Raises BodyTooLarge past `limit`; starlette's ClientDisconnect when the client goes away.
    """
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge
        chunks.append(chunk)
    return b"".join(chunks)


def with_body(request: Request, body: bytes) -> Request:
    """The same request, its body already read, for code that reads it again (Bolt's adapter)."""

    async def replay() -> Message:
        return {"type": "http.request", "body": body, "more_body": False}

    return Request(request.scope, receive=replay)
