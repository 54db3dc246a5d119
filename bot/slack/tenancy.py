"""Which workspace a Slack request comes from: the key its rows, its Starleads key and its bot token
are kept under."""

from __future__ import annotations

from collections.abc import Callable

from slack_bolt.context.async_context import AsyncBoltContext

from bot.workspaces import SINGLE, workspace_key

WorkspaceOf = Callable[[AsyncBoltContext], str]


def single_workspace(_context: AsyncBoltContext) -> str:
    """A bot configured with one bot token serves one workspace, whatever the request says."""
    return SINGLE


def installed_workspace(context: AsyncBoltContext) -> str:
    """A distributed bot: the installation the request came through (its organization, for an
    org-wide install)."""
    return workspace_key(context.enterprise_id, context.team_id, bool(context.is_enterprise_install))
