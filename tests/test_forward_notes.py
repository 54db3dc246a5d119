"""A webhook of the team's own that keeps failing gets one note in the results thread per receiving host,
edited as failures add up, posted and edited in the channel's turn with the results: never a flood."""

from __future__ import annotations

import asyncio
import itertools
import json
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, select

from bot.call_results import CallResult
from bot.call_results.result_queue import ResultQueue
from bot.call_results.subscriptions import Subscriptions
from bot.store import DueForward, DueNote, ForwardNoteStore, ForwardStore, ResultStore, SubscriptionStore
from bot.store.database import call_results
from tests.call_results_driver import (
    PASCAL,
    create,
    forward_state,
    in_the_bots_database,
    post,
    stored,
    thread_ts,
    token_in,
)
from tests.conftest import Crashable, RunningBot
from tests.french import typeset
from tests.slack_driver import SlackDriver, unique_id
from tests.slack_views import texts
from tests.standins.customer_webhook import CustomerWebhook
from tests.standins.slack_api import FakeSlack
from tests.standins.starleads_api import FakeStarleads

TRIES = 3  # RESULT_FORWARD_BACKOFF_SECONDS is [0.3, 0.6] for the tests' bots: three tries a result
PACE = 1.0  # the poster's interval between two messages in one channel
NOTE = "could not be forwarded"
HOST = "hooks.example.com"
OWN = f"https://{HOST}/in"


def body() -> dict[str, Any]:
    return {**PASCAL, "Id": f"item-{uuid.uuid4().hex[:12]}"}


def campaign_with_own_webhook(
    slack: SlackDriver, fake_slack: FakeSlack, fake_starleads: FakeStarleads, url: str, channel: str
) -> str:
    """A campaign created in `channel` with results on and `url` as the team's own webhook: its token."""
    create(slack, fake_slack, fake_starleads, {"webhook_url": url}, channel=channel)
    return token_in(fake_starleads.wait_creates()[-1].json())  # the campaign's card is out: its create too


def is_note(channel: str, root: str) -> Any:
    """Matches the bot's posts of a forwarding note in that thread (refused ones too)."""
    return lambda c: c.get("channel") == channel and c.get("thread_ts") == root and NOTE in texts(c)


def is_reply(channel: str) -> Any:
    """Matches the bot's replies carrying a call result in `channel`."""
    return lambda c: c.get("channel") == channel and bool(c.get("metadata"))


def note_saying(fake_slack: FakeSlack, channel: str, says: str, timeout: float = 30) -> dict[str, Any]:
    """The first post or edit of a note in `channel` that says `says`, once there is one."""

    def saying(call: dict[str, Any]) -> bool:
        return call.get("channel") == channel and says in texts(call)

    return fake_slack.wait_timed(("chat.postMessage", "chat.update"), saying, timeout=timeout)[0][1]


def note_posted(fake_slack: FakeSlack, channel: str, root: str, count: int = 1) -> str:
    """The ts Slack gave the `count`-th note it accepted in that thread, read from the thread."""
    deadline = time.monotonic() + 10
    while True:
        thread = {"channel": channel, "ts": root}
        replies = httpx.post(f"{fake_slack.api_url}conversations.replies", data=thread).json()["messages"]
        notes = [message["ts"] for message in replies if NOTE in (message.get("text") or "")]
        if len(notes) >= count:
            return str(notes[count - 1])
        assert time.monotonic() < deadline, f"{len(notes)} note(s) in the thread, not {count}"
        time.sleep(0.05)


def test_thirty_results_a_webhook_refuses_make_one_note_edited_up_to_thirty_in_the_channels_pace(
    bot: RunningBot,
    slack: SlackDriver,
    fake_slack: FakeSlack,
    fake_starleads: FakeStarleads,
    hook: CustomerWebhook,
) -> None:
    channel = unique_id("C")
    token = campaign_with_own_webhook(slack, fake_slack, fake_starleads, f"{hook.url}/in?key=s3cret", channel)
    root = thread_ts(bot, channel)
    hook.answer(*[500] * (30 * TRIES))

    for _ in range(10):
        assert post(bot, token, body()).json() == {"status": "stored"}
    fake_slack.wait_timed("chat.postMessage", is_note(channel, root), timeout=30)
    for _ in range(20):
        assert post(bot, token, body()).json() == {"status": "stored"}

    final = "30 call results could not be forwarded to `127.0.0.1`: HTTP 500 (last at"
    note_saying(fake_slack, channel, final, timeout=90)
    replies = fake_slack.wait_timed("chat.postMessage", is_reply(channel), count=30, timeout=60)
    assert len(fake_slack.wait_timed("chat.postMessage", is_note(channel, root))) == 1  # never one per result
    note_ts = note_posted(fake_slack, channel, root)
    edits = fake_slack.wait_timed("chat.update", lambda c: c.get("ts") == note_ts)
    assert final in texts(edits[-1][1])
    assert "s3cret" not in texts(edits[-1][1])
    in_thread = fake_slack.wait_timed("chat.postMessage", lambda c: c.get("thread_ts") == root, count=31)
    sent = sorted(at for at, _ in [*in_thread, *edits])
    assert len(replies) == len(in_thread) - 1 == 30
    assert min(later - earlier for earlier, later in itertools.pairwise(sent)) >= PACE


def test_a_rate_limited_note_waits_out_retry_after_and_nothing_is_posted_in_the_channel_meanwhile(
    bot: RunningBot,
    slack: SlackDriver,
    fake_slack: FakeSlack,
    fake_starleads: FakeStarleads,
    hook: CustomerWebhook,
) -> None:
    channel = unique_id("C")
    token = campaign_with_own_webhook(slack, fake_slack, fake_starleads, f"{hook.url}/in", channel)
    root = thread_ts(bot, channel)
    hook.answer(*[500] * TRIES)  # the first result's forward dies; the second one's goes through
    limited = {"status": 429, "headers": {"Retry-After": "2"}}
    fake_slack.fail("chat.postMessage", "ratelimited", where=is_note(channel, root), **limited)
    post(bot, token, body())
    fake_slack.wait_timed("chat.postMessage", is_reply(channel))

    fake_slack.wait_timed("chat.postMessage", is_note(channel, root), timeout=30)  # refused
    post(bot, token, body())  # due while the note waits out the rate limit

    tries = fake_slack.wait_timed("chat.postMessage", is_note(channel, root), count=2)
    (refused_at, _), (posted_at, note) = tries
    replies = fake_slack.wait_timed("chat.postMessage", is_reply(channel), count=2)
    in_channel = fake_slack.wait_timed("chat.postMessage", lambda c: c.get("channel") == channel)
    assert [at for at, _ in in_channel if refused_at < at < posted_at] == []
    assert posted_at - refused_at >= 2.0
    assert replies[1][0] - posted_at >= PACE  # the second result waited for the note, then its turn
    assert "1 call result could not be forwarded to `127.0.0.1`: HTTP 500" in texts(note)


def test_a_note_slack_keeps_failing_beyond_the_retries_is_posted_later_with_its_count(
    bot: RunningBot,
    slack: SlackDriver,
    fake_slack: FakeSlack,
    fake_starleads: FakeStarleads,
    hook: CustomerWebhook,
) -> None:
    channel = unique_id("C")
    token = campaign_with_own_webhook(slack, fake_slack, fake_starleads, f"{hook.url}/in", channel)
    root = thread_ts(bot, channel)
    failing = 4  # the note's first try and its 3 retries: the post is given up
    fake_slack.fail("chat.postMessage", "internal_error", times=failing, where=is_note(channel, root))
    hook.answer(*[500] * TRIES)

    post(bot, token, body())

    tries = fake_slack.wait_timed("chat.postMessage", is_note(channel, root), count=failing + 1, timeout=60)
    assert "1 call result could not be forwarded to `127.0.0.1`: HTTP 500" in texts(tries[-1][1])
    assert note_posted(fake_slack, channel, root)  # Slack took it: the thread shows it


def test_two_campaigns_forwarding_to_two_hosts_get_one_note_each(
    bot: RunningBot,
    slack: SlackDriver,
    fake_slack: FakeSlack,
    fake_starleads: FakeStarleads,
    hook: CustomerWebhook,
) -> None:
    urls = {"127.0.0.1": f"{hook.url}/a", "localhost": f"http://localhost:{hook.port}/b"}
    channels = {host: unique_id("C") for host in urls}
    tokens = {
        host: campaign_with_own_webhook(slack, fake_slack, fake_starleads, url, channels[host])
        for host, url in urls.items()
    }
    hook.answer(*[500] * (4 * TRIES))

    for token in tokens.values():
        for _ in range(2):
            post(bot, token, body())

    for host, channel in channels.items():
        note_saying(fake_slack, channel, f"2 call results {NOTE} to `{host}`")
    for channel in channels.values():
        assert len(fake_slack.wait_timed("chat.postMessage", is_note(channel, thread_ts(bot, channel)))) == 1


def test_a_note_someone_deleted_is_posted_again_and_edited_from_then_on(
    bot: RunningBot,
    slack: SlackDriver,
    fake_slack: FakeSlack,
    fake_starleads: FakeStarleads,
    hook: CustomerWebhook,
) -> None:
    channel = unique_id("C")
    token = campaign_with_own_webhook(slack, fake_slack, fake_starleads, f"{hook.url}/in", channel)
    root = thread_ts(bot, channel)
    hook.answer(*[500] * (3 * TRIES))
    post(bot, token, body())
    fake_slack.delete(note_posted(fake_slack, channel, root))

    post(bot, token, body())

    fake_slack.wait_timed(  # posted anew in the thread once its edit found it gone
        "chat.postMessage", lambda c: is_note(channel, root)(c) and f"2 call results {NOTE}" in texts(c)
    )
    post(bot, token, body())
    edit = note_saying(fake_slack, channel, f"3 call results {NOTE} to `127.0.0.1`")
    assert edit["ts"] == note_posted(fake_slack, channel, root, count=2)
    assert len(fake_slack.wait_timed("chat.postMessage", is_note(channel, root))) == 2


@pytest.mark.parametrize(
    "problem",
    [
        f"{HOST} resolves to an address inside the bot's network; the bot's admin may allow it with "
        "RESULT_FORWARD_PRIVATE_ADDRESSES",  # as the forwarder stored it before its problems were translated
        "words of no catalog, with {host} and {0} in them",
    ],
)
def test_a_problem_stored_in_words_of_no_catalog_shows_as_it_is_in_a_french_thread(
    bot: RunningBot,
    slack: SlackDriver,
    fake_slack: FakeSlack,
    fake_starleads: FakeStarleads,
    hook: CustomerWebhook,
    problem: str,
) -> None:
    french = unique_id("U")
    fake_slack.set_locale(french, "fr-FR")
    own = {"webhook_url": f"{hook.url}/in"}
    channel, sent, _ = create(slack, fake_slack, fake_starleads, own, user_id=french)
    token = token_in(sent)
    post(bot, token, body())
    assert forward_state(bot, token) == ["forwarded"]
    result = stored(bot, token)[0]
    given_up = DueForward(result["id"], result["token_hash"], OWN, "{}", TRIES - 1)

    in_the_bots_database(bot, lambda engine: ForwardStore(engine).gave_up(given_up, HOST, problem))

    note = note_saying(fake_slack, channel, typeset("1 résultat d’appel n’a pas pu être transmis"))
    assert typeset(f"transmis à `{HOST}` : {problem} (dernière fois à") in texts(note)


@pytest.fixture(scope="module")
def crashable(
    fake_slack: FakeSlack, fake_starleads: FakeStarleads, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Crashable]:
    running = Crashable(fake_slack, fake_starleads, tmp_path_factory.mktemp("crashable-notes"))
    yield running
    running.bot.stop()


def test_after_a_restart_a_further_failure_edits_the_same_note(
    crashable: Crashable, fake_slack: FakeSlack, fake_starleads: FakeStarleads, hook: CustomerWebhook
) -> None:
    fake_slack.reset()
    channel = unique_id("C")
    url = f"{hook.url}/in"
    token = campaign_with_own_webhook(crashable.driver(), fake_slack, fake_starleads, url, channel)
    root = thread_ts(crashable.bot, channel)
    hook.answer(*[500] * (2 * TRIES))
    post(crashable.bot, token, body())
    crashable.bot.wait_for_log("forward_note_shown", timeout=30)

    crashable.kill_and_restart()
    post(crashable.bot, token, body())

    edit = note_saying(fake_slack, channel, f"2 call results {NOTE} to `127.0.0.1`: HTTP 500")
    assert len(fake_slack.wait_timed("chat.postMessage", is_note(channel, root))) == 1
    assert edit["ts"] == note_posted(fake_slack, channel, root)


# The store, as several processes share it ---------------------------------------------------------


def owed_forwards(engine: Engine, count: int) -> list[DueForward]:
    """`count` results of a new subscription (with a thread and its own webhook), each at its last try."""

    async def make() -> list[DueForward]:
        subscriptions = Subscriptions(SubscriptionStore(engine))
        thread = "1700000000.000001"
        token = await subscriptions.create(unique_id("C"), "U0ALICE", forward_url=OWN, thread_ts=thread)
        subscription = await subscriptions.find(token)
        assert subscription is not None
        for _ in range(count):
            raw = json.dumps(body())
            await ResultQueue(ResultStore(engine)).add(subscription, CallResult.read(json.loads(raw)), raw)
        mine = select(call_results.c.id).where(call_results.c.token_hash == subscription.token_hash)
        with engine.connect() as connection:
            ids = connection.execute(mine.order_by(call_results.c.id)).scalars().all()
        return [DueForward(id, subscription.token_hash, OWN, "{}", TRIES - 1) for id in ids]

    return asyncio.run(make())


async def claim_mine(store: ForwardNoteStore, token_hash: str, edit_interval: float = 0) -> list[DueNote]:
    """The notes `store` claims that are this test's (other tests' notes may share the database)."""
    claimed = await store.claim(timedelta(seconds=edit_interval), timedelta(minutes=5))
    return [note for note in claimed if note.token_hash == token_hash]


def test_two_processes_giving_up_forwards_share_one_note_that_counts_them_all(engines: list[Engine]) -> None:
    *burst, later = owed_forwards(engines[0], 4)
    forwards = [ForwardStore(engine) for engine in engines]
    notes = [ForwardNoteStore(engine) for engine in engines]

    async def give_up_burst_then_both_claim() -> list[list[DueNote]]:
        await asyncio.gather(
            *(forwards[n % 2].gave_up(item, HOST, f"HTTP 50{n}") for n, item in enumerate(burst))
        )
        return await asyncio.gather(*(claim_mine(store, later.token_hash) for store in notes))

    first, second = asyncio.run(give_up_burst_then_both_claim())

    assert len(first) + len(second) == 1  # one process shows it, the other finds it taken
    (note,) = first or second
    assert (note.host, note.dead_forwards, note.note_ts) == (HOST, 3, None)
    assert note.problem in {"HTTP 500", "HTTP 501", "HTTP 502"}

    asyncio.run(notes[0].shown(note, "1700000000.000042"))
    assert asyncio.run(claim_mine(notes[1], note.token_hash)) == []  # the thread shows all there is
    asyncio.run(forwards[1].gave_up(later, HOST, "HTTP 503"))
    assert asyncio.run(claim_mine(notes[1], note.token_hash, edit_interval=60)) == []  # shown just now
    (edit,) = asyncio.run(claim_mine(notes[1], note.token_hash))
    assert (edit.note_ts, edit.dead_forwards, edit.problem) == ("1700000000.000042", 4, "HTTP 503")
