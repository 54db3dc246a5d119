"""`/starleads language fr|en`: a distributed bot's workspace chooses the language of its people whose
Slack language the bot doesn't speak (everyone else keeps their own). Like `/starleads connect`, for
the workspace's admins and owners and whoever installed the app; a single-workspace bot's default is
its operator's `DEFAULT_LANGUAGE`.
"""

from __future__ import annotations

from typing import Any, cast

from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.i18n import LANGUAGES, N_, Language, _
from bot.slack.background import AfterAck
from bot.slack.languages import answer_privately
from bot.slack.starleads_account import may_manage_workspace, people_who_can
from bot.slack.tenancy import WorkspaceOf
from bot.workspaces.connections import StarleadsAccounts
from bot.workspaces.languages import WorkspaceLanguages

_NAMES: dict[Language, str] = {"en": N_("English"), "fr": N_("French")}
SET_BY_OPERATOR = N_(
    "This bot's language is set by whoever runs it (`DEFAULT_LANGUAGE`); everyone whose Slack language "
    "is English or French gets their own."
)
_WHICH = N_(
    "Which language? Type `/starleads language fr` or `/starleads language en`. It is for people here "
    "whose Slack language is neither English nor French (everyone else gets their own); now {language}."
)
_CHOSEN = N_(
    "Done: people in this workspace whose Slack language is neither English nor French now get "
    "{language}. Everyone else keeps their own."
)
_WHO_CAN = N_(
    "Sorry, only workspace admins and owners, and whoever installed Starleads here, can choose this "
    "workspace's language. Ask {people} to type `/starleads language`."
)


def language_name(language: Language) -> str:
    """The language's name in the language being spoken: "French", « français »."""
    return _(_NAMES[language])


class WorkspaceLanguageCommand:
    def __init__(
        self,
        languages: WorkspaceLanguages,
        accounts: StarleadsAccounts | None,
        after_ack: AfterAck,
        workspace_of: WorkspaceOf,
    ) -> None:
        """`accounts`: each workspace's Starleads account (who installed the app there), or None for a
        single-workspace bot."""
        self._languages = languages
        self._accounts = accounts
        self._after_ack = after_ack
        self._workspace_of = workspace_of

    async def workspace_default(self, context: AsyncBoltContext) -> Language | None:
        """The workspace's chosen default (for the help), None for a single-workspace bot."""
        if self._accounts is None:
            return None
        return await self._languages.default_for(self._workspace_of(context))

    async def choose(
        self,
        ack: AsyncAck,
        client: AsyncWebClient,
        command: dict[str, Any],
        context: AsyncBoltContext,
        respond: AsyncRespond,
    ) -> None:
        """The choice is read inside the ack; the role check asks Slack, so it follows the ack."""
        if self._accounts is None or not self._languages.per_workspace:
            await answer_privately(ack, lambda: _(SET_BY_OPERATOR))
            return
        workspace = self._workspace_of(context)
        words = str(command.get("text") or "").split()
        chosen = words[1].lower() if len(words) > 1 else ""
        if chosen not in LANGUAGES:
            current = await self._languages.default_for(workspace)
            await answer_privately(ack, lambda: _(_WHICH).format(language=language_name(current)))
            return
        await ack()
        user_id = str(command.get("user_id") or "")
        work = self._choose(self._accounts, client, workspace, user_id, cast(Language, chosen), respond)
        self._after_ack.start(work, "choose_language")

    async def _choose(
        self,
        accounts: StarleadsAccounts,
        client: AsyncWebClient,
        workspace: str,
        user_id: str,
        language: Language,
        respond: AsyncRespond,
    ) -> None:
        allowed, installer = await may_manage_workspace(accounts, client, workspace, user_id)
        if not allowed:
            text = _(_WHO_CAN).format(people=people_who_can(installer))
            await respond(text=text, response_type="ephemeral")
            return
        await self._languages.choose(workspace, language, chosen_by=user_id)
        await respond(text=_(_CHOSEN).format(language=language_name(language)), response_type="ephemeral")
