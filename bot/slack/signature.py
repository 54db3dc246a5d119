"""Checking that a request comes from Slack before anything parses its body.

Bolt checks signatures too, but only after it has parsed the body (a deeply nested JSON body fails
there) and it lets a malformed timestamp raise; it also logs the whole body of every request it
refuses. This check runs first, refuses in one line, and never looks inside the body.
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping

from slack_sdk.signature import SignatureVerifier

_TIMESTAMP = re.compile(r"[0-9]{1,12}")
MAX_AGE_SECONDS = 5 * 60


class SlackSignature:
    def __init__(self, signing_secret: str) -> None:
        self._verifier = SignatureVerifier(signing_secret)

    def refusal(self, body: bytes, headers: Mapping[str, str]) -> str | None:
        """Why the request is not Slack's (a word for the log), or None when its signature holds."""
        timestamp = headers.get("x-slack-request-timestamp", "")
        if not _TIMESTAMP.fullmatch(timestamp):
            return "timestamp_unreadable"
        if abs(time.time() - int(timestamp)) > MAX_AGE_SECONDS:
            return "timestamp_stale"
        if not self._verifier.is_valid(body, timestamp, headers.get("x-slack-signature", "")):
            return "signature_mismatch"
        return None
