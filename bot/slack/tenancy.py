"""Which workspace a Slack request comes from: the key its rows, its Starleads key and its bot token
are kept under; and why a distributed bot may have no way to write to a workspace."""

from __future__ import annotations

from collections.abc import Callable

from slack_bolt.context.async_context import AsyncBoltContext

from bot.workspaces import SINGLE, workspace_key

WorkspaceOf = Callable[[AsyncBoltContext], str]


class WorkspaceUnreachable(Exception):
    """A distributed bot has no token to write to the workspace with; `reason` names why in log lines."""

    reason = "unreachable"


class NotInstalled(WorkspaceUnreachable):
    """The workspace has no installation (it uninstalled the app): nothing can be sent there, ever."""

    reason = "not_installed"


class TokenRefreshFailed(WorkspaceUnreachable):
    """The workspace's bot token is due for a refresh and Slack would not refresh it: nothing can be
    sent there for now (the error is logged)."""

    reason = "token_refresh_failed"


def single_workspace(_context: AsyncBoltContext) -> str:
    """A bot configured with one bot token serves one workspace, whatever the request says."""
    return SINGLE


def installed_workspace(context: AsyncBoltContext) -> str:
    """A distributed bot: the installation the request came through (its organization, for an
    org-wide install)."""
    return workspace_key(context.enterprise_id, context.team_id, bool(context.is_enterprise_install))
