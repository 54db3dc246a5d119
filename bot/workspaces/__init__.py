"""Workspaces: which Slack workspace a request, a row or a Starleads key belongs to.

A bot installed in many workspaces keeps each one's campaigns, preferences, subscriptions and
Starleads key apart; a bot configured with one bot token serves one workspace, `SINGLE`.
"""

from bot.store import SINGLE


def workspace_key(enterprise_id: str | None, team_id: str | None, is_enterprise_install: bool) -> str:
    """The workspace an install serves: the organization for an org-wide install, else the team.

    Slack's IDs are global (`E…` organizations, `T…` teams), so the two kinds never collide.
    """
    workspace = enterprise_id if is_enterprise_install else team_id
    if not workspace:
        raise ValueError("an install names its team, or its organization when installed org-wide")
    return workspace


__all__ = ["SINGLE", "workspace_key"]
