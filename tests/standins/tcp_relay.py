"""A TCP relay in front of a real server (PostgreSQL), which a test can cut: the server then looks down
to whoever connects through the relay."""

from __future__ import annotations

import contextlib
import socket
import threading
from urllib.parse import urlsplit, urlunsplit


class TcpRelay:
    def __init__(self, target: tuple[str, int], *, connections: int | None = None) -> None:
        """`connections`: relay only that many, the first ones, and turn every later one away."""
        self._target = target
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._cut = False
        self._connections_left = connections
        self.port = self._listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    @classmethod
    def in_front_of(cls, database_url: str, *, connections: int | None = None) -> tuple[TcpRelay, str]:
        """A relay to the database at `database_url`, and the URL that goes through it."""
        address = urlsplit(database_url)
        relay = cls((address.hostname or "127.0.0.1", address.port or 5432), connections=connections)
        credentials = address.netloc.rpartition("@")[0]
        relayed = f"{credentials}@127.0.0.1:{relay.port}" if credentials else f"127.0.0.1:{relay.port}"
        return relay, urlunsplit(address._replace(netloc=relayed))

    def cut(self) -> None:
        """Stop listening and drop every connection: nothing gets through any more."""
        with self._lock:
            self._cut = True
            for open_socket in [self._listener, *self._sockets]:
                with contextlib.suppress(OSError):
                    open_socket.shutdown(socket.SHUT_RDWR)
                open_socket.close()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            if self._connections_left is not None:
                if self._connections_left == 0:
                    client.close()
                    continue
                self._connections_left -= 1
            server = socket.create_connection(self._target)
            with self._lock:
                if self._cut:
                    client.close()
                    server.close()
                    return
                self._sockets += [client, server]
            for source, sink in ((client, server), (server, client)):
                threading.Thread(target=_pipe, args=(source, sink), daemon=True).start()


def _pipe(source: socket.socket, sink: socket.socket) -> None:
    with contextlib.suppress(OSError):
        while data := source.recv(65536):
            sink.sendall(data)
    with contextlib.suppress(OSError):
        sink.shutdown(socket.SHUT_WR)
