"""`/starleads connect` and `/starleads disconnect`: a distributed bot's workspaces each connect their
own Starleads account; and the gate that stops `/starleads campaign` and `subscribe` until they have.

Connecting is for the workspace's admins and owners (as `users.info` says) and whoever installed the
app. That check asks Slack, so it runs after the ack, and only on these paths: the gate in front of
`/starleads campaign` reads the connection from memory (or one primary-key read) and asks nothing
else. A single-workspace bot's key is its operator's setting: these subcommands only say so.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any, Protocol

import aiohttp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.i18n import N_, _
from bot.slack.background import AfterAck
from bot.slack.blocks.connect_form import KEY_BLOCK, connect_form, connected_view, read_key
from bot.slack.blocks.kit import md, mention
from bot.slack.languages import answer_privately
from bot.slack.tenancy import WorkspaceOf
from bot.workspaces.connections import Connected, StarleadsAccounts

logger = logging.getLogger(__name__)

SET_BY_OPERATOR = N_(
    "This bot uses one Starleads account, set by whoever runs it (`STARLEADS_API_KEY`): there is "
    "nothing to connect or disconnect here."
)
_ROLES = ("is_admin", "is_owner", "is_primary_owner")
_HOW_TO_CONNECT = N_(
    "Type `/starleads connect` and paste your company's Starleads API key (in Starleads, your profile → "
    "API key)."
)
_NOT_CONNECTED = N_("This workspace isn't connected to Starleads yet, so `/starleads {}` can't work.")
_NOT_OPENED = N_("Slack didn't open the form ({}). Please type `/starleads connect` again.")


class ConnectedCheck(Protocol):
    """`StarleadsAccountCommands.ready`, as the commands that need a connected workspace receive it."""

    async def __call__(
        self,
        client: AsyncWebClient,
        command: dict[str, Any],
        workspace: str,
        respond: AsyncRespond,
        *,
        subcommand: str,
    ) -> bool: ...


class StarleadsAccountCommands:
    def __init__(
        self, accounts: StarleadsAccounts | None, after_ack: AfterAck, workspace_of: WorkspaceOf
    ) -> None:
        """`accounts`: each workspace's Starleads account, or None when the operator set the one key."""
        self._accounts = accounts
        self._after_ack = after_ack
        self._workspace_of = workspace_of

    async def connect(
        self,
        ack: AsyncAck,
        client: AsyncWebClient,
        command: dict[str, Any],
        context: AsyncBoltContext,
        respond: AsyncRespond,
    ) -> None:
        workspace = self._workspace_of(context)
        await self._after_ack_when_distributed(
            ack,
            lambda accounts: self._open_form(accounts, client, command, workspace, respond),
            "open_connect_form",
        )

    async def disconnect(
        self,
        ack: AsyncAck,
        client: AsyncWebClient,
        command: dict[str, Any],
        context: AsyncBoltContext,
        respond: AsyncRespond,
    ) -> None:
        workspace = self._workspace_of(context)
        await self._after_ack_when_distributed(
            ack,
            lambda accounts: self._disconnect(accounts, client, command, workspace, respond),
            "disconnect_starleads",
        )

    async def _after_ack_when_distributed(
        self, ack: AsyncAck, work: Callable[[StarleadsAccounts], Coroutine[Any, Any, None]], name: str
    ) -> None:
        """Ack, then `work` on the workspaces' accounts; a single-workspace bot has none to manage (its key
        is the operator's setting), which the ack says."""
        if self._accounts is None:
            await answer_privately(ack, lambda: _(SET_BY_OPERATOR))
            return
        await ack()
        self._after_ack.start(work(self._accounts), name)

    async def submit_key(
        self, ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], context: AsyncBoltContext
    ) -> None:
        """Check the key with Starleads inside the ack (a refusal must sit under the field, and only the
        ack can put it there): a bounded wait, well within Slack's 3 s."""
        if self._accounts is None:
            await ack(response_action="errors", errors={KEY_BLOCK: _(SET_BY_OPERATOR)})
            return
        user_id = str((body.get("user") or {}).get("id") or "")
        outcome = await self._accounts.connect(self._workspace_of(context), read_key(view), user_id=user_id)
        if isinstance(outcome, Connected):
            await ack(response_action="update", view=connected_view(outcome.connection))
        else:
            await ack(response_action="errors", errors={KEY_BLOCK: outcome.message})

    async def ready(
        self,
        client: AsyncWebClient,
        command: dict[str, Any],
        workspace: str,
        respond: AsyncRespond,
        *,
        subcommand: str,
    ) -> bool:
        """Whether `/starleads <subcommand>` may go on, asked after the ack (a cold cache means a
        database read, which an ack must not wait for): a connected workspace's may; otherwise the
        person is told how to connect, or whom to ask, and nothing opens."""
        if self._accounts is None or await self._accounts.connection(workspace) is not None:
            return True
        await self._explain_not_connected(self._accounts, client, command, workspace, subcommand, respond)
        return False

    async def _open_form(
        self,
        accounts: StarleadsAccounts,
        client: AsyncWebClient,
        command: dict[str, Any],
        workspace: str,
        respond: AsyncRespond,
    ) -> None:
        user_id = str(command.get("user_id") or "")
        allowed, installer = await may_manage_workspace(accounts, client, workspace, user_id)
        if not allowed:
            await respond(text=_who_can(installer), response_type="ephemeral")
            return
        form = connect_form(await accounts.connection(workspace))
        try:
            await client.views_open(trigger_id=str(command.get("trigger_id") or ""), view=form)
        except SlackApiError as error:
            reason = str(error.response.get("error"))
            logger.warning("connect_form_not_opened workspace=%s error=%s", workspace, reason)
            await respond(text=_(_NOT_OPENED).format(md("{:code.60}", reason)), response_type="ephemeral")
        except (aiohttp.ClientError, TimeoutError) as error:
            logger.warning("connect_form_not_opened workspace=%s error=%s", workspace, type(error).__name__)
            unreachable = _(_NOT_OPENED).format(_("Slack couldn't be reached"))
            await respond(text=unreachable, response_type="ephemeral")

    async def _disconnect(
        self,
        accounts: StarleadsAccounts,
        client: AsyncWebClient,
        command: dict[str, Any],
        workspace: str,
        respond: AsyncRespond,
    ) -> None:
        user_id = str(command.get("user_id") or "")
        allowed, installer = await may_manage_workspace(accounts, client, workspace, user_id)
        if not allowed:
            await respond(text=_who_can(installer, disconnecting=True), response_type="ephemeral")
            return
        if await accounts.disconnect(workspace):
            text = _(
                "Done: this workspace is no longer connected to Starleads and its key is forgotten. "
                "`/starleads campaign` won't work until someone connects it again with `/starleads connect`."
            )
        else:
            text = _("This workspace wasn't connected to Starleads: there was no key to forget.")
        await respond(text=text, response_type="ephemeral")

    async def _explain_not_connected(
        self,
        accounts: StarleadsAccounts,
        client: AsyncWebClient,
        command: dict[str, Any],
        workspace: str,
        subcommand: str,
        respond: AsyncRespond,
    ) -> None:
        user_id = str(command.get("user_id") or "")
        allowed, installer = await may_manage_workspace(accounts, client, workspace, user_id)
        what = _(_NOT_CONNECTED).format(subcommand)
        if allowed:
            text = f"{what} {_(_HOW_TO_CONNECT)}"
        else:
            ask = _("Ask {people} to type `/starleads connect`.").format(people=people_who_can(installer))
            text = f"{what} {ask}"
        await respond(text=text, response_type="ephemeral")


async def may_manage_workspace(
    accounts: StarleadsAccounts, client: AsyncWebClient, workspace: str, user_id: str
) -> tuple[bool, str | None]:
    """(whether `user_id` may connect `workspace` or choose its language, who installed the app there)."""
    installer, role = await asyncio.gather(accounts.installer(workspace), _has_admin_role(client, user_id))
    return (role or (installer is not None and installer == user_id)), installer


async def _has_admin_role(client: AsyncWebClient, user_id: str) -> bool:
    """Whether Slack says `user_id` is a workspace admin or owner; no when Slack can't say (fail closed)."""
    try:
        response = await client.users_info(user=user_id)
    except SlackApiError as error:
        logger.warning("user_roles_unknown user=%s error=%s", user_id, error.response.get("error"))
        return False
    except (aiohttp.ClientError, TimeoutError) as error:
        logger.warning("user_roles_unknown user=%s error=%s", user_id, type(error).__name__)
        return False
    user = response.get("user")
    return isinstance(user, dict) and any(user.get(role) is True for role in _ROLES)


def people_who_can(installer: str | None) -> str:
    """Whom to ask for what only admins, owners and the installer may do."""
    who = mention(installer)
    if not who:
        return _("a workspace admin")
    return _("{installer} (who installed Starleads here) or a workspace admin").format(installer=who)


def _who_can(installer: str | None, *, disconnecting: bool = False) -> str:
    if disconnecting:
        refusal = _(
            "Sorry, only workspace admins and owners, and whoever installed Starleads here, can disconnect "
            "this workspace's Starleads account. Ask {people} to type `/starleads disconnect`."
        )
    else:
        refusal = _(
            "Sorry, only workspace admins and owners, and whoever installed Starleads here, can connect "
            "this workspace's Starleads account. Ask {people} to type `/starleads connect`."
        )
    return refusal.format(people=people_who_can(installer))
