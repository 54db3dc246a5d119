"""Where Starleads sends a campaign's call results: the bot's own webhook address for a token."""

from __future__ import annotations

WEBHOOK_PATH = "/starleads/webhook/{token}"


def webhook_url(public_url: str, token: str) -> str:
    """The address Starleads posts to (PUBLIC_URL may carry a path prefix)."""
    return public_url.rstrip("/") + WEBHOOK_PATH.format(token=token)
