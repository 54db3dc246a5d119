"""Logging set-up: one line per event, and no secret in any of them, whatever library logs it."""

from __future__ import annotations

import logging
import re
import sys

# Bot, user, app-level and refresh (`xoxe-`, token rotation) tokens.
_TOKEN_PATTERN = re.compile(r"\b(xox[abposre]-[A-Za-z0-9-]+|xapp-[A-Za-z0-9-]+)")
REDACTED = "[redacted]"


class RedactingFormatter(logging.Formatter):
    """Masks known secret values and anything shaped like a Slack token, tracebacks included."""

    def __init__(self, secrets: list[str]) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s %(message)s")
        self._secrets = sorted({s for s in secrets if len(s) >= 4}, key=len, reverse=True)

    def format(self, record: logging.LogRecord) -> str:
        return self.redact(super().format(record))

    def redact(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, REDACTED)
        return _TOKEN_PATTERN.sub(REDACTED, text)


def configure_logging(level: str, secrets: list[str]) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(RedactingFormatter(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # httpx logs every request line at INFO; our client logs its own, richer line.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    # Alembic narrates every start-up (plugins, dialect); the bot logs what an upgrade changed itself.
    logging.getLogger("alembic").setLevel(logging.WARNING)
    # slack_sdk formats every request and response for DEBUG unless its logger has a level of its own.
    logging.getLogger("bot.slack.bolt").setLevel(level)
