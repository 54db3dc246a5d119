"""Where a `/starleads campaign` came from, carried through the modal in `private_metadata`.

A view_submission does not say which channel the command was typed in, so the modal carries it. What
comes back from Slack is checked again before use: IDs must look like Slack IDs, and the response URL
must point at Slack (or at the configured Web API host, which is how tests use a local stand-in).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any
from urllib.parse import urlsplit

from bot.i18n import LANGUAGES, Language

_CHANNEL_ID = re.compile(r"[CDG][A-Z0-9]{2,30}")
_USER_ID = re.compile(r"[UW][A-Z0-9]{2,30}")
_SLACK_RESPONSE_HOSTS = frozenset({"hooks.slack.com"})


def is_user_id(text: str) -> bool:
    """Whether `text` is a Slack user ID (`U…`, or `W…` in an Enterprise Grid)."""
    return _USER_ID.fullmatch(text) is not None


class OriginInvalid(ValueError):
    """The metadata did not come from this bot, or was damaged on the way."""


@dataclass(frozen=True)
class Origin:
    channel_id: str
    user_id: str
    response_url: str | None = None
    # The language the form was opened in: everything said about it afterwards (field errors, status
    # views, the picker) stays in it, even if the person's Slack language is learnt or changes meanwhile.
    language: Language | None = None

    def encode(self) -> str:
        return json.dumps(asdict(self), separators=(",", ":"))

    @classmethod
    def decode(cls, text: str | None, *, extra_response_host: str | None = None) -> Origin:
        try:
            data = json.loads(text or "")
            origin = cls(
                channel_id=str(data["channel_id"]),
                user_id=str(data["user_id"]),
                response_url=data.get("response_url"),
                language=_language(data.get("language")),
            )
        except (ValueError, KeyError, TypeError):
            raise OriginInvalid("the form's metadata is unreadable") from None
        origin.check(extra_response_host=extra_response_host)
        return origin

    def check(self, *, extra_response_host: str | None = None) -> None:
        if not _CHANNEL_ID.fullmatch(self.channel_id) or not is_user_id(self.user_id):
            raise OriginInvalid("the channel or user ID is not a Slack ID")
        if self.response_url is not None and not is_slack_response_url(
            self.response_url, extra_response_host
        ):
            raise OriginInvalid("the response URL does not point at Slack")


def language_of_view(view: Mapping[str, Any] | None) -> Language | None:
    """The language a view of this bot's was opened in, from its metadata (the campaign form and its
    status views carry the Origin; the schedule picker carries the form's metadata within its own)."""
    metadata: Any = (view or {}).get("private_metadata")
    for _ in range(2):
        try:
            data = json.loads(metadata) if isinstance(metadata, str) and metadata else None
        except ValueError:
            return None
        if not isinstance(data, dict):
            return None
        if "form_metadata" not in data:
            return _language(data.get("language"))
        metadata = data["form_metadata"]
    return None


def _language(value: object) -> Language | None:
    return value if value in LANGUAGES else None  # type: ignore[return-value]


def is_slack_response_url(url: str, extra_host: str | None = None) -> bool:
    """Only ever POST to Slack's own hooks host (or the configured Web API host)."""
    if not isinstance(url, str) or len(url) > 500:
        return False
    parts = urlsplit(url)
    if parts.hostname in _SLACK_RESPONSE_HOSTS:
        return parts.scheme == "https"
    return extra_host is not None and parts.netloc == extra_host and parts.scheme in ("http", "https")
