"""The checks every `/starleads` subcommand that acts on a channel makes before doing anything."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck

from bot.i18n import _
from bot.slack.access import DENIED, AccessPolicy
from bot.slack.languages import answer_privately
from bot.slack.origin import Origin, OriginInvalid

logger = logging.getLogger(__name__)


async def admit(
    ack: AsyncAck,
    command: dict[str, Any],
    access: AccessPolicy,
    *,
    subcommand: str,
    extra_response_host: str,
    needs_response_url: bool = False,
) -> Origin | None:
    """Where `/starleads <subcommand>` came from, or None after answering (privately) why nothing
    will happen.

    The IDs must be Slack's, the response URL Slack's, and the person and channel allowed. The origin
    has no language yet: the command's may still be on its way (`bot.slack.languages`).
    """
    origin = Origin(
        channel_id=str(command.get("channel_id", "")),
        user_id=str(command.get("user_id", "")),
        response_url=command.get("response_url"),
    )
    try:
        origin.check(extra_response_host=extra_response_host)
        if needs_response_url and origin.response_url is None:
            raise OriginInvalid("the command has no response URL to answer through")
    except OriginInvalid as error:
        logger.warning("slash_command_rejected reason=%s", error)
        await answer_privately(
            ack,
            lambda: _(
                "Sorry, I couldn't read that command. Please try `/starleads {subcommand}` again."
            ).format(subcommand=subcommand),
        )
        return None
    if not access.allows(origin.user_id, origin.channel_id):
        await answer_privately(ack, lambda: _(DENIED))
        return None
    return origin
