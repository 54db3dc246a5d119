"""The results thread's notes about call results that could not be forwarded: which are due, and what
each must say (the store decides which one caller owns each, bot/store/forward_notes.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.store import DueNote, ForwardNoteStore


@dataclass(frozen=True)
class ForwardNote:
    """A note a poster now owns: where it goes and what it says."""

    channel_id: str
    thread_ts: str
    note_ts: str | None  # None: not posted yet
    host: str  # '' when the URL had none that could be read
    dead_forwards: int
    problem: str
    failed_at: datetime
    claim: DueNote = field(repr=False)  # handed back when the note is shown


def _note(due: DueNote) -> ForwardNote:
    return ForwardNote(
        channel_id=due.channel_id,
        thread_ts=due.thread_ts,
        note_ts=due.note_ts,
        host=due.host,
        dead_forwards=due.dead_forwards,
        problem=due.problem,
        failed_at=due.failed_at,
        claim=due,
    )


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
        """The notes the threads show an older state of, each this caller's for a while."""
        return [_note(due) for due in await self._store.claim(self._edit_interval, self._hold)]

    async def shown(self, note: ForwardNote, note_ts: str) -> None:
        """The thread now shows `note` as `note_ts`."""
        await self._store.shown(note.claim, note_ts)

    async def not_shown(self, note: ForwardNote) -> None:
        """Slack would not take `note`: it stays due, tried again a little later."""
        await self._store.not_shown(note.claim)
