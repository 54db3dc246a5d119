"""Slack's `app_uninstalled` and `tokens_revoked` events: a workspace that removes the app (or revokes
its bot token) has its installation deleted and everything of its own forgotten.

These are our own listeners rather than Bolt's built-in ones: Bolt runs only the first listener that
matches an event, so deleting the installation (what Bolt's would do) happens here too. The ack goes
first; the deleting runs after it and ends with one log line. A revocation of user tokens only
removes nothing: the app asks for no user scopes, so it holds none. A single-workspace bot deletes
nothing: its one token comes from its operator, who is told how to go on.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.async_context import AsyncBoltContext

from bot.slack.background import AfterAck
from bot.slack.installations import InstalledBots
from bot.slack.tenancy import installed_workspace
from bot.workspaces.uninstall import WorkspaceRemoval

logger = logging.getLogger(__name__)


Gone = Callable[[AsyncBoltContext, str], None]
"""What to do, after the ack, when a workspace's bot token is gone (`cause`: which event said so)."""


def register_uninstalls(app: AsyncApp, gone: Gone) -> None:
    """Both events, each acked first; a revocation of user tokens only changes nothing."""

    @app.event("app_uninstalled")
    async def app_uninstalled(ack: AsyncAck, context: AsyncBoltContext) -> None:
        await ack()
        gone(context, "app_uninstalled")

    @app.event("tokens_revoked")
    async def tokens_revoked(ack: AsyncAck, event: dict[str, Any], context: AsyncBoltContext) -> None:
        await ack()
        if _bot_token_revoked(event):
            gone(context, "bot_token_revoked")
        else:
            logger.info("slack_user_tokens_revoked team=%s kept=everything", context.team_id)


def forget_installation(bots: InstalledBots, removal: WorkspaceRemoval, after_ack: AfterAck) -> Gone:
    """Distribution mode: the workspace's installation is deleted and everything of its own forgotten."""

    async def forget(workspace: str, context: AsyncBoltContext, cause: str) -> None:
        # An org-wide install is stored without a team, whichever of its workspaces the event names.
        team_id = None if context.is_enterprise_install else context.team_id
        await bots.async_delete_all(enterprise_id=context.enterprise_id, team_id=team_id)
        await removal.forget(workspace, cause=cause)

    def start_forgetting(context: AsyncBoltContext, cause: str) -> None:
        try:
            workspace = installed_workspace(context)
        except ValueError:
            logger.warning("slack_uninstalled workspace=unknown cause=%s", cause)
            return
        after_ack.start(forget(workspace, context, cause), "forget_workspace")

    return start_forgetting


def tell_operator(context: AsyncBoltContext, cause: str) -> None:
    """Single-workspace mode: the one bot token stopped working; only the operator can fix that."""
    logger.error(
        "slack_app_uninstalled team=%s cause=%s: SLACK_BOT_TOKEN no longer works; reinstall the app "
        "in the workspace and set SLACK_BOT_TOKEN to its new bot token",
        context.team_id,
        cause,
    )


def _bot_token_revoked(event: dict[str, Any]) -> bool:
    tokens = event.get("tokens")
    return isinstance(tokens, dict) and bool(tokens.get("bot"))
