"""Whose language a request speaks: the person's own, from their Slack locale.

A Bolt middleware asks `users.info` (with `include_locale`) for the person behind each request and
sets the language for everything the listener, and the work it hands to `AfterAck`, says. What Slack
answered is kept per workspace and person for an hour, so a person costs at most one call an hour. On
a miss that call is waited for briefly (`LOOKUP_WAIT_SECONDS`): a trigger dies in 3 s, so past that the
request speaks the default language, and the answer, when it comes, serves the person's next request.
A slash command does not wait for it before its listener: most `/starleads` subcommands ack with
nothing to say and do their work afterwards, so the lookup runs while they ack, and the language is
awaited (`settle_language`) where words are first needed: an ack that says something
(`answer_privately`), or the work after the ack (`AfterAck`). A locale the bot doesn't speak gets
the workspace's default language (`/starleads language`), else `DEFAULT_LANGUAGE`.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from contextvars import ContextVar

import aiohttp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.i18n import Language, speak, spoken_in_slack_locale
from bot.slack.origin import language_of_view
from bot.slack.request_middleware import Next
from bot.slack.tenancy import WorkspaceOf
from bot.workspaces.languages import WorkspaceLanguages

logger = logging.getLogger(__name__)

LOOKUP_WAIT_SECONDS = 0.5
LOCALE_CACHE_SECONDS = 3600.0
_UNKNOWN_CACHE_SECONDS = 60.0  # Slack couldn't say: ask again soon, not on every request
_MAX_PEOPLE = 50_000  # beyond this many people in memory, start again from empty

_Person = tuple[str, str]  # (workspace, user ID)

# A slash command's person's language, while Slack is still being asked (see `settle_language`).
_settling: ContextVar[asyncio.Task[Language] | None] = ContextVar("settling_language", default=None)


async def settle_language() -> None:
    """Speak the request's person's language from here on. A slash command's listener calls it before
    it first says something (the lookup started with the request); elsewhere it does nothing."""
    looking = _settling.get()
    if looking is not None:
        _settling.set(None)
        speak(await looking)


async def answer_privately(ack: AsyncAck, words: Callable[[], str]) -> None:
    """Ack with a message only its person sees, written once their language is known (`words` is
    called after `settle_language`, as the text is translated when it is built)."""
    await settle_language()
    await ack(text=words(), response_type="ephemeral")


class UserLanguages:
    def __init__(
        self,
        workspaces: WorkspaceLanguages,
        workspace_of: WorkspaceOf,
        *,
        wait_seconds: float = LOOKUP_WAIT_SECONDS,
    ) -> None:
        self._workspaces = workspaces
        self._workspace_of = workspace_of
        self._wait_seconds = wait_seconds
        self._spoken: dict[_Person, tuple[float, Language | None]] = {}  # (good until, language)
        self._lookups: dict[_Person, asyncio.Task[Language | None]] = {}

    async def speak_their_language(self, request: AsyncBoltRequest, proceed: Next) -> None:
        """The Bolt middleware (`RequestMiddleware`): the request's person's language, for the rest of
        the request's task."""
        context, body = request.context, request.body
        user_id = context.user_id
        # A form keeps the language it was opened in, whatever is learnt about the person since.
        opened_in = language_of_view(body.get("view"))
        if opened_in is not None:
            speak(opened_in)
        elif user_id and context.client is not None:
            workspace = self._workspace_of(context)
            kept = self._kept((workspace, user_id))
            if kept is not None and kept[1] is not None:  # most requests: no lookup, no task to settle
                speak(kept[1])
            elif "command" in body:
                looking = self.language_of(context.client, workspace, user_id)
                _settling.set(asyncio.create_task(looking, name="settling_language"))
            else:
                speak(await self.language_of(context.client, workspace, user_id))
        await proceed()

    def forget(self, workspace: str) -> None:
        """The workspace is gone (uninstalled): forget its people's languages."""
        for person in [person for person in self._spoken if person[0] == workspace]:
            del self._spoken[person]

    async def language_of(self, client: AsyncWebClient, workspace: str, user_id: str) -> Language:
        spoken = await self._spoken_by(client, (workspace, user_id))
        return spoken or await self._workspaces.default_for(workspace)

    def _kept(self, person: _Person) -> tuple[float, Language | None] | None:
        """What Slack said of the person, while it is fresh (None for a locale it couldn't say)."""
        kept = self._spoken.get(person)
        return kept if kept is not None and kept[0] > time.monotonic() else None

    async def _spoken_by(self, client: AsyncWebClient, person: _Person) -> Language | None:
        if (kept := self._kept(person)) is not None:
            return kept[1]
        lookup = self._lookups.get(person)
        if lookup is None:
            lookup = asyncio.create_task(self._look_up(client, person), name="users_info_locale")
            self._lookups[person] = lookup
            lookup.add_done_callback(lambda _: self._lookups.pop(person, None))
        done, _ = await asyncio.wait({lookup}, timeout=self._wait_seconds)
        if not done:
            logger.info("user_locale_late user=%s", person[1])
            return None
        return lookup.result()

    async def _look_up(self, client: AsyncWebClient, person: _Person) -> Language | None:
        try:
            response = await client.users_info(user=person[1], include_locale=True)
        except SlackApiError as error:
            return self._unknown(person, str(error.response.get("error")))
        except (aiohttp.ClientError, TimeoutError) as error:
            return self._unknown(person, type(error).__name__)
        user = response.get("user")
        locale = user.get("locale") if isinstance(user, dict) else None
        spoken = spoken_in_slack_locale(locale if isinstance(locale, str) else None)
        self._remember(person, spoken, LOCALE_CACHE_SECONDS)
        return spoken

    def _unknown(self, person: _Person, reason: str) -> None:
        logger.warning("user_locale_unknown user=%s error=%s", person[1], reason)
        self._remember(person, None, _UNKNOWN_CACHE_SECONDS)

    def _remember(self, person: _Person, spoken: Language | None, seconds: float) -> None:
        if len(self._spoken) >= _MAX_PEOPLE:
            self._spoken.clear()
        self._spoken[person] = (time.monotonic() + seconds, spoken)
