"""Logging set-up: one line per event, and no secret in any of them, whatever library logs it.

Two formats (`LOG_FORMAT`): `text`, a readable line per event, and `json`, one JSON object per line
for a log pipeline. Both go through the standard library's root handler, so uvicorn's, Bolt's and
slack_sdk's lines come out like the bot's own. Our lines are written `event key=value …`; in JSON they
become fields (`{"event": "webhook_received", "outcome": "stored", …}`), joined by the ids of the
request they belong to (`bind_request`).
"""

from __future__ import annotations

import ast
import logging
import re
import sys
import uuid
from collections.abc import Callable, Iterator, MutableMapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    import structlog

# Bot, user, app-level and refresh (`xoxe-`, token rotation) tokens.
_TOKEN_PATTERN = re.compile(r"\b(xox[abposre]-[A-Za-z0-9-]+|xapp-[A-Za-z0-9-]+)")
REDACTED = "[redacted]"
LogFormat = Literal["text", "json"]
# The loggers the bot hands to slack_sdk and Bolt (the Web API client, the app, OAuth, Socket Mode).
SLACK_SDK_LOGGERS = ("bot.slack.web", "bot.slack.bolt", "bot.slack.oauth", "bot.slack.socket")

# `event key=value key='quoted value' …`: how the bot's own lines are written.
_EVENT = re.compile(r"(?P<event>[a-z][a-z0-9_]*)(?: (?P<rest>.*))?", re.DOTALL)
_PAIR = re.compile(r"\s*(?P<key>[a-z_][a-z0-9_]*)=(?P<value>'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"|\S*)")
_NUMBER = re.compile(r"-?[0-9]{1,18}")
# The ids of the request being handled (`bind_request`); a task started for it copies them.
_REQUEST_IDS: ContextVar[tuple[tuple[str, str | int], ...]] = ContextVar("request_ids", default=())


class Redactor:
    """Masks known secret values and anything shaped like a Slack token."""

    def __init__(self, secrets: list[str]) -> None:
        self._secrets = sorted({s for s in secrets if len(s) >= 4}, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, REDACTED)
        return _TOKEN_PATTERN.sub(REDACTED, text)


class RedactingFormatter(logging.Formatter):
    """The readable line, secrets masked, tracebacks included; with `process_ids`, the process's id
    after the level (several workers write to one stream)."""

    def __init__(self, secrets: list[str], process_ids: bool = False) -> None:
        process = " [%(process)d]" if process_ids else ""
        super().__init__(f"%(asctime)s %(levelname)s{process} %(name)s %(message)s")
        self.redact = Redactor(secrets)

    def format(self, record: logging.LogRecord) -> str:
        return self.redact(super().format(record))


def configure_logging(
    level: str, secrets: list[str], log_format: LogFormat = "text", process_ids: bool = False
) -> None:
    """`process_ids`: each line says which process wrote it (`[pid]` in text, `process` in JSON), for
    `serve`'s several workers (WEB_CONCURRENCY)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        RedactingFormatter(secrets, process_ids)
        if log_format == "text"
        else _json_formatter(secrets, process_ids)
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # httpx logs every request line at INFO; our client logs its own, richer line.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    # Alembic narrates every start-up (plugins, dialect); the bot logs what an upgrade changed itself.
    logging.getLogger("alembic").setLevel(logging.WARNING)
    # slack_sdk and Bolt format every request and response (the whole modal of a `views.open`) for
    # DEBUG unless the logger handed to them has a level of its own: its `level`, not the effective one.
    for handed_to_slack_sdk in SLACK_SDK_LOGGERS:
        logging.getLogger(handed_to_slack_sdk).setLevel(level)


def bind_request(**ids: str | None) -> None:
    """Start a request's context (a Slack request, a webhook delivery): a new request id and the ids
    known of it, on every line logged while it is handled, work it hands off included."""
    _REQUEST_IDS.set((("request_id", uuid.uuid4().hex[:16]), *_known(ids)))


@contextmanager
def logging_about(**ids: str | int | None) -> Iterator[None]:
    """The ids of what is being worked on (a call result, its campaign and channel), added to the
    request's on every line logged inside: the lines of a failed post or read name the result they
    were about, although they are written by code that knows only a channel."""
    added = _REQUEST_IDS.set((*_REQUEST_IDS.get(), *_known(ids)))
    try:
        yield
    finally:
        _REQUEST_IDS.reset(added)


def _known(ids: dict[str, str | int | None]) -> tuple[tuple[str, str | int], ...]:
    return tuple((name, value) for name, value in ids.items() if value is not None and value != "")


def _json_formatter(secrets: list[str], process_ids: bool) -> structlog.stdlib.ProcessorFormatter:
    # Imported here: the readable format (the default) never loads structlog.
    import structlog

    redact = Redactor(secrets)
    process: list[structlog.typing.Processor] = (
        [structlog.processors.CallsiteParameterAdder([structlog.processors.CallsiteParameter.PROCESS])]
        if process_ids
        else []
    )
    return structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[
            _request_ids,
            structlog.stdlib.add_log_level,
            structlog.stdlib.add_logger_name,
            *process,
            structlog.processors.TimeStamper(fmt="iso", utc=True, key="time"),
            _event_fields,
        ],
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            _redacting(redact),
            structlog.processors.JSONRenderer(),
            # Belt and braces: a secret in a field's name, or split by JSON's escaping of a value.
            lambda _logger, _name, line: redact(line),
        ],
    )


def _request_ids(_logger: Any, _name: str, event_dict: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """The ids `bind_request` bound, on every line logged while handling that request."""
    for name, value in _REQUEST_IDS.get():
        event_dict.setdefault(name, value)
    return event_dict


def _event_fields(_logger: Any, _name: str, event_dict: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """`event key=value …` as fields: the event's name, and each pair (numbers as numbers, quoted
    values unquoted); what doesn't read as pairs stays in `message`. Other libraries' sentences are
    kept whole as the event."""
    found = _EVENT.fullmatch(str(event_dict.get("event", "")))
    if found is None:
        return event_dict
    fields: dict[str, Any] = {}
    rest = found["rest"] or ""
    position = 0
    while pair := _PAIR.match(rest, position):
        if pair.end() == position:
            break
        fields[pair["key"]] = _value(pair["value"])
        position = pair.end()
    leftover = rest[position:].strip()
    if leftover and not fields and "_" not in found["event"]:
        return event_dict  # a sentence that merely starts with a lowercase word
    event_dict["event"] = found["event"]
    for key, value in fields.items():
        event_dict.setdefault(key, value)
    if leftover:
        event_dict["message"] = leftover
    return event_dict


def _value(text: str) -> Any:
    if _NUMBER.fullmatch(text):
        return int(text)
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        try:
            return ast.literal_eval(text)
        except (ValueError, SyntaxError):
            return text[1:-1]
    return text


def _redacting(
    redact: Callable[[str], str],
) -> Callable[[Any, str, MutableMapping[str, Any]], MutableMapping[str, Any]]:
    def redact_fields(
        _logger: Any, _name: str, event_dict: MutableMapping[str, Any]
    ) -> MutableMapping[str, Any]:
        for key, value in event_dict.items():
            if isinstance(value, str):
                event_dict[key] = redact(value)
            elif not isinstance(value, int | float | bool | type(None)):
                event_dict[key] = redact(str(value))
        return event_dict

    return redact_fields
