"""A sales team's own system: the webhook URL they typed in the form, which the bot forwards results to."""

from __future__ import annotations

import ssl
import threading

from tests.standins.http import Recorded, Reply, StandIn, json_reply


class CustomerWebhook(StandIn):
    def __init__(self, tls: ssl.SSLContext | None = None) -> None:
        super().__init__(tls)
        self._answers: list[tuple[int, dict[str, str]]] = []
        self._answers_lock = threading.Lock()
        self._held_paths: set[str] = set()
        self._released = threading.Event()

    def answer(self, *statuses: int, headers: dict[str, str] | None = None) -> None:
        """Answer the next requests with these statuses (then 200 again)."""
        with self._answers_lock:
            self._answers.extend((status, headers or {}) for status in statuses)

    def hold(self, path: str) -> None:
        """Leave requests to `path` unanswered until `release()`: an endpoint that hangs."""
        with self._answers_lock:
            self._held_paths.add(path)

    def release(self) -> None:
        """Answer the held requests (and no longer hold any)."""
        with self._answers_lock:
            self._held_paths.clear()
            self._released.set()
            self._released = threading.Event()

    def reset(self) -> None:
        self.release()
        with self._answers_lock:
            self._answers.clear()
        self.clear()

    def handle(self, recorded: Recorded) -> Reply:
        with self._answers_lock:
            released = self._released if recorded.path in self._held_paths else None
        if released is not None:
            released.wait(timeout=120)  # never forever: a test that forgot to release must still end
        with self._answers_lock:
            status, headers = self._answers.pop(0) if self._answers else (200, {})
        return json_reply(status, {"ok": status < 300}, headers)
