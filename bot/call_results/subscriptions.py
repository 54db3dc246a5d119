"""The rules of call-result subscriptions: which thread a webhook token's results go to.

A subscription is made two ways. A campaign created from Slack with "Post call results to this
channel" gets one before Starleads is asked (its results wait), settled with the campaign's card once
it exists. `/starleads subscribe <campaign id>` gets one bound to a root message just posted, unless
the campaign already sends here from its creation with no thread yet: then that subscription is bound
to the new root instead, and no second webhook URL is handed out.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot.call_results.tokens import hash_token, looks_like_token, new_token, token_label
from bot.i18n import current_language
from bot.store import SINGLE, Subscription, SubscriptionStore

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class AlreadySending:
    """The campaign already sends its results to this channel: its waiting results now go to the root."""


@dataclass(frozen=True)
class NewWebhook:
    """A new subscription: its token is in no other place, so the URL built from it is the only copy."""

    token: str


Subscribed = AlreadySending | NewWebhook


class Subscriptions:
    def __init__(self, store: SubscriptionStore) -> None:
        self._store = store

    async def create(
        self,
        channel_id: str,
        created_by: str,
        campaign_id: str | None = None,
        forward_url: str | None = None,
        thread_ts: str | None = None,
        root_message: str | None = None,
        creation_key: str | None = None,
        *,
        workspace: str = SINGLE,
    ) -> str:
        """A new subscription, its thread in the language being spoken (its creator's); returns its
        token, which exists nowhere else afterwards.

        Without `thread_ts` its results are stored but wait: for the card of the campaign being
        created under `creation_key`, or for `/starleads subscribe` in a channel the bot can post in.
        """
        token = new_token()
        await self._store.insert(
            hash_token(token),
            channel_id,
            created_by,
            campaign_id=campaign_id,
            forward_url=forward_url,
            thread_ts=thread_ts,
            root_message=root_message,
            creation_key=creation_key,
            language=current_language(),
            workspace=workspace,
        )
        return token

    async def settle(
        self,
        creation_key: str,
        campaign_id: str,
        thread_ts: str | None,
        root_message: str | None,
        *,
        workspace: str = SINGLE,
    ) -> None:
        """The create under `creation_key` made `campaign_id`; its card is `thread_ts` (None when the
        bot could not post it: its results then wait for `/starleads subscribe` in that channel)."""
        await self._store.settle(creation_key, campaign_id, thread_ts, root_message, workspace=workspace)

    async def forget(self, token: str, *, workspace: str = SINGLE) -> None:
        """Drop a subscription still waiting for its campaign, which certainly was not created."""
        await self._store.forget(hash_token(token), workspace=workspace)

    async def find(self, token: str) -> Subscription | None:
        """The token's subscription; a token of a shape this bot never hands out costs no read."""
        if not looks_like_token(token):
            return None
        return await self._store.find(hash_token(token))

    async def retired(self, token: str) -> bool:
        """Whether the token's address belonged to a workspace that uninstalled the app."""
        return looks_like_token(token) and await self._store.retired(hash_token(token))

    def forget_seen(self, workspace: str) -> None:
        """The workspace's subscriptions are gone: stop finding them in this process's memory."""
        self._store.forget_seen(workspace)

    async def subscribe(
        self,
        channel_id: str,
        user_id: str,
        campaign_id: str,
        thread_ts: str,
        root_message: str,
        *,
        workspace: str = SINGLE,
    ) -> Subscribed:
        """`/starleads subscribe`, its root message `thread_ts` already posted in the channel (a channel
        shared between workspaces has one ID: only this workspace's waiting subscription is bound).
        The thread speaks the subscriber's language, like its root message."""
        bound = await self._store.bind_waiting(
            channel_id, campaign_id, thread_ts, root_message, language=current_language(), workspace=workspace
        )
        if bound:
            logger.info("subscription_bound channel=%s campaign=%s", channel_id, campaign_id)
            return AlreadySending()
        token = await self.create(
            channel_id,
            user_id,
            campaign_id=campaign_id,
            thread_ts=thread_ts,
            root_message=root_message,
            workspace=workspace,
        )
        label = token_label(token)
        logger.info("subscription_created channel=%s campaign=%s token=%s", channel_id, campaign_id, label)
        return NewWebhook(token)
