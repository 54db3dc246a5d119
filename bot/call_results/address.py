"""Where Starleads sends a campaign's call results: the bot's own webhook address for a token."""

from __future__ import annotations

import re

WEBHOOK_PATH = "/starleads/webhook/{token}"
_WEBHOOK_PREFIX = WEBHOOK_PATH.removesuffix("{token}")
_TOKEN_REMOVED = "[token-removed]"  # noqa: S105 - a marker in place of a token, not one
_TOKEN_IN_ADDRESS = re.compile(re.escape(_WEBHOOK_PREFIX) + r"[^/?#\s\"]+")


def webhook_url(public_url: str, token: str) -> str:
    """The address Starleads posts to (PUBLIC_URL may carry a path prefix)."""
    return public_url.rstrip("/") + WEBHOOK_PATH.format(token=token)


def without_token(text: str) -> str:
    """`text` with the token of every bot webhook address in it removed: whoever holds a token can
    post results into its channel, so only its hash is kept anywhere (a copy of Starleads' answer
    included)."""
    return _TOKEN_IN_ADDRESS.sub(_WEBHOOK_PREFIX + _TOKEN_REMOVED, text)
