"""A tiny threaded HTTP server that records requests, over TLS if given a context; stand-ins build on it."""

from __future__ import annotations

import json
import ssl
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    query: dict[str, str] = field(default_factory=dict)
    received_at: float = field(default_factory=time.monotonic)

    def json(self) -> Any:
        return json.loads(self.body or b"null")

    def form(self) -> dict[str, str]:
        return dict(parse_qsl(self.body.decode()))


Reply = tuple[int, dict[str, str], bytes]


class DropConnection(Exception):
    """Raised by `handle`: the connection is closed with no answer, as a server closes a kept-alive
    connection it has just timed out while a request was on its way."""


class StandIn:
    """Serves `handle(recorded) -> Reply` on a loopback port and keeps every request it saw."""

    def __init__(self, tls: ssl.SSLContext | None = None) -> None:
        self.requests: list[Recorded] = []
        self._lock = threading.Condition()
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # The headers and the body go out in two writes: with Nagle's algorithm on a kept-alive
            # connection, the body would wait for the client's delayed ACK (40 ms), on every call.
            disable_nagle_algorithm = True

            def _serve(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                parts = urlsplit(self.path)
                recorded = Recorded(
                    method=self.command,
                    path=parts.path,
                    headers={k.lower(): v for k, v in self.headers.items()},
                    body=self.rfile.read(length),
                    query=dict(parse_qsl(parts.query)),
                )
                stand_in.record(recorded)
                try:
                    status, headers, body = stand_in.handle(recorded)
                except DropConnection:
                    self.close_connection = True
                    return
                try:
                    self.send_response(status)
                    for name, value in headers.items():
                        self.send_header(name, value)
                    self.send_header("content-length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    self.close_connection = True  # the client gave up waiting (a timeout test)

            do_GET = do_POST = do_PUT = do_DELETE = _serve

            def log_message(self, *_: Any) -> None:
                return

        self._server = _QuietServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._scheme, self._host = ("https", "localhost") if tls else ("http", "127.0.0.1")
        if tls:  # the handshake happens in the request's thread, so a refused one blocks nobody
            self._server.socket = tls.wrap_socket(
                self._server.socket, server_side=True, do_handshake_on_connect=False
            )
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"{self._scheme}://{self._host}:{self.port}"

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def start(self) -> StandIn:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def handle(self, recorded: Recorded) -> Reply:
        raise NotImplementedError

    def record(self, recorded: Recorded) -> None:
        """Keep a request that arrived (its server calls this before `handle`), waking those waiting."""
        with self._lock:
            self.requests.append(recorded)
            self._lock.notify_all()

    def clear(self) -> None:
        with self._lock:
            self.requests.clear()

    def forget_since(self, count: int) -> None:
        """Keep only the first `count` requests: what a test's set-up did is not what it looks at."""
        with self._lock:
            del self.requests[count:]

    def quiet_for(self, seconds: float) -> bool:
        """True when no request has arrived in the last `seconds`."""
        with self._lock:
            last = self.requests[-1].received_at if self.requests else 0.0
        return time.monotonic() - last >= seconds

    def wait_for(
        self, predicate: Callable[[Recorded], bool], count: int = 1, timeout: float = 10
    ) -> list[Recorded]:
        """Block until `count` recorded requests match (the bot works after its acks, asynchronously)."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                matching = [r for r in self.requests if predicate(r)]
                if len(matching) >= count:
                    return matching
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    seen = [f"{r.method} {r.path}" for r in self.requests]
                    raise AssertionError(
                        f"expected {count} matching request(s) within {timeout}s; saw {seen}"
                    )
                self._lock.wait(remaining)


class _QuietServer(ThreadingHTTPServer):
    # socketserver's default backlog of 5 drops connections in a burst, and the client's SYN is only
    # sent again after a second: that second would be the stand-in's, not the bot's.
    request_queue_size = 128

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hangs up mid-request (a timeout test) or refuses the certificate is expected;
        anything else is printed."""
        if not isinstance(sys.exc_info()[1], ConnectionError | ssl.SSLError):
            super().handle_error(request, client_address)


def json_reply(status: int, body: Any, headers: dict[str, str] | None = None) -> Reply:
    return status, {"content-type": "application/json", **(headers or {})}, json.dumps(body).encode()
