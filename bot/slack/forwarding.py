"""Telling the channel when a call result could not be forwarded to the user's own webhook."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.blocks.call_result import forward_failed_note
from bot.slack.delivery import SlackRefused, post_message
from bot.store.forwards import DueForward
from bot.webhooks.forwarder import DeadForward

_NOTE_BACKOFF_SECONDS = (1.0, 2.0, 4.0)

logger = logging.getLogger(__name__)


def note_in_thread(client: AsyncWebClient) -> DeadForward:
    """A note in the result's thread, so the team learns their system missed a result."""

    async def note(item: DueForward, problem: str) -> None:
        if item.thread_ts is None:
            return
        card = forward_failed_note(urlsplit(item.url).hostname or "your webhook", item.attempts + 1, problem)
        try:
            await post_message(client, item.channel_id, card, _NOTE_BACKOFF_SECONDS, thread_ts=item.thread_ts)
        except SlackRefused as refused:
            logger.error("forward_dead_note_failed result=%d error=%s", item.id, refused.reason)

    return note
