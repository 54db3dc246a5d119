"""A user who typed a webhook URL of their own still gets every call result there, unchanged."""

from __future__ import annotations

import asyncio
import json
import ssl
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import trustme
from sqlalchemy import text

from bot.call_results import CallResult
from bot.call_results.forward_notes import ForwardNoteQueue
from bot.call_results.result_queue import ResultQueue
from bot.call_results.subscriptions import Subscriptions
from bot.store import ForwardNoteStore, ForwardStore, ResultStore, SubscriptionStore, connect
from bot.webhooks.forwarder import Forwarder, ForwardPacing
from tests.call_results_driver import PASCAL, create, forward_state, post, stored, subscription_of, token_in
from tests.conftest import RunningBot, driving, serving
from tests.french import typeset
from tests.slack_driver import SlackDriver, unique_id
from tests.slack_views import texts
from tests.standins.customer_webhook import CustomerWebhook
from tests.standins.slack_api import FakeSlack
from tests.standins.starleads_api import FakeStarleads

SECRET_QUERY = "key=crm-s3cret-123"


@pytest.fixture
def forwarding(
    hook: CustomerWebhook, slack: SlackDriver, fake_slack: FakeSlack, fake_starleads: FakeStarleads
) -> tuple[str, str]:
    """A campaign created with results on and the team's own webhook typed in: (channel, token)."""
    own = f"{hook.url}/hooks/starleads?{SECRET_QUERY}"
    channel, sent, _ = create(slack, fake_slack, fake_starleads, {"webhook_url": own})
    return channel, token_in(sent)


def in_thread(bot: RunningBot, channel: str) -> Any:
    root = subscription_of(bot, channel)["thread_ts"]
    return lambda call: call.get("channel") == channel and call.get("thread_ts") == root


def test_each_result_reaches_the_teams_own_webhook_byte_for_byte_and_the_thread_too(
    bot: RunningBot, fake_slack: FakeSlack, hook: CustomerWebhook, forwarding: tuple[str, str]
) -> None:
    channel, token = forwarding
    raw = json.dumps(PASCAL, indent=3, ensure_ascii=False) + "\n"  # as Starleads formats it, kept as is

    assert post(bot, token, raw).json() == {"status": "stored"}
    assert post(bot, token, raw).json() == {"status": "duplicate"}

    received = hook.wait_for(lambda r: r.path == "/hooks/starleads")
    assert received[0].body == raw.encode()
    assert received[0].method == "POST"
    assert received[0].headers["content-type"] == "application/json"
    assert received[0].query == {"key": "crm-s3cret-123"}
    assert fake_slack.wait_timed("chat.postMessage", in_thread(bot, channel))
    assert forward_state(bot, token) == ["forwarded"]
    time.sleep(0.5)
    assert len(hook.requests) == 1  # the duplicate was not forwarded again
    log = bot.log()
    assert "result_forwarded" in log
    assert SECRET_QUERY not in log


def test_a_failing_webhook_is_tried_again_with_backoff_and_retry_after(
    bot: RunningBot, fake_slack: FakeSlack, hook: CustomerWebhook, forwarding: tuple[str, str]
) -> None:
    _, token = forwarding
    hook.answer(500)
    hook.answer(429, headers={"Retry-After": "1"})

    post(bot, token, PASCAL)

    tries = hook.wait_for(lambda r: True, count=3, timeout=15)
    assert tries[1].received_at - tries[0].received_at >= 0.3  # the first backoff
    assert tries[2].received_at - tries[1].received_at >= 1.0  # what Retry-After asked, over 0.6
    assert {r.body for r in tries} == {json.dumps(PASCAL).encode()}
    assert forward_state(bot, token) == ["forwarded"]


def test_a_webhook_that_keeps_failing_ends_dead_with_a_note_in_the_thread(
    bot: RunningBot, fake_slack: FakeSlack, hook: CustomerWebhook, forwarding: tuple[str, str]
) -> None:
    channel, token = forwarding
    hook.answer(500, 502, 503, 500)

    post(bot, token, PASCAL)

    assert forward_state(bot, token, timeout=15) == ["dead"]
    assert len(hook.requests) == 3  # the first try and one per backoff step: [0.3, 0.6]
    notes = fake_slack.wait_timed(
        "chat.postMessage", lambda c: in_thread(bot, channel)(c) and "could not be forwarded" in texts(c)
    )
    note = texts(notes[0][1])
    assert "1 call result could not be forwarded to `127.0.0.1`: HTTP 503 (last at" in note
    assert SECRET_QUERY not in note
    assert [row["state"] for row in stored(bot, token)] == ["posted"]  # the thread still has the result
    assert "forward_dead" in bot.log()


def test_a_webhook_name_that_cant_be_looked_up_gets_its_note_and_forwarding_goes_on_for_the_others(
    bot: RunningBot,
    slack: SlackDriver,
    fake_slack: FakeSlack,
    fake_starleads: FakeStarleads,
    hook: CustomerWebhook,
) -> None:
    host = f"{'a' * 70}.example.com"  # a DNS label holds 63 characters at most: the lookup can't even start
    channel = create(slack, fake_slack, fake_starleads, {"webhook_url": f"https://{host}/x"})[0]
    token = token_in(fake_starleads.wait_creates()[-1].json())  # the campaign's card is out: its create too

    post(bot, token, PASCAL)

    assert forward_state(bot, token, timeout=15) == ["dead"]
    notes = fake_slack.wait_timed(
        "chat.postMessage", lambda c: in_thread(bot, channel)(c) and "could not be forwarded" in texts(c)
    )
    assert f"1 call result could not be forwarded to `{host}`: DNS lookup failed" in texts(notes[0][1])
    create(slack, fake_slack, fake_starleads, {"webhook_url": f"{hook.url}/in"})
    working = token_in(fake_starleads.wait_creates()[-1].json())
    raw = json.dumps({**PASCAL, "Id": "after-the-unusable-name"})

    post(bot, working, raw)

    assert forward_state(bot, working) == ["forwarded"]  # the forwarder is still at work
    assert hook.requests[0].body == raw.encode()


def test_without_a_webhook_of_their_own_nothing_is_forwarded(
    bot: RunningBot,
    slack: SlackDriver,
    fake_slack: FakeSlack,
    fake_starleads: FakeStarleads,
    hook: CustomerWebhook,
) -> None:
    channel, sent, _ = create(slack, fake_slack, fake_starleads)
    token = token_in(sent)

    post(bot, token, PASCAL)

    assert fake_slack.wait_timed("chat.postMessage", in_thread(bot, channel))
    assert [row["forward_state"] for row in stored(bot, token)] == [None]
    assert hook.requests == []


@pytest.fixture(scope="module")
def guarded_bot(
    fake_slack: FakeSlack, fake_starleads: FakeStarleads, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningBot]:
    """A bot with the default: no forwarding into its own network."""
    workdir = tmp_path_factory.mktemp("guarded-forwarder")
    yield from serving(fake_slack, fake_starleads, workdir, RESULT_FORWARD_PRIVATE_ADDRESSES=None)


@pytest.fixture
def guarded_slack(
    guarded_bot: RunningBot, fake_slack: FakeSlack, fake_starleads: FakeStarleads
) -> Iterator[SlackDriver]:
    yield from driving(guarded_bot, fake_slack, fake_starleads)


def test_by_default_a_webhook_on_a_private_address_gets_nothing_and_the_thread_says_why(
    guarded_bot: RunningBot,
    guarded_slack: SlackDriver,
    fake_slack: FakeSlack,
    fake_starleads: FakeStarleads,
    hook: CustomerWebhook,
) -> None:
    own = f"{hook.url}/hooks/starleads"  # 127.0.0.1: inside the bot's own network
    channel, sent, _ = create(guarded_slack, fake_slack, fake_starleads, {"webhook_url": own})
    token = token_in(sent)

    post(guarded_bot, token, PASCAL)

    assert forward_state(guarded_bot, token) == ["dead"]
    notes = fake_slack.wait_timed(
        "chat.postMessage",
        lambda c: in_thread(guarded_bot, channel)(c) and "could not be forwarded" in texts(c),
    )
    assert (
        "could not be forwarded to `127.0.0.1`: 127.0.0.1 resolves to an address inside the bot's network; "
        "the bot's admin may allow it with RESULT_FORWARD_PRIVATE_ADDRESSES"
    ) in texts(notes[0][1])
    assert hook.requests == []
    assert "forward_refused" in guarded_bot.log()


def test_a_french_campaigns_thread_says_in_french_why_its_webhook_gets_nothing(
    guarded_bot: RunningBot,
    guarded_slack: SlackDriver,
    fake_slack: FakeSlack,
    fake_starleads: FakeStarleads,
    hook: CustomerWebhook,
) -> None:
    french = unique_id("U")
    fake_slack.set_locale(french, "fr-FR")
    own = f"{hook.url}/hooks/starleads"
    channel, sent, _ = create(guarded_slack, fake_slack, fake_starleads, {"webhook_url": own}, user_id=french)

    post(guarded_bot, token_in(sent), PASCAL)

    notes = fake_slack.wait_timed(
        "chat.postMessage",
        lambda c: in_thread(guarded_bot, channel)(c) and "n’a pas pu être transmis" in texts(c),
    )
    assert typeset(
        "1 résultat d’appel n’a pas pu être transmis à `127.0.0.1` : 127.0.0.1 pointe vers une adresse "
        "interne au réseau du bot ; l’administrateur du bot peut l’autoriser avec "
        "RESULT_FORWARD_PRIVATE_ADDRESSES (dernière fois à"
    ) in texts(notes[0][1])


# Where a forward goes ---------------------------------------------------------------------------------
# Each try resolves the webhook's name once and connects to the addresses it checked, so a name that
# answers differently a moment later (DNS rebinding) can't lead a forward into the bot's own network.
# Over HTTPS the certificate is still checked against the URL's name.


class NameServer:
    """DNS as the forwarder sees it: names → addresses, and every name it was asked for."""

    def __init__(self, records: dict[str, list[str]]) -> None:
        self.records = records
        self.asked: list[str] = []

    async def __call__(self, host: str, port: int) -> list[str]:
        self.asked.append(host)
        return list(self.records.get(host, []))


def forward_one(
    workdir: Path, url: str, names: NameServer, *, private_addresses: bool
) -> tuple[str, list[str]]:
    """A forwarder on its own SQLite database, with one result to forward to `url`: the result's
    forwarding state once settled, and the problem its thread's note says (in English), if any."""

    async def scenario() -> tuple[str, list[str]]:
        engine = connect(f"sqlite:///{workdir / 'forwards.db'}")
        subscriptions = Subscriptions(SubscriptionStore(engine))
        token = await subscriptions.create("C1", "U1", forward_url=url, thread_ts="1700000000.000001")
        subscription = await subscriptions.find(token)
        assert subscription is not None
        await ResultQueue(ResultStore(engine)).add(subscription, CallResult.read(PASCAL), json.dumps(PASCAL))
        pacing = ForwardPacing(poll_seconds=0.05, backoff_seconds=(0.1,), private_addresses=private_addresses)
        running = asyncio.create_task(Forwarder(ForwardStore(engine), pacing, None, names).run())
        with engine.connect() as db:
            for _ in range(200):  # 10 s at most
                state = db.execute(text("select forward_state from call_results")).scalar_one()
                if state in ("forwarded", "dead"):
                    break
                await asyncio.sleep(0.05)
        running.cancel()
        given_up = [note.said_problem() for note in await ForwardNoteQueue(ForwardNoteStore(engine)).claim()]
        engine.dispose()
        return str(state), given_up

    return asyncio.run(scenario())


def test_a_forward_goes_to_the_address_that_was_checked_under_the_urls_own_name(
    tmp_path: Path, hook: CustomerWebhook
) -> None:
    names = NameServer({"hooks.customer.test": ["127.0.0.1"]})  # a name only this name server knows
    url = f"http://hooks.customer.test:{hook.port}/hooks/starleads?{SECRET_QUERY}"

    state, given_up = forward_one(tmp_path, url, names, private_addresses=True)

    assert (state, given_up) == ("forwarded", [])
    received = hook.requests[0]
    assert received.headers["host"] == f"hooks.customer.test:{hook.port}"
    assert received.body == json.dumps(PASCAL).encode()
    assert received.query == {"key": "crm-s3cret-123"}
    assert names.asked == ["hooks.customer.test"]  # once: what was checked is what was used


def test_an_address_that_refuses_the_connection_gives_way_to_the_next(
    tmp_path: Path, hook: CustomerWebhook
) -> None:
    names = NameServer({"hooks.customer.test": ["127.0.0.2", "127.0.0.1"]})  # nothing listens on .2

    state, _ = forward_one(
        tmp_path, f"http://hooks.customer.test:{hook.port}/in", names, private_addresses=True
    )

    assert state == "forwarded"
    assert len(hook.requests) == 1


INSIDE_THE_NETWORK = (
    "hooks.customer.test resolves to an address inside the bot's network; "
    "the bot's admin may allow it with RESULT_FORWARD_PRIVATE_ADDRESSES"
)


def test_a_name_with_any_address_inside_the_network_is_refused_and_only_the_log_says_which_address(
    tmp_path: Path, hook: CustomerWebhook, caplog: pytest.LogCaptureFixture
) -> None:
    names = NameServer({"hooks.customer.test": ["93.184.215.14", "10.20.30.40"]})

    state, given_up = forward_one(tmp_path, "https://hooks.customer.test/in", names, private_addresses=False)

    assert state == "dead"
    assert given_up == [INSIDE_THE_NETWORK]  # the thread's note: the host, never its internal address
    assert "host=hooks.customer.test reason=private-address address=10.20.30.40" in caplog.text
    assert names.asked == ["hooks.customer.test"]
    assert hook.requests == []


def test_a_name_that_does_not_resolve_is_tried_again_then_given_up_saying_so(tmp_path: Path) -> None:
    names = NameServer({})

    state, given_up = forward_one(tmp_path, "https://gone.customer.test/in", names, private_addresses=False)

    assert (state, given_up) == ("dead", ["DNS lookup failed"])
    assert names.asked == ["gone.customer.test"] * 2  # the first try and one after the backoff


class BrokenNameServer(NameServer):
    """A resolver that fails in a way nobody foresaw."""

    async def __call__(self, host: str, port: int) -> list[str]:
        raise RuntimeError(f"resolver broke on {host}")


def test_a_forward_that_fails_unexpectedly_is_given_up_with_a_note_instead_of_stopping_the_worker(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    state, given_up = forward_one(
        tmp_path, "https://hooks.customer.test/in", BrokenNameServer({}), private_addresses=False
    )

    assert (state, given_up) == ("dead", ["the bot hit an unexpected error sending it"])
    assert "forward_crashed result=1" in caplog.text


@pytest.fixture(scope="module")
def tls_hook(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[CustomerWebhook, Path]]:
    """The team's webhook over HTTPS, with a certificate for `localhost` from a CA of our own: the
    stand-in, and the CA's file for the bot to trust."""
    authority = trustme.CA()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("localhost").configure_cert(context)
    trusted = tmp_path_factory.mktemp("tls") / "ca.pem"
    authority.cert_pem.write_to_path(str(trusted))
    stand_in = CustomerWebhook(context).start()
    yield stand_in, trusted
    stand_in.stop()


@pytest.fixture(scope="module")
def tls_bot(
    fake_slack: FakeSlack,
    fake_starleads: FakeStarleads,
    tls_hook: tuple[CustomerWebhook, Path],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[RunningBot]:
    """A bot that trusts the webhook's CA (as it would a public one)."""
    workdir = tmp_path_factory.mktemp("tls-bot")
    yield from serving(fake_slack, fake_starleads, workdir, SSL_CERT_FILE=str(tls_hook[1]))


@pytest.fixture
def tls_slack(
    tls_bot: RunningBot, fake_slack: FakeSlack, fake_starleads: FakeStarleads
) -> Iterator[SlackDriver]:
    yield from driving(tls_bot, fake_slack, fake_starleads)


def test_over_https_the_certificate_is_checked_against_the_urls_name(
    tls_bot: RunningBot,
    tls_slack: SlackDriver,
    tls_hook: tuple[CustomerWebhook, Path],
    fake_slack: FakeSlack,
    fake_starleads: FakeStarleads,
) -> None:
    hook = tls_hook[0]
    hook.reset()
    own = f"{hook.url}/hooks/starleads?{SECRET_QUERY}"  # https://localhost:…: the name on the certificate
    _, sent, _ = create(tls_slack, fake_slack, fake_starleads, {"webhook_url": own})
    token = token_in(sent)
    raw = json.dumps({**PASCAL, "Id": "over-tls"})

    assert post(tls_bot, token, raw).json() == {"status": "stored"}

    assert forward_state(tls_bot, token) == ["forwarded"]
    assert hook.requests[0].body == raw.encode()
    assert hook.requests[0].headers["host"] == f"localhost:{hook.port}"


def test_a_certificate_that_does_not_name_the_host_gets_nothing_sent(
    tls_bot: RunningBot,
    tls_slack: SlackDriver,
    tls_hook: tuple[CustomerWebhook, Path],
    fake_slack: FakeSlack,
    fake_starleads: FakeStarleads,
) -> None:
    hook = tls_hook[0]
    hook.reset()
    own = f"https://127.0.0.1:{hook.port}/hooks/starleads"  # the same server, but not its certificate's name
    channel, sent, _ = create(tls_slack, fake_slack, fake_starleads, {"webhook_url": own})
    token = token_in(sent)

    post(tls_bot, token, PASCAL)

    assert forward_state(tls_bot, token) == ["dead"]
    assert hook.requests == []
    notes = fake_slack.wait_timed(
        "chat.postMessage", lambda c: in_thread(tls_bot, channel)(c) and "could not be forwarded" in texts(c)
    )
    assert "could not be forwarded to `127.0.0.1`: ConnectError (last at" in texts(notes[0][1])


@pytest.mark.parametrize("address", ["64:ff9b::a00:1", "::ffff:10.0.0.1", "2002:a00:1::1", "::a00:1"])
def test_an_ipv6_address_that_carries_a_private_ipv4_one_is_refused(
    tmp_path: Path, hook: CustomerWebhook, caplog: pytest.LogCaptureFixture, address: str
) -> None:
    names = NameServer({"hooks.customer.test": [address]})

    state, given_up = forward_one(tmp_path, "https://hooks.customer.test/in", names, private_addresses=False)

    assert state == "dead"
    assert given_up == [INSIDE_THE_NETWORK]
    assert f"reason=private-address address={address}" in caplog.text
    assert hook.requests == []
