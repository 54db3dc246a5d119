"""Who may create campaigns: `ALLOWED_USERS` (users and user groups) and `ALLOWED_CHANNELS`.

Both empty means everyone, everywhere. User groups are expanded through `usergroups.users.list` in
the background (at start-up, then every few minutes), so checking a request is a local lookup and
never delays an ack. Until a group's members are known, its members are not let in (fail closed).
"""

from __future__ import annotations

import asyncio
import logging

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.config import Settings
from bot.i18n import N_

logger = logging.getLogger(__name__)

DENIED = N_(
    "Sorry, creating Starleads campaigns from Slack is limited to some people and channels in this "
    "workspace. Ask whoever runs the Starleads bot to add you, or use one of the allowed channels."
)
_REFRESH_SECONDS = 300.0


class AccessPolicy:
    def __init__(self, users: frozenset[str], channels: frozenset[str]) -> None:
        self._users = frozenset(u for u in users if not u.startswith("S"))
        self._groups = frozenset(u for u in users if u.startswith("S"))
        self._channels = channels
        self._group_members: dict[str, frozenset[str]] = {}

    @classmethod
    def from_settings(cls, settings: Settings) -> AccessPolicy:
        return cls(settings.allowed_user_ids, settings.allowed_channel_ids)

    @property
    def has_groups(self) -> bool:
        return bool(self._groups)

    def allows(self, user_id: str, channel_id: str) -> bool:
        if self._channels and channel_id not in self._channels:
            return False
        if not self._users and not self._groups:
            return True
        return user_id in self._users or any(user_id in members for members in self._group_members.values())

    async def keep_groups_fresh(self, client: AsyncWebClient) -> None:
        """Runs for the life of the process: reload every group's members now and then."""
        while True:
            await self.refresh_groups(client)
            await asyncio.sleep(_REFRESH_SECONDS)

    async def refresh_groups(self, client: AsyncWebClient) -> None:
        for group in self._groups:
            try:
                response = await client.usergroups_users_list(usergroup=group)
            except SlackApiError as error:
                logger.warning(
                    "user_group_refresh_failed group=%s error=%s", group, error.response.get("error")
                )
                continue
            users = response.get("users")
            self._group_members[group] = (
                frozenset(u for u in users if isinstance(u, str)) if isinstance(users, list) else frozenset()
            )
