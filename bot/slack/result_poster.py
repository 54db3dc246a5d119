"""The poster: stored call results become threaded replies under their subscription's root message.

It runs for the life of the process, claiming results from the database (so several processes can
share the work) and posting them at Slack's pace: about one message a second per channel, a 429 waits
`Retry-After`, passing failures are retried with backoff and a result that still can't be posted ends
`dead`, with a note in its thread.

Each workspace gets its own lane (lanes.py): a round starts one for every workspace with results due
and none running, posting with that workspace's Slack client, and never waits for it, so a workspace
whose Slack is slow or rate-limited delays only its own results. A lane's claim is a lease: a
heartbeat renews every claim the lane holds (waiting its turn or being posted) every third of a lease,
so a live poster's claims never run out, and each is renewed once more right before its post, so one
another poster took over anyway is left to that poster. Each reply carries the result's id in its
message metadata: a result taken over from a poster that died (its lease ran out) may already be in
the thread, so the thread is read back first (`conversations.replies`) and a reply found there is
recorded, not posted again. If the thread can't be read, the result is posted anyway with a warning:
a rare duplicate is better than a lost result. A fresh result costs no read. The roots' tallies
follow with `chat.update`, throttled, in their workspace's lane. Beside the lanes the poster also
shows the threads' notes about results that could not be forwarded (forwarding.py), each in its
channel's turn. Logs name results by id and channels by id, never anything personal.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import defaultdict
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy.exc import SQLAlchemyError

from bot.call_results.lanes import Lanes
from bot.call_results.leases import HeldClaims, Lease
from bot.call_results.result_queue import DueResult, ResultQueue
from bot.i18n import Language, speaking
from bot.logs import logging_about
from bot.slack.blocks.call_result import result_reply, results_root, undeliverable_note, with_tally
from bot.slack.blocks.kit import Card
from bot.slack.delivery import SlackClients, SlackRefused, call_slack, post_message
from bot.slack.forwarding import ForwardNotes
from bot.slack.tenancy import NotInstalled, TokenRefreshFailed

logger = logging.getLogger(__name__)

RESULT_EVENT = "starleads_call_result"


@dataclass(frozen=True)
class PosterPacing:
    poll_seconds: float = 0.5  # a cheap indexed query when idle; the webhook wakes it at once anyway
    batch: int = 5  # results claimed at a time: about 5 s of one channel's pace
    channel_interval_seconds: float = 1.0  # Slack's "about one message per second per channel"
    tally_interval_seconds: float = 3.0  # at most one chat.update per root this often
    idle_root_seconds: float = 600.0  # a root with no new result this long is forgotten until its next
    backoff_seconds: tuple[float, ...] = (1.0, 2.0, 4.0)  # between 4 tries; then the result is dead
    lease: Lease = field(default_factory=Lease)  # a claim not renewed for this long belongs to a dead poster
    thread_page_size: int = 200  # replies per conversations.replies page when reading a thread back
    thread_pages: int = 50  # pages read at most: 10,000 replies
    lanes: int = 50  # workspaces posted to at once; the others wait their turn, round-robin


@dataclass
class _Root:
    workspace: str
    channel_id: str
    thread_ts: str
    message: Card  # as posted: the campaign's card, or the root `/starleads subscribe` posted
    language: Language  # the thread's: its tally speaks it
    last_update: float = float("-inf")
    stale: bool = False  # posted results the root's tally doesn't count yet


class ResultPoster:
    def __init__(
        self,
        clients_for: SlackClients,
        results: ResultQueue,
        pacing: PosterPacing | None = None,
        *,
        forward_notes: ForwardNotes,
    ) -> None:
        self._clients_for = clients_for
        self._results = results
        self._pacing = pacing or PosterPacing()
        self._forward_notes = forward_notes
        self._wake = asyncio.Event()
        self._next_post: dict[str, float] = defaultdict(float)
        self._channel_turns: dict[str, asyncio.Lock] = defaultdict(asyncio.Lock)
        self._roots: dict[str, _Root] = {}
        self._lanes = Lanes(self._pacing.lanes, "result_poster")
        self._showing_notes: asyncio.Task[None] | None = None

    def wake(self) -> None:
        """A result was just stored: look now rather than at the next poll."""
        self._wake.set()

    async def run(self) -> None:
        """Until cancelled: start the lanes of the workspaces with results due, and the forwarding notes
        beside them, then wait for more; the lanes stop with it."""
        try:
            await self._rounds()
        finally:
            self._lanes.stop()
            if self._showing_notes is not None:
                self._showing_notes.cancel()

    async def _rounds(self) -> None:
        """A failed round is logged and the next one starts after the poll interval: the results stay
        stored either way. A lane that posted something wakes the next round at once."""
        while True:
            self._wake.clear()
            try:
                await self._lanes.start_due(self._due_workspaces, self._stale_workspaces(), self._lane)
                self._show_notes()
            except Exception:
                logger.exception("result_poster_round_failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self._pacing.poll_seconds)

    async def _due_workspaces(self, limit: int, after: str) -> list[str]:
        return await self._results.due_workspaces(limit, self._pacing.lease.length, after=after)

    def _stale_workspaces(self) -> list[str]:
        """Workspaces with a tally to show even when no result of theirs is due."""
        return [root.workspace for root in self._roots.values() if root.stale]

    def forget(self, workspace: str) -> None:
        """The workspace uninstalled the app: its threads' tallies are no longer kept up."""
        for key in [key for key, root in self._roots.items() if root.workspace == workspace]:
            del self._roots[key]

    async def _lane(self, workspace: str) -> None:
        """The workspace's share of a round. One that uninstalled the app has its results still to
        post dropped (they belong to nobody now); one whose token can't be refreshed keeps them, taken
        again once their claims lapse."""
        try:
            await self._post_due(workspace)
        except NotInstalled:
            dropped = await self._results.drop(workspace)
            self.forget(workspace)
            if dropped:  # none: a tally's lane that raced the uninstall, which dropped everything itself
                logger.warning(
                    "results_dropped workspace=%s reason=not_installed count=%d", workspace, dropped
                )
        except TokenRefreshFailed:
            logger.warning("results_waiting workspace=%s reason=token_refresh_failed", workspace)

    async def _post_due(self, workspace: str) -> None:
        """One claim of the workspace's results and their posts (one channel's in turn, the channels
        side by side), kept alive by a heartbeat meanwhile; then the workspace's tallies."""
        client = self._clients_for(workspace)
        claimed = await self._results.claim(
            self._pacing.batch, self._pacing.lease.length, workspace=workspace
        )
        if claimed:
            by_channel: dict[str, list[DueResult]] = defaultdict(list)
            for result in claimed:
                by_channel[result.channel_id].append(result)
            held = HeldClaims(
                lambda ids: self._results.keep(ids, workspace=workspace), self._pacing.lease, "result_poster"
            )
            with held.holding(result.id for result in claimed):
                posts = (self._post_all(client, results) for results in by_channel.values())
                await held.alongside(asyncio.gather(*posts))
        await self._update_tallies(workspace, client)
        if claimed:
            self._wake.set()  # more of the workspace's results may be due

    def _show_notes(self) -> None:
        """The forwarding notes go out beside the lanes, one showing at a time, never holding a round."""
        if self._showing_notes is None or self._showing_notes.done():
            self._showing_notes = asyncio.create_task(self._notes_due(), name="result_poster_notes")

    async def _notes_due(self) -> None:
        try:
            await self._forward_notes.show_due(self._turn)
        except Exception:
            logger.exception("forward_notes_failed")

    async def _post_all(self, client: AsyncWebClient, results: list[DueResult]) -> None:
        threads: dict[str, dict[str, str] | None] = {}  # read back this round: thread → result id → ts
        for claimed in results:
            try:
                # In the thread's language (its creator's or subscriber's); every line names the result.
                with (
                    speaking(claimed.language),
                    logging_about(
                        result=claimed.id, campaign=claimed.campaign_id, channel=claimed.channel_id
                    ),
                ):
                    await self._show(client, claimed, threads)
            except SQLAlchemyError as error:  # left `posting`: taken again once its lease runs out
                logger.error("result_mark_failed result=%d error=%s", claimed.id, type(error).__name__)

    async def _show(
        self, client: AsyncWebClient, claimed: DueResult, threads: dict[str, dict[str, str] | None]
    ) -> None:
        async with self._turn(claimed.channel_id):
            refused = await self._settle(client, claimed, threads)
        if refused is not None:
            await self._dead(client, claimed, refused)

    async def _settle(
        self, client: AsyncWebClient, claimed: DueResult, threads: dict[str, dict[str, str] | None]
    ) -> SlackRefused | None:
        """In the channel's turn, taken before the claim is renewed: the reply posted (or found in the
        thread already); Slack's last refusal if it would not take it."""
        if not await self._results.renew(claimed):
            logger.info("result_taken_over result=%d channel=%s", claimed.id, claimed.channel_id)
            return None
        if claimed.reclaimed and await self._already_posted(client, claimed, threads):
            return None
        return await self._post(client, claimed)

    async def _already_posted(
        self, client: AsyncWebClient, claimed: DueResult, threads: dict[str, dict[str, str] | None]
    ) -> bool:
        """Whether a reclaimed result's reply is already in its thread (then it is marked posted)."""
        if claimed.thread_ts not in threads:
            threads[claimed.thread_ts] = await self._read_thread(
                client, claimed.channel_id, claimed.thread_ts
            )
        replies = threads[claimed.thread_ts]
        if replies is None:
            logger.warning(
                "result_reposted_unchecked result=%d channel=%s duplicate_possible=true",
                claimed.id,
                claimed.channel_id,
            )
            return False
        reply_ts = replies.get(str(claimed.id))
        if reply_ts is None:
            return False
        await self._results.posted(claimed, reply_ts)
        logger.info("result_found_in_thread result=%d channel=%s", claimed.id, claimed.channel_id)
        self._count(claimed)
        return True

    async def _read_thread(
        self, client: AsyncWebClient, channel_id: str, thread_ts: str
    ) -> dict[str, str] | None:
        """The thread's result replies (result id → reply ts), or None if Slack won't tell."""
        found: dict[str, str] = {}
        cursor: str | None = None
        for _ in range(self._pacing.thread_pages):
            response = await self._replies_page(client, channel_id, thread_ts, cursor)
            if response is None:
                return None
            for message in response.get("messages") or []:
                metadata = message.get("metadata") or {}
                if metadata.get("event_type") == RESULT_EVENT and message.get("ts"):
                    result_id = (metadata.get("event_payload") or {}).get("result_id")
                    found[str(result_id)] = str(message["ts"])
            cursor = (response.get("response_metadata") or {}).get("next_cursor") or None
            if not cursor:
                return found
        logger.warning("thread_read_truncated channel=%s pages=%d", channel_id, self._pacing.thread_pages)
        return found

    async def _replies_page(
        self, client: AsyncWebClient, channel_id: str, thread_ts: str, cursor: str | None
    ) -> dict[str, Any] | None:
        """One page of the thread, waiting out 429s and passing failures like a post; None on failure."""
        try:
            response = await call_slack(
                lambda: client.conversations_replies(
                    channel=channel_id,
                    ts=thread_ts,
                    include_all_metadata=True,
                    limit=self._pacing.thread_page_size,
                    cursor=cursor,
                ),
                self._pacing.backoff_seconds,
                f"thread_read_failed channel={channel_id}",
            )
        except SlackRefused:
            return None
        return dict(response.data) if isinstance(response.data, dict) else None

    async def _post(self, client: AsyncWebClient, claimed: DueResult) -> SlackRefused | None:
        metadata = {"event_type": RESULT_EVENT, "event_payload": {"result_id": claimed.id}}
        try:
            ts = await post_message(
                client,
                claimed.channel_id,
                result_reply(claimed.result),
                self._pacing.backoff_seconds,
                thread_ts=claimed.thread_ts,
                metadata=metadata,
            )
        except SlackRefused as refused:
            return refused
        await self._results.posted(claimed, ts)
        logger.info("result_posted result=%d channel=%s", claimed.id, claimed.channel_id)
        self._count(claimed)
        return None

    async def _dead(self, client: AsyncWebClient, claimed: DueResult, refused: SlackRefused) -> None:
        """Slack would not take the reply: the result ends dead, with a note in the channel's next turn."""
        await self._results.dead(claimed)
        logger.error(
            "result_dead result=%d channel=%s error=%s", claimed.id, claimed.channel_id, refused.reason
        )
        try:
            await self._send(client, claimed.channel_id, undeliverable_note(), thread_ts=claimed.thread_ts)
        except SlackRefused:
            logger.error("result_dead_note_failed result=%d", claimed.id)

    def _count(self, claimed: DueResult) -> None:
        """A result is now in its thread: the root's tally is due an update."""
        key = claimed.subscription_key
        root = self._roots.get(key)
        if root is None:
            stored = claimed.root_message
            message = Card.from_json(stored) if stored else results_root(claimed.campaign_id)
            root = self._roots[key] = _Root(
                claimed.workspace, claimed.channel_id, claimed.thread_ts, message, claimed.language
            )
        root.stale = True

    async def _send(self, client: AsyncWebClient, channel_id: str, card: Card, **extra: object) -> str:
        async with self._turn(channel_id):
            return await post_message(client, channel_id, card, self._pacing.backoff_seconds, **extra)

    @contextlib.asynccontextmanager
    async def _turn(self, channel_id: str) -> AsyncIterator[None]:
        """The channel's next turn, held until the message is out (or given up): one message at a time
        per channel, whichever lane or note sends it, a full interval apart, and a 429's `Retry-After`
        waited inside a turn pushes the channel's next turn back too."""
        async with self._channel_turns[channel_id]:
            wait = self._next_post[channel_id] - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            try:
                yield
            finally:
                self._next_post[channel_id] = time.monotonic() + self._pacing.channel_interval_seconds

    async def _update_tallies(self, workspace: str, client: AsyncWebClient) -> None:
        moment = time.monotonic()
        roots = {key: root for key, root in self._roots.items() if root.workspace == workspace}
        for subscription_key, root in roots.items():
            if not root.stale or moment - root.last_update < self._pacing.tally_interval_seconds:
                continue
            root.stale, root.last_update = False, moment
            try:
                tally = await self._results.tally(subscription_key, workspace=workspace)
                with speaking(root.language):
                    card = with_tally(root.message, tally)
                await client.chat_update(
                    channel=root.channel_id, ts=root.thread_ts, text=card.text, blocks=card.blocks
                )
            except (SQLAlchemyError, SlackApiError, aiohttp.ClientError, TimeoutError) as error:
                root.stale = True  # try again at the next turn
                logger.warning(
                    "tally_update_failed channel=%s error=%s", root.channel_id, type(error).__name__
                )
        # Roots with nothing new for a while are forgotten (their next result brings them back), so a
        # process running for months doesn't keep every thread it ever fed.
        quiet_since = moment - self._pacing.idle_root_seconds
        idle = [key for key, root in roots.items() if not root.stale and root.last_update < quiet_since]
        for key in idle:
            del self._roots[key]
