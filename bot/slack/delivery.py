"""Getting the result card into the channel where the command was typed.

`chat.postMessage` works in public channels (thanks to `chat:write.public`) and wherever the bot is a
member. In a private channel or DM it is not, so the card goes through the command's `response_url`
instead, and the user is told once how to invite the bot.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.campaigns.publication import Delivery
from bot.i18n import N_
from bot.slack.blocks.kit import Card

logger = logging.getLogger(__name__)

SlackClients = Callable[[str], AsyncWebClient]
"""The Slack client that posts into a workspace's channels (with that workspace's token)."""

NOT_A_MEMBER_ERRORS = frozenset({"not_in_channel", "channel_not_found"})
TRANSIENT_ERRORS = frozenset(
    {"ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"}
)
_BACKOFF_SECONDS = (1.0, 2.0, 4.0, 8.0)
_MAX_RETRY_AFTER_SECONDS = 60.0
INVITE_TIP = N_(
    "I posted this through your slash command because I'm not a member of this conversation. "
    "Invite me with `/invite @Starleads` so I can post here directly."
)


class SlackRefused(Exception):
    """Slack would not take the message, even after retries; `reason` is Slack's error code."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


async def deliver_card(
    client: AsyncWebClient,
    channel_id: str,
    response_url: str | None,
    card: Card,
    backoff: tuple[float, ...] = _BACKOFF_SECONDS,
    *,
    instead: Card | None = None,
) -> tuple[Delivery, str | None]:
    """Post `card` in the channel, falling back to the response URL where the bot can't post (with
    `instead`, if given: what the bot can't follow up on must not promise it); the message's ts comes
    back when the bot posted it itself (a response URL tells none).

    Runs after the ack, so it may wait: Slack's rate limits (`Retry-After`) and passing failures are
    retried with backoff, a bounded number of times.
    """
    try:
        return Delivery.POSTED, await post_message(client, channel_id, card, backoff) or None
    except SlackRefused as refused:
        if refused.reason in NOT_A_MEMBER_ERRORS and response_url:
            return await _post_via_response_url(response_url, instead or card), None
        return Delivery.FAILED, None


async def post_message(
    client: AsyncWebClient, channel_id: str, card: Card, backoff: tuple[float, ...], **extra: object
) -> str:
    """Post, waiting out 429s and retrying passing failures; the message's ts, or SlackRefused."""
    response = await call_slack(
        lambda: client.chat_postMessage(
            channel=channel_id,
            text=card.text,
            blocks=card.blocks,
            unfurl_links=False,
            unfurl_media=False,
            **extra,
        ),
        backoff,
        f"post_failed channel={channel_id}",
    )
    return str(response.get("ts") or "")


async def call_slack(
    call: Callable[[], Awaitable[AsyncSlackResponse]], backoff: tuple[float, ...], failure: str
) -> AsyncSlackResponse:
    """`call`, retried after 429s (at least `Retry-After`) and passing failures, once per `backoff`
    step (each wait at least a second: Slack's per-channel pace); SlackRefused with Slack's reason
    when it won't. Each failure logs `failure` (no secrets in it) with the error and attempt."""
    for attempt, delay in enumerate((*backoff, None), start=1):
        try:
            return await call()
        except SlackApiError as error:
            reason = str(error.response.get("error") or "unknown")
            logger.warning("%s error=%s attempt=%d", failure, reason, attempt)
            if delay is None or (reason not in TRANSIENT_ERRORS and error.response.status_code != 429):
                raise SlackRefused(reason) from None
            await asyncio.sleep(max(delay, retry_after(error)))
        except (aiohttp.ClientError, TimeoutError) as error:
            reason = type(error).__name__
            logger.warning("%s error=%s attempt=%d", failure, reason, attempt)
            if delay is None:
                raise SlackRefused(reason) from None
            await asyncio.sleep(delay)
    raise SlackRefused("no_attempt")  # only reached with no attempts at all


def retry_after(error: SlackApiError) -> float:
    """Slack's `Retry-After` in seconds (capped), 0 when it gave none."""
    value = error.response.headers.get("Retry-After") or error.response.headers.get("retry-after")
    try:
        return min(float(value), _MAX_RETRY_AFTER_SECONDS) if value else 0.0
    except (TypeError, ValueError):
        return 0.0


async def update_modal(
    client: AsyncWebClient, view_id: str | None, view: dict[str, Any], *, view_hash: str | None = None
) -> bool:
    """Replace the modal with `view`; False when Slack would not (the modal may be closed). With
    `view_hash`, only if the modal is still as it was (else `hash_conflict`: a newer update stands)."""
    try:
        await client.views_update(view_id=view_id, hash=view_hash, view=view)
    except SlackApiError as error:
        reason = error.response.get("error")
        if reason == "hash_conflict":
            logger.info("views_update_skipped error=%s", reason)
        else:
            logger.warning("views_update_failed error=%s", reason)
        return False
    return True


async def tell_privately(response_url: str, text: str) -> None:
    """An ephemeral note to the person who typed the command."""
    await _send(response_url, text=text, response_type="ephemeral", replace_original=False)


async def _post_via_response_url(response_url: str, card: Card) -> Delivery:
    sent = await _send(
        response_url,
        text=card.text,
        blocks=card.blocks,
        response_type="in_channel",
        replace_original=False,
        unfurl_links=False,
        unfurl_media=False,
    )
    return Delivery.VIA_RESPONSE_URL if sent else Delivery.FAILED


async def _send(response_url: str, **message: Any) -> bool:
    try:
        response = await AsyncWebhookClient(response_url, timeout=10).send(**message)
    except Exception as error:  # any network failure: report it, the caller has a fallback
        logger.warning("response_url_failed error=%s", type(error).__name__)
        return False
    if response.status_code != 200:
        logger.warning("response_url_failed status=%s", response.status_code)
        return False
    return True
