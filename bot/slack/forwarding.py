"""The results thread's note when call results could not be forwarded to the team's own webhook.

One note per subscription and receiving host ("3 call results could not be forwarded to
`hooks.example.com`: HTTP 500"), posted when the first forward dies and edited as more do, never one
note per result: a webhook that is down for a burst of 30 results would otherwise flood the thread.
The poster shows the notes between its rounds, each in its channel's turn with the results (its pacing
and `call_slack`'s wait for a 429's `Retry-After`), so a note never jumps the channel's queue. Every
workspace's notes are claimed together, and each goes out with its own workspace's Slack client.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager

from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy.exc import SQLAlchemyError

from bot.call_results.forward_notes import ForwardNote, ForwardNoteQueue
from bot.i18n import speaking
from bot.slack.blocks.call_result import forward_failed_note
from bot.slack.blocks.kit import Card
from bot.slack.delivery import SlackClients, SlackRefused, call_slack, post_message
from bot.slack.tenancy import NotInstalled, WorkspaceUnreachable

logger = logging.getLogger(__name__)

_DELETED = "message_not_found"  # chat.update's answer for a message deleted in Slack

ChannelTurn = Callable[[str], AbstractAsyncContextManager[None]]
"""A channel's next turn to get a message, held while the message goes out."""


class ForwardNotes:
    def __init__(
        self, clients_for: SlackClients, notes: ForwardNoteQueue, backoff: tuple[float, ...]
    ) -> None:
        self._clients_for = clients_for
        self._notes = notes
        self._backoff = backoff

    async def show_due(self, turn: ChannelTurn) -> None:
        """Post or edit every note that shows less than is known, one channel's notes in turn."""
        by_channel: dict[str, list[ForwardNote]] = defaultdict(list)
        for note in await self._notes.claim():
            by_channel[note.channel_id].append(note)
        await asyncio.gather(*(self._show_all(turn, notes) for notes in by_channel.values()))

    async def _show_all(self, turn: ChannelTurn, notes: list[ForwardNote]) -> None:
        for note in notes:
            try:
                async with turn(note.channel_id):
                    note_ts = await self._send(note)
            except WorkspaceUnreachable as error:
                await self._drop(note, error)
                continue
            try:
                if note_ts is None:  # still due: tried again a little later
                    await self._notes.not_shown(note)
                    continue
                await self._notes.shown(note, note_ts)
            except SQLAlchemyError as error:  # its claim expires: shown again then, as an edit if posted
                error_name = type(error).__name__
                logger.error("forward_note_mark_failed channel=%s error=%s", note.channel_id, error_name)
                continue
            logger.info(
                "forward_note_shown channel=%s host=%s dead_forwards=%d note=%s",
                note.channel_id,
                note.host,
                note.dead_forwards,
                note_ts,
            )

    async def _drop(self, note: ForwardNote, error: WorkspaceUnreachable) -> None:
        """A note for a workspace that uninstalled the app is dropped (marked as shown: it never will
        be); one whose token can't be refreshed now stays due."""
        logger.warning("forward_note_not_shown workspace=%s reason=%s", note.workspace, error.reason)
        try:
            if isinstance(error, NotInstalled):
                await self._notes.shown(note, note.note_ts or "")
            else:
                await self._notes.not_shown(note)
        except SQLAlchemyError as failure:  # its claim expires: tried again then
            error_name = type(failure).__name__
            logger.error("forward_note_mark_failed channel=%s error=%s", note.channel_id, error_name)

    async def _send(self, note: ForwardNote) -> str | None:
        """The note's ts once the thread shows it (posted now, or edited), None if Slack would not take it."""
        with speaking(note.language):  # the thread's
            card = forward_failed_note(note.host, note.dead_forwards, note.said_problem(), note.failed_at)
        client = self._clients_for(note.workspace)
        try:
            if note.note_ts is not None and await self._edited(client, note, card):
                return note.note_ts
            return await post_message(client, note.channel_id, card, self._backoff, thread_ts=note.thread_ts)
        except SlackRefused as refused:
            logger.error("forward_note_failed channel=%s error=%s", note.channel_id, refused.reason)
            return None

    async def _edited(self, client: AsyncWebClient, note: ForwardNote, card: Card) -> bool:
        """Whether the posted note now reads `card`; False when someone deleted it: a new one is due."""
        try:
            await call_slack(
                lambda: client.chat_update(
                    channel=note.channel_id, ts=note.note_ts, text=card.text, blocks=card.blocks
                ),
                self._backoff,
                f"forward_note_update_failed channel={note.channel_id}",
            )
        except SlackRefused as refused:
            if refused.reason != _DELETED:
                raise
            logger.warning("forward_note_deleted channel=%s", note.channel_id)
            return False
        return True
