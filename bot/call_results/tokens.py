"""Webhook tokens: the only credential a webhook URL carries, since Starleads documents no signature.

A token is unguessable and handed out once; only its SHA-256 is kept anywhere, so a copy of the
database gives no working URL, and logs name a subscription by a prefix of that hash.
"""

from __future__ import annotations

import hashlib
import re
import secrets

_TOKEN_BYTES = 32  # 256 bits, 43 URL-safe characters
_TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{32,128}")
_LABEL_LENGTH = 6


def new_token() -> str:
    return secrets.token_urlsafe(_TOKEN_BYTES)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def looks_like_token(token: str) -> bool:
    """Tokens this bot hands out; anything else is unknown without a database read."""
    return _TOKEN_SHAPE.fullmatch(token) is not None


def token_label(token: str) -> str:
    """How logs name a token's subscription: enough to tell subscriptions apart, useless as a URL."""
    return hash_token(token)[:_LABEL_LENGTH]
