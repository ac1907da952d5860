"""Pure ASGI middleware (no BaseHTTPMiddleware: it buffers and costs a task per request).

Guard: HEAD as GET without a body, a body limit on the bytes actually streamed (Content-Length is
only a claim), a time limit on receiving the body, and security headers on every response.
JSONCORS: Starlette's CORS with its rejections as JSON like every other error.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from typing import Any

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class Guard:
    def __init__(self, app: ASGIApp, max_body_bytes: int, body_timeout_s: float,
                 headers: Mapping[str, str], html_headers: Mapping[str, str]) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.body_timeout_s = body_timeout_s
        self.headers = [(k.lower().encode(), v.encode()) for k, v in headers.items()]
        self.html_headers = [(k.lower().encode(), v.encode()) for k, v in html_headers.items()]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        head = scope["method"] == "HEAD"
        if head:  # every GET route answers HEAD: the same status and headers, no body
            scope = {**scope, "method": "GET"}
        length = Headers(scope=scope).get("content-length")
        if length is not None and (not length.isdigit() or int(length) > self.max_body_bytes):
            await self._error(send, 413, f"request body larger than {self.max_body_bytes} bytes")
            return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            try:
                message = await asyncio.wait_for(receive(), self.body_timeout_s)
            except TimeoutError:
                raise HTTPException(408, f"request body not received within {self.body_timeout_s:g} s") from None
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body_bytes:  # a chunked body is counted as it arrives
                    raise HTTPException(413, f"request body larger than {self.max_body_bytes} bytes")
            return message

        async def guarded_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {k.lower() for k, _ in message.get("headers", [])}
                extra = [(k, v) for k, v in self.headers if k not in present]
                content_type = dict(message.get("headers", [])).get(b"content-type", b"")
                if content_type.startswith(b"text/html"):
                    extra += [(k, v) for k, v in self.html_headers if k not in present]
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            elif head and message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        await self.app(scope, limited_receive, guarded_send)

    async def _error(self, send: Send, status: int, text: str) -> None:
        body = json.dumps({"error": text}, ensure_ascii=False).encode()
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                                (b"connection", b"close"), *self.headers]})
        await send({"type": "http.response.body", "body": body})


class JSONCORS(CORSMiddleware):
    def preflight_response(self, request_headers: Headers) -> Response:
        response = super().preflight_response(request_headers)
        if response.status_code == 400:  # "Disallowed CORS origin" in plain text: say it as JSON
            headers: dict[str, Any] = {k: v for k, v in response.headers.items() if k.lower().startswith("access-")}
            return JSONResponse({"error": bytes(response.body).decode()}, status_code=400, headers=headers)
        return response
