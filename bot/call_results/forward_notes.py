"""The results thread's notes about call results that could not be forwarded: which are due, and what
each must say (the store decides which one caller owns each, bot/store/forward_notes.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.call_results.forward_problems import said
from bot.i18n import Language, stored_language
from bot.store import DueNote, ForwardNoteStore


@dataclass(frozen=True)
class ForwardNote:
    """A note a poster now owns: where it goes and what it says, read from the store's claim on it,
    which goes back to the store as is when the note is shown."""

    claim: DueNote

    @property
    def workspace(self) -> str:
        """Whose Slack the note goes to."""
        return self.claim.workspace_id

    @property
    def channel_id(self) -> str:
        return self.claim.channel_id

    @property
    def thread_ts(self) -> str:
        return self.claim.thread_ts

    @property
    def language(self) -> Language:
        """The thread's: the note speaks it."""
        return stored_language(self.claim.language)

    @property
    def note_ts(self) -> str | None:
        """None: not posted yet."""
        return self.claim.note_ts

    @property
    def host(self) -> str:
        """'' when the URL had none that could be read."""
        return self.claim.host

    @property
    def dead_forwards(self) -> int:
        return self.claim.dead_forwards

    def said_problem(self) -> str:
        """What went wrong last, in the language being spoken (the thread's, for its note)."""
        return said(self.claim.problem, self.host)

    @property
    def failed_at(self) -> datetime:
        return self.claim.failed_at


class ForwardNoteQueue:
    def __init__(
        self,
        store: ForwardNoteStore,
        edit_interval: timedelta = timedelta(seconds=3),
        hold: timedelta = timedelta(minutes=5),
    ) -> None:
        self._store = store
        self._edit_interval = edit_interval  # at most one edit of a note this often
        self._hold = hold  # how long a claim on a note lasts: beyond one post with its retries

    async def claim(self) -> list[ForwardNote]:
        """Every workspace's notes the threads show an older state of, each this caller's for a while."""
        claimed = await self._store.claim(self._edit_interval, self._hold, workspace=None)
        return [ForwardNote(due) for due in claimed]

    async def shown(self, note: ForwardNote, note_ts: str) -> None:
        """The thread now shows `note` as `note_ts`."""
        await self._store.shown(note.claim, note_ts)

    async def not_shown(self, note: ForwardNote) -> None:
        """Slack would not take `note`: it stays due, tried again a little later."""
        await self._store.not_shown(note.claim)
