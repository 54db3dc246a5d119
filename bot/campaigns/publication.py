"""What became of a created campaign's card, and what the user is told about it.

The Slack side posts the card; the create flow decides from where it went whether call results can
follow in its thread and whether the user gets the one-time tip to invite the bot.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.campaigns.outcome import Created


class Delivery(StrEnum):
    """Where the card went: posted by the bot, through the command's response URL (the bot is not a
    member of the channel), or nowhere."""

    POSTED = "posted"
    VIA_RESPONSE_URL = "via_response_url"
    FAILED = "failed"


@dataclass(frozen=True)
class PostedCard:
    delivery: Delivery
    thread_ts: str | None
    """The card's message, when the bot posted it itself: only then can results follow in its thread."""
    root_message: str | None
    """The card as posted (JSON), for the thread's tally."""


class ResultsRoute(StrEnum):
    NONE = "none"
    """The campaign does not send its call results to the bot."""
    THREAD = "thread"
    """They are posted in the card's thread."""
    WAITING = "waiting"
    """They are kept until `/starleads subscribe` in a channel the bot can post in."""


@dataclass(frozen=True)
class Publication:
    """Everything the user is told once the card is out."""

    created: Created
    late: bool
    """Found after an unknown outcome rather than answered at once."""
    delivery: Delivery
    results: ResultsRoute
    invite_tip: bool
    """Tell the user, once, how to invite the bot to the channel."""
