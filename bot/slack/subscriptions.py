"""`/starleads subscribe <campaign id>`: a webhook URL that brings a campaign's call results here.

Starleads' API cannot change an existing campaign, so the bot can only hand out the URL for the user
to paste into the campaign's settings. The answer carries the only copy of the token: the database
keeps its hash. After the ack, the bot first posts the thread's root message in the channel (the
results go under it), then writes the subscription (`DATABASE_URL` may be a remote PostgreSQL), and
the URL comes back through the command's response URL. A channel the bot can't post in gets no
subscription: the answer says how to invite the bot, so no result is ever stored with nowhere to go.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import aiohttp
from pydantic import AnyHttpUrl
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy.exc import SQLAlchemyError

from bot.call_results.address import webhook_url
from bot.call_results.subscriptions import AlreadySending, Subscriptions
from bot.i18n import N_, _, number
from bot.slack.access import AccessPolicy
from bot.slack.background import AfterAck
from bot.slack.blocks.call_result import results_root
from bot.slack.blocks.kit import md
from bot.slack.command_gate import admit
from bot.slack.delivery import NOT_A_MEMBER_ERRORS, SlackRefused, post_message
from bot.slack.languages import answer_privately
from bot.slack.origin import Origin
from bot.slack.starleads_account import ConnectedCheck
from bot.slack.tenancy import WorkspaceOf

logger = logging.getLogger(__name__)

MAX_CAMPAIGN_ID_LENGTH = 200
SUBSCRIBE_USAGE = N_(
    "Which campaign? Type `/starleads subscribe &lt;campaign ID&gt;`, with the ID from the campaign's "
    "card or its address in Starleads."
)
NEEDS_PUBLIC_URL = N_(
    "Call results can't come to Slack yet: Starleads needs the bot's public address to send them to. "
    "Ask whoever runs the Starleads bot to set `PUBLIC_URL` first."
)
_ROOT_BACKOFF_SECONDS = (1.0, 2.0)
_ALREADY_SENDING = N_(
    "Campaign {id:code} already sends its call results to this channel: it was created from Slack with "
    "*Post call results to this channel*. The results kept so far, and each one after them, are now "
    "posted in the thread of the message I just posted. Nothing to change in Starleads."
)
_NOT_SAVED = N_("Sorry, I couldn't save that just now and nothing was set up. Please try again in a moment.")


class ResultSubscriptions:
    def __init__(
        self,
        subscriptions: Subscriptions,
        after_ack: AfterAck,
        access: AccessPolicy,
        workspace_of: WorkspaceOf,
        connected: ConnectedCheck,
        *,
        public_url: AnyHttpUrl | None,
        slack_api_host: str,
    ) -> None:
        self._subscriptions = subscriptions
        self._connected = connected
        self._workspace_of = workspace_of
        self._after_ack = after_ack
        self._access = access
        self._public_url = public_url
        self._slack_api_host = slack_api_host  # response URLs there are trusted too

    async def subscribe(
        self,
        ack: AsyncAck,
        client: AsyncWebClient,
        command: dict[str, Any],
        respond: AsyncRespond,
        context: AsyncBoltContext,
    ) -> None:
        """Everything but the one INSERT is checked inside the ack; the URL follows it."""
        origin = await admit(
            ack,
            command,
            self._access,
            subcommand="subscribe",
            extra_response_host=self._slack_api_host,
            needs_response_url=True,
        )
        if origin is None:
            return
        if self._public_url is None:
            await answer_privately(ack, lambda: _(NEEDS_PUBLIC_URL))
            return
        words = str(command.get("text") or "").split(maxsplit=1)
        campaign_id = words[1].strip() if len(words) > 1 else ""
        problem = campaign_id_problem(campaign_id)
        if problem is not None:
            await answer_privately(ack, problem)
            return
        await ack()
        subscribing = self._subscribe(
            client, command, origin, campaign_id, str(self._public_url), respond, self._workspace_of(context)
        )
        self._after_ack.start(subscribing, "subscribe")

    async def _subscribe(
        self,
        client: AsyncWebClient,
        command: dict[str, Any],
        origin: Origin,
        campaign_id: str,
        public_url: str,
        respond: AsyncRespond,
        workspace: str,
    ) -> None:
        if not await self._connected(client, command, workspace, respond, subcommand="subscribe"):
            return
        root = results_root(campaign_id)
        try:
            thread_ts = await post_message(client, origin.channel_id, root, _ROOT_BACKOFF_SECONDS)
        except SlackRefused as refused:
            logger.warning(
                "subscription_root_failed channel=%s campaign=%s error=%s",
                origin.channel_id,
                campaign_id,
                refused.reason,
            )
            await respond(text=_cannot_post(campaign_id, refused.reason), response_type="ephemeral")
            return
        try:
            subscribed = await self._subscriptions.subscribe(
                origin.channel_id, origin.user_id, campaign_id, thread_ts, root.to_json(), workspace=workspace
            )
        except SQLAlchemyError as error:
            logger.error(
                "subscription_failed channel=%s campaign=%s error=%s",
                origin.channel_id,
                campaign_id,
                type(error).__name__,
            )
            await _remove(client, origin.channel_id, thread_ts)
            await respond(text=_(_NOT_SAVED), response_type="ephemeral")
            return
        if isinstance(subscribed, AlreadySending):
            await respond(text=md(_(_ALREADY_SENDING), id=campaign_id), response_type="ephemeral")
            return
        url = webhook_url(public_url, subscribed.token)
        await respond(text=_instructions(campaign_id, url), response_type="ephemeral")


def campaign_id_problem(campaign_id: str) -> Callable[[], str] | None:
    """What is wrong with a typed campaign ID, as words to say once the person's language is known
    (`answer_privately`), or None. Starleads' IDs are short and plain."""
    if not campaign_id:
        return lambda: _(SUBSCRIBE_USAGE)
    if any(c.isspace() or c == "/" for c in campaign_id) or not campaign_id.isprintable():
        not_an_id = N_("{:code.40} isn't a campaign ID: an ID has no spaces or slashes.")
        return lambda: f"{md(_(not_an_id), campaign_id)}\n{_(SUBSCRIBE_USAGE)}"
    if len(campaign_id) > MAX_CAMPAIGN_ID_LENGTH:
        return lambda: _("{id} is too long for a campaign ID (at most {most} characters).").format(
            id=md("{:code.40}", campaign_id), most=number(MAX_CAMPAIGN_ID_LENGTH)
        )
    return None


def _instructions(campaign_id: str, url: str) -> str:
    return (
        md(_("Here is the webhook address for campaign {:code}, bound to this channel:"), campaign_id)
        + f"\n```{url}```\n"
        + _(
            "In the Starleads app, open this campaign's settings, paste the address as its *webhook URL* "
            "(it replaces any webhook the campaign has) and save: Starleads then sends a test call, and "
            "each call result after that. Starleads' API can't change a campaign, which is why this step "
            "is yours."
        )
        + "\n"
        + _(
            "Keep the address private: anyone who has it can send results here. Each result is posted "
            "in the thread of the message I just posted in this channel, with a running tally on it."
        )
    )


def _cannot_post(campaign_id: str, reason: str) -> str:
    command = md("{:code}", f"/starleads subscribe {campaign_id}")
    if reason in NOT_A_MEMBER_ERRORS:
        return _(
            "I can't post in this conversation, so its call results would have nowhere to go: nothing "
            "was set up. Invite me with `/invite @Starleads`, then type {command} again."
        ).format(command=command)
    refused = md(
        _("Slack didn't let me post the results thread here ({:code}), so nothing was set up."), reason
    )
    return refused + " " + _("Please type {command} again in a moment.").format(command=command)


async def _remove(client: AsyncWebClient, channel_id: str, ts: str) -> None:
    """Take back a root message whose subscription could not be saved (best effort)."""
    try:
        await client.chat_delete(channel=channel_id, ts=ts)
    except (SlackApiError, aiohttp.ClientError, TimeoutError) as error:
        logger.warning("subscription_root_not_removed channel=%s error=%s", channel_id, type(error).__name__)
