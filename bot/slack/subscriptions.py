"""`/starleads subscribe <campaign id>`: a webhook URL that brings a campaign's call results here.

Starleads' API cannot change an existing campaign, so the bot can only hand out the URL for the user
to paste into the campaign's settings. The answer carries the only copy of the token: the database
keeps its hash. The subscription is written after the ack (`DATABASE_URL` may be a remote
PostgreSQL) and the URL comes back through the command's response URL.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond
from sqlalchemy.exc import SQLAlchemyError

from bot.services import Services
from bot.slack.access import DENIED, AccessPolicy
from bot.slack.background import AfterAck
from bot.slack.blocks.kit import escape, truncate
from bot.slack.origin import Origin, OriginInvalid
from bot.store.call_results import hash_token
from bot.webhooks.receiver import webhook_url

logger = logging.getLogger(__name__)

MAX_CAMPAIGN_ID_LENGTH = 200
SUBSCRIBE_USAGE = (
    "Which campaign? Type `/starleads subscribe &lt;campaign ID&gt;`, with the ID from the campaign's "
    "card or its address in Starleads."
)
NEEDS_PUBLIC_URL = (
    "Call results can't come to Slack yet: Starleads needs the bot's public address to send them to. "
    "Ask whoever runs the Starleads bot to set `PUBLIC_URL` first."
)
_DAMAGED_COMMAND = "Sorry, I couldn't read that command. Please try `/starleads subscribe` again."
_NOT_SAVED = "Sorry, I couldn't save that just now and nothing was set up. Please try again in a moment."


class ResultSubscriptions:
    def __init__(self, services: Services, after_ack: AfterAck, access: AccessPolicy) -> None:
        self._services = services
        self._after_ack = after_ack
        self._access = access
        self._public_url = services.settings.public_url

    async def subscribe(self, ack: AsyncAck, command: dict[str, Any], respond: AsyncRespond) -> None:
        """Everything but the one INSERT is checked inside the ack; the URL follows it."""
        origin = Origin(
            channel_id=str(command.get("channel_id", "")),
            user_id=str(command.get("user_id", "")),
            response_url=command.get("response_url"),
        )
        try:
            origin.check(extra_response_host=self._services.slack_api_host)
            if origin.response_url is None:
                raise OriginInvalid("the command has no response URL to send the address to")
        except OriginInvalid as error:
            logger.warning("slash_command_rejected reason=%s", error)
            await ack(text=_DAMAGED_COMMAND, response_type="ephemeral")
            return
        if not self._access.allows(origin.user_id, origin.channel_id):
            await ack(text=DENIED, response_type="ephemeral")
            return
        if self._public_url is None:
            await ack(text=NEEDS_PUBLIC_URL, response_type="ephemeral")
            return
        words = str(command.get("text") or "").split(maxsplit=1)
        campaign_id = words[1].strip() if len(words) > 1 else ""
        problem = campaign_id_problem(campaign_id)
        if problem:
            await ack(text=problem, response_type="ephemeral")
            return
        await ack()
        self._after_ack.start(
            self._subscribe(origin, campaign_id, str(self._public_url), respond), "subscribe"
        )

    async def _subscribe(
        self, origin: Origin, campaign_id: str, public_url: str, respond: AsyncRespond
    ) -> None:
        try:
            token = await self._services.subscriptions.create(
                origin.channel_id, origin.user_id, campaign_id=campaign_id
            )
        except SQLAlchemyError as error:
            logger.error("subscription_failed channel=%s error=%s", origin.channel_id, type(error).__name__)
            await respond(text=_NOT_SAVED, response_type="ephemeral")
            return
        logger.info(
            "subscription_created channel=%s campaign=%s token=%s",
            origin.channel_id,
            campaign_id,
            hash_token(token)[:6],
        )
        url = webhook_url(public_url, token)
        await respond(text=_instructions(campaign_id, url), response_type="ephemeral")


def campaign_id_problem(campaign_id: str) -> str | None:
    """What is wrong with a typed campaign ID, or None. Starleads' IDs are short and plain."""
    if not campaign_id:
        return SUBSCRIBE_USAGE
    shown = escape(truncate(campaign_id, 40))
    if any(c.isspace() or c == "/" for c in campaign_id) or not campaign_id.isprintable():
        return f"`{shown}` isn't a campaign ID: an ID has no spaces or slashes.\n{SUBSCRIBE_USAGE}"
    if len(campaign_id) > MAX_CAMPAIGN_ID_LENGTH:
        return f"`{shown}` is too long for a campaign ID (at most {MAX_CAMPAIGN_ID_LENGTH} characters)."
    return None


def _instructions(campaign_id: str, url: str) -> str:
    return (
        f"Here is the webhook address for campaign `{escape(campaign_id)}`, bound to this channel:\n"
        f"```{url}```\n"
        "In the Starleads app, open this campaign's settings, paste the address as its *webhook URL* "
        "(it replaces any webhook the campaign has) and save: Starleads then sends a test call, and "
        "each call result after that. Starleads' API can't change a campaign, which is why this step "
        "is yours.\n"
        "Keep the address private: anyone who has it can send results here. For now the bot receives "
        "and stores the results; posting them in this channel comes next."
    )
