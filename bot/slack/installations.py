"""Each workspace's bot (distribution mode): its token for a request's listeners and for background work.

Installations are read from the store once, then kept in memory for `INSTALLATION_TTL_SECONDS`, so a
slash command's ack waits on no database read and no `auth.test`: the bot's user and ID were saved at
install time. Saves and deletes in this process drop the workspace's entry at once; another process's
are seen when the entry runs out. A token about to expire (token rotation) is refreshed with Slack,
saved, and used.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from logging import Logger
from typing import Any, Protocol

from slack_bolt.authorization import AuthorizeResult
from slack_bolt.authorization.async_authorize import AsyncAuthorize
from slack_bolt.context.async_context import AsyncBoltContext
from slack_sdk.errors import SlackTokenRotationError
from slack_sdk.oauth.installation_store import Bot, Installation
from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.oauth.token_rotation.async_rotator import AsyncTokenRotator
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from bot.caching import ReadThroughCache
from bot.slack.tenancy import NotInstalled, TokenRefreshFailed
from bot.workspaces import workspace_key

logger = logging.getLogger(__name__)

INSTALLATION_TTL_SECONDS = 45.0
ROTATE_MINUTES_BEFORE_EXPIRY = 120  # Bolt's default: a token with less left than this is refreshed


class InstallationStore(Protocol):
    """What the cache needs of the store: slack_sdk's installation store, plus a bot by workspace key."""

    async def async_save(self, installation: Installation) -> None: ...
    async def async_save_bot(self, bot: Bot) -> None: ...
    async def async_find_bot(
        self, *, enterprise_id: str | None, team_id: str | None, is_enterprise_install: bool | None = False
    ) -> Bot | None: ...
    async def async_find_installation(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None = None,
        is_enterprise_install: bool | None = False,
    ) -> Installation | None: ...
    async def async_delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None: ...
    async def async_delete_installation(
        self, *, enterprise_id: str | None, team_id: str | None, user_id: str | None = None
    ) -> None: ...
    async def async_delete_all(self, *, enterprise_id: str | None, team_id: str | None) -> None: ...
    async def bot_of(self, workspace: str) -> Bot | None: ...


class InstalledBots(AsyncInstallationStore):
    """The installation store Bolt's OAuth flow saves into, with each workspace's bot cached and its
    token kept fresh."""

    def __init__(
        self,
        store: InstallationStore,
        rotator: AsyncTokenRotator,
        *,
        ttl_seconds: float = INSTALLATION_TTL_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._store = store
        self._rotator = rotator
        # Read again before use once stale: an uninstall in another process must show within the TTL.
        self._bots = ReadThroughCache(
            store.bot_of,
            name="installations",
            fresh_seconds=ttl_seconds,
            refresh_in_background=False,
            clock=clock,
        )
        self._rotating: dict[str, asyncio.Lock] = {}

    @property
    def logger(self) -> Logger:
        return logger

    async def bot_of(self, workspace: str) -> Bot | None:
        """The workspace's bot with a token good for a while (None: not installed)."""
        bot = await self._bots.get(workspace)
        if bot is None or not _expiring(bot):
            return bot
        async with self._rotating.setdefault(workspace, asyncio.Lock()):
            # Read again, from the database: another request, or another process, may have refreshed
            # it meanwhile, and Slack takes each refresh token once.
            self._bots.forget(workspace)
            bot = await self._bots.get(workspace)
            if bot is None or not _expiring(bot):
                return bot
            try:
                rotated = await self._rotator.perform_bot_token_rotation(
                    bot=bot, minutes_before_expiration=ROTATE_MINUTES_BEFORE_EXPIRY
                )
            except SlackTokenRotationError:
                # Another process may have refreshed it since the read above, with the same refresh
                # token, which Slack then refuses here: the token it saved serves this request too.
                self._bots.forget(workspace)
                saved = await self._bots.get(workspace)
                if saved is None or saved.bot_token == bot.bot_token:
                    raise
                logger.info("bot_token_rotated_elsewhere workspace=%s", workspace)
                return saved
            if rotated is None:
                return bot
            await self._store.async_save_bot(rotated)
            self._bots.put(workspace, rotated)
            logger.info("bot_token_rotated workspace=%s", workspace)
            return rotated

    def forget(self, workspace: str) -> None:
        """Read the workspace's bot from the store again at its next use."""
        self._bots.forget(workspace)

    def _forget(self, enterprise_id: str | None, team_id: str | None) -> None:
        for key in (enterprise_id, team_id):
            if key:
                self._bots.forget(key)

    # slack_sdk's installation store, for Bolt: writes pass through and drop the cached entry.
    async def async_save(self, installation: Installation) -> None:
        await self._store.async_save(installation)
        self._forget(installation.enterprise_id, installation.team_id)
        workspace = workspace_key(
            installation.enterprise_id, installation.team_id, bool(installation.is_enterprise_install)
        )
        logger.info("slack_installed workspace=%s by=%s", workspace, installation.user_id)

    async def async_save_bot(self, bot: Bot) -> None:
        await self._store.async_save_bot(bot)
        self._forget(bot.enterprise_id, bot.team_id)

    async def async_find_bot(
        self, *, enterprise_id: str | None, team_id: str | None, is_enterprise_install: bool | None = False
    ) -> Bot | None:
        return await self._store.async_find_bot(
            enterprise_id=enterprise_id, team_id=team_id, is_enterprise_install=is_enterprise_install
        )

    async def async_find_installation(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None = None,
        is_enterprise_install: bool | None = False,
    ) -> Installation | None:
        return await self._store.async_find_installation(
            enterprise_id=enterprise_id,
            team_id=team_id,
            user_id=user_id,
            is_enterprise_install=is_enterprise_install,
        )

    async def async_delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        await self._store.async_delete_bot(enterprise_id=enterprise_id, team_id=team_id)
        self._forget(enterprise_id, team_id)

    async def async_delete_installation(
        self, *, enterprise_id: str | None, team_id: str | None, user_id: str | None = None
    ) -> None:
        await self._store.async_delete_installation(
            enterprise_id=enterprise_id, team_id=team_id, user_id=user_id
        )
        self._forget(enterprise_id, team_id)

    async def async_delete_all(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        await self._store.async_delete_all(enterprise_id=enterprise_id, team_id=team_id)
        self._forget(enterprise_id, team_id)


class InstalledAuthorize(AsyncAuthorize):
    """Bolt's per-request authorize, from the cached bot: no `auth.test`, no database read on most
    requests (Bolt's own calls `auth.test` each time unless it caches, and reads the store each time)."""

    def __init__(self, bots: InstalledBots) -> None:
        self._bots = bots

    async def __call__(
        self,
        *,
        context: AsyncBoltContext,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None,
        **_actor: Any,
    ) -> AuthorizeResult | None:
        try:
            workspace = workspace_key(enterprise_id, team_id, bool(context.is_enterprise_install))
            bot = await self._bots.bot_of(workspace)
        except ValueError:  # a request naming no team or organization
            return None
        except SlackTokenRotationError as error:
            logger.error("bot_token_rotation_failed error=%s", _slack_error(error))
            return None
        if bot is None:
            logger.warning("request_from_unknown_workspace enterprise=%s team=%s", enterprise_id, team_id)
            return None
        return AuthorizeResult(
            enterprise_id=enterprise_id,
            team_id=team_id,
            bot_user_id=bot.bot_user_id,
            bot_id=bot.bot_id,
            bot_token=bot.bot_token,
            bot_scopes=bot.bot_scopes,
            user_id=user_id,
        )


class WorkspaceClients:
    """Slack clients for background work (posting results, late cards), one per workspace."""

    def __init__(self, bots: InstalledBots, app_client: AsyncWebClient) -> None:
        self._bots = bots
        self._app_client = app_client
        self._clients: dict[str, InstalledClient] = {}

    def forget(self, workspace: str) -> None:
        """The workspace uninstalled the app: drop its client and its cached bot (a reinstall reads
        the new one)."""
        self._clients.pop(workspace, None)
        self._bots.forget(workspace)

    def client_for(self, workspace: str) -> AsyncWebClient:
        client = self._clients.get(workspace)
        if client is None:
            client = self._clients[workspace] = InstalledClient(self._bots, workspace, self._app_client)
        return client


class InstalledClient(AsyncWebClient):
    """A workspace's client: every call carries the workspace's current bot token (refreshed when due,
    so a long-lived client outlives its tokens) and goes through the app's one connection pool to the
    app's Web API address."""

    def __init__(self, bots: InstalledBots, workspace: str, app_client: AsyncWebClient) -> None:
        super().__init__(
            base_url=app_client.base_url,
            timeout=app_client.timeout,
            headers=app_client.headers,
            logger=app_client.logger,
            retry_handlers=app_client.retry_handlers,
        )
        self._bots = bots
        self._workspace = workspace
        self._app_client = app_client

    async def api_call(self, api_method: str, **kwargs: Any) -> AsyncSlackResponse:  # type: ignore[override]
        try:
            bot = await self._bots.bot_of(self._workspace)
            if bot is None:  # remembered from before a reinstall in another process, maybe: read again
                self._bots.forget(self._workspace)
                bot = await self._bots.bot_of(self._workspace)
        except SlackTokenRotationError as error:
            logger.error(
                "bot_token_rotation_failed workspace=%s error=%s", self._workspace, _slack_error(error)
            )
            raise TokenRefreshFailed(self._workspace) from None
        if bot is None or not bot.bot_token:
            raise NotInstalled(self._workspace)
        # Set and read with no await between: concurrent calls each send the token they looked up.
        self.token = bot.bot_token
        self.session = self._app_client.session  # the pool opens with the server, after this client
        return await super().api_call(api_method, **kwargs)


def _expiring(bot: Bot) -> bool:
    expires_at = bot.bot_token_expires_at
    return expires_at is not None and expires_at <= time.time() + ROTATE_MINUTES_BEFORE_EXPIRY * 60


def _slack_error(error: SlackTokenRotationError) -> str:
    """Slack's error code from a failed refresh (never the response, which may carry tokens)."""
    response = getattr(error.api_error, "response", None)
    return str(response.get("error")) if response is not None else type(error.api_error).__name__
