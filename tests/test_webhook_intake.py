"""Starleads' call results arriving at the running bot: `/starleads subscribe`, then the webhook endpoint."""

from __future__ import annotations

import asyncio
import hashlib
import json
import sqlite3
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.call_results import CallResult
from tests.call_results_driver import CAMPAIGN, ITEM, PASCAL, WEBHOOK_URL, post, query, stored, subscribe
from tests.conftest import RunningBot, serving
from tests.slack_driver import SlackDriver
from tests.standins.slack_api import FakeSlack
from tests.standins.starleads_api import FakeStarleads

# The same object as the API's own JSON spells it: camelCase.
CAMEL = {
    "id": ITEM,
    "campaignId": CAMPAIGN,
    "createdAt": "2024-09-13T17:04:03.515Z",
    "processedAt": "2024-09-13T17:04:05.795Z",
    "lastCallDate": "2024-09-13T17:04:05.795Z",
    "runningStatus": "Processed",
    "attemptCount": 1,
    "phoneNumber": "+33612345678",
    "nextTryDate": "2024-09-13T17:04:03.515Z",
    "dataBag": {"firstname": "Paul", "email": "paul@example.com"},
    "result": {
        "tag": {"id": "Appointment_88B8DB86", "name": "Appointment", "color": "#1ee5a6"},
        "conversation": {"id": "24ef5fc9-9d20-4dcb-bd8b-f83e4929d36d", "messages": []},
        "summary": "Paul agreed to a demo on Tuesday at 10:00.",
        "metadata": {},
    },
    "isArchived": False,
}
SPELLINGS = [pytest.param(PASCAL, id="PascalCase"), pytest.param(CAMEL, id="camelCase")]


def all_results(bot: RunningBot) -> int:
    return query(bot, "select count(*) as n from call_results")[0]["n"]


# Subscribing ------------------------------------------------------------------------------------


def test_subscribe_gives_a_private_url_to_paste_and_keeps_only_its_hash(
    bot: RunningBot, slack: SlackDriver, fake_slack: FakeSlack
) -> None:
    channel, token = subscribe(slack, fake_slack)

    note = fake_slack.response_url_posts()[0]["text"]
    assert f"campaign `{CAMPAIGN}`" in note
    assert "webhook URL" in note
    assert "posted in the thread" in note
    assert len(token) >= 32
    rows = query(bot, "select * from webhook_subscriptions where channel_id = ?", channel)
    assert len(rows) == 1
    assert rows[0]["campaign_id"] == CAMPAIGN
    assert rows[0]["created_by"] == "U0ALICE"
    assert rows[0]["token_hash"] == hashlib.sha256(token.encode()).hexdigest()
    assert token not in json.dumps(rows, default=str)


def test_subscribe_without_a_campaign_id_shows_how(slack: SlackDriver, fake_slack: FakeSlack) -> None:
    answer = slack.command("subscribe")

    assert answer.json()["response_type"] == "ephemeral"
    assert "/starleads subscribe &lt;campaign ID&gt;" in answer.json()["text"]
    assert fake_slack.response_url_posts() == []


@pytest.mark.parametrize("campaign_id", ["abc def", "abc/def", "x" * 201], ids=["space", "slash", "too-long"])
def test_subscribe_refuses_what_cannot_be_a_campaign_id(
    bot: RunningBot, slack: SlackDriver, fake_slack: FakeSlack, campaign_id: str
) -> None:
    subscriptions = query(bot, "select count(*) as n from webhook_subscriptions")[0]["n"]

    answer = slack.command(f"subscribe {campaign_id}").json()

    assert answer["response_type"] == "ephemeral"
    assert "campaign ID" in answer["text"]
    assert fake_slack.response_url_posts() == []
    assert query(bot, "select count(*) as n from webhook_subscriptions")[0]["n"] == subscriptions


def test_help_lists_subscribe(slack: SlackDriver) -> None:
    assert "`/starleads subscribe &lt;campaign ID&gt;`" in slack.command("help").json()["text"]


def test_without_public_url_subscribe_asks_for_the_admin(
    bot_without_public_url: RunningBot, fake_slack: FakeSlack
) -> None:
    fake_slack.reset()
    driver = SlackDriver(bot_without_public_url.url, fake_slack.response_url())

    answer = driver.command(f"subscribe {CAMPAIGN}").json()

    assert answer["response_type"] == "ephemeral"
    assert "set `PUBLIC_URL`" in answer["text"]
    assert fake_slack.response_url_posts() == []
    assert query(bot_without_public_url, "select count(*) as n from webhook_subscriptions")[0]["n"] == 0


@pytest.fixture(scope="module")
def guarded_bot(
    fake_slack: FakeSlack, fake_starleads: FakeStarleads, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningBot]:
    workdir = tmp_path_factory.mktemp("guarded-subscribe")
    yield from serving(fake_slack, fake_starleads, workdir, ALLOWED_CHANNELS="C0SALES01")


def test_subscribing_follows_allowed_channels(guarded_bot: RunningBot, fake_slack: FakeSlack) -> None:
    fake_slack.reset()
    driver = SlackDriver(guarded_bot.url, fake_slack.response_url())

    elsewhere = driver.command(f"subscribe {CAMPAIGN}", channel_id="C0RANDOM1").json()
    allowed = driver.command(f"subscribe {CAMPAIGN}", channel_id="C0SALES01")

    assert "limited to some people and channels" in elsewhere["text"]
    assert allowed.status_code == 200
    assert WEBHOOK_URL.search(fake_slack.wait_response_url()[0]["text"])
    rows = query(guarded_bot, "select channel_id from webhook_subscriptions")
    assert rows == [{"channel_id": "C0SALES01"}]


# Receiving --------------------------------------------------------------------------------------


@pytest.mark.parametrize("body", SPELLINGS)
def test_a_result_is_stored_before_the_200(
    bot: RunningBot, slack: SlackDriver, fake_slack: FakeSlack, body: dict[str, Any]
) -> None:
    _, token = subscribe(slack, fake_slack)

    response = post(bot, token, body)

    assert response.status_code == 200
    assert response.json() == {"status": "stored"}
    rows = stored(bot, token)  # read at once: the 200 came after the commit
    assert len(rows) == 1
    assert (rows[0]["item_id"], rows[0]["attempt_count"], rows[0]["campaign_id"]) == (ITEM, 1, CAMPAIGN)
    assert rows[0]["state"] in ("pending", "posting", "posted")  # the poster may have taken it already
    assert json.loads(rows[0]["payload"]) == body


def test_a_redelivery_is_a_duplicate_and_a_new_attempt_is_a_new_result(
    bot: RunningBot, slack: SlackDriver, fake_slack: FakeSlack
) -> None:
    _, token = subscribe(slack, fake_slack)

    first = post(bot, token, PASCAL)
    again = post(bot, token, CAMEL)
    retried = post(bot, token, {**PASCAL, "AttemptCount": 2, "RunningStatus": "Error"})

    assert [r.json()["status"] for r in (first, again, retried)] == ["stored", "duplicate", "stored"]
    assert [r.status_code for r in (first, again, retried)] == [200, 200, 200]
    assert [row["attempt_count"] for row in stored(bot, token)] == [1, 2]


def test_starleads_test_payload_is_answered_and_not_stored(
    bot: RunningBot, slack: SlackDriver, fake_slack: FakeSlack
) -> None:
    _, token = subscribe(slack, fake_slack)

    response = post(bot, token, {"CampaignId": CAMPAIGN, "RunningStatus": "Processed"})

    assert response.status_code == 200
    assert response.json() == {"status": "test payload received"}
    assert stored(bot, token) == []


@pytest.mark.parametrize(
    "item_id",
    ["x" * 300, "66e4\x00708", {"$oid": "66e47083"}],
    ids=["too-long", "control-character", "object"],
)
def test_a_result_whose_id_is_unusual_is_still_stored_once_not_taken_for_a_test(
    bot: RunningBot, slack: SlackDriver, fake_slack: FakeSlack, item_id: Any
) -> None:
    _, token = subscribe(slack, fake_slack)
    body = {**PASCAL, "Id": item_id}

    answers = [post(bot, token, body).json()["status"] for _ in range(2)]

    assert answers == ["stored", "duplicate"]
    assert [row["item_id"][:7] for row in stored(bot, token)] == ["sha256:"]


@pytest.mark.parametrize(
    "token",
    [pytest.param("A" * 43, id="unknown"), pytest.param("not-a-token", id="malformed")],
)
def test_an_unknown_token_gets_404_and_nothing_is_stored(bot: RunningBot, token: str) -> None:
    before = all_results(bot)

    response = post(bot, token, PASCAL)

    assert response.status_code == 404
    assert all_results(bot) == before


def test_no_token_at_all_is_not_found(bot: RunningBot) -> None:
    assert httpx.post(f"{bot.url}/starleads/webhook/", content=b"{}").status_code == 404


def test_an_oversized_body_gets_413_whether_declared_or_streamed(
    bot: RunningBot, slack: SlackDriver, fake_slack: FakeSlack
) -> None:
    _, token = subscribe(slack, fake_slack)
    big = json.dumps({**PASCAL, "DataBag": {"notes": "x" * 300_000}}).encode()

    def chunks() -> Iterator[bytes]:  # no Content-Length: only counting the bytes read can catch it
        for start in range(0, len(big), 16_384):
            yield big[start : start + 16_384]

    declared = post(bot, token, big)
    streamed = post(bot, token, chunks())

    assert declared.status_code == 413
    assert streamed.status_code == 413
    assert stored(bot, token) == []


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b"not json", id="not-json"),
        pytest.param(b"[]", id="a-list"),
        pytest.param(b'"Id"', id="a-string"),
        pytest.param(b"\xff\xfe{}", id="not-utf-8"),
        pytest.param(b"[" * 100_000, id="deeply-nested"),
        pytest.param(b"", id="empty"),
    ],
)
def test_a_body_that_is_not_a_json_object_gets_400(
    bot: RunningBot, slack: SlackDriver, fake_slack: FakeSlack, body: bytes
) -> None:
    _, token = subscribe(slack, fake_slack)

    response = post(bot, token, body)

    assert response.status_code == 400
    assert stored(bot, token) == []


def test_the_log_says_what_arrived_without_the_token_or_anything_personal(
    bot: RunningBot, slack: SlackDriver, fake_slack: FakeSlack
) -> None:
    _, token = subscribe(slack, fake_slack)
    phone, summary = f"+3361{uuid.uuid4().int % 10**7:07d}", f"Agreed to a demo {uuid.uuid4().hex}"
    secret_words = f"Conversation {uuid.uuid4().hex}"
    body = {
        **PASCAL,
        "PhoneNumber": phone,
        "Result": {**PASCAL["Result"], "Summary": summary, "Conversation": {"Messages": [secret_words]}},
    }

    assert post(bot, token, body).json() == {"status": "stored"}
    assert post(bot, token, body).json() == {"status": "duplicate"}
    post(bot, token + "x", body)

    log = bot.log()
    label = hashlib.sha256(token.encode()).hexdigest()[:6]
    [result] = stored(bot, token)  # the duplicate names the result it repeats
    assert f"webhook_received token={label} result={result['id']} item={ITEM} outcome=stored" in log
    assert f"webhook_received token={label} result={result['id']} item={ITEM} outcome=duplicate" in log
    assert "outcome=unknown_token" in log
    for private in (token, phone, summary, secret_words):
        assert private not in log


# Reading Starleads' payload ----------------------------------------------------------------------


def test_both_spellings_read_the_same() -> None:
    pascal, camel = CallResult.read(PASCAL), CallResult.read(CAMEL)

    assert pascal == camel
    assert (pascal.item_id, pascal.campaign_id, pascal.attempt_count) == (ITEM, CAMPAIGN, 1)
    assert (pascal.tag_name, pascal.tag_color, pascal.running_status) == (
        "Appointment",
        "#1ee5a6",
        "Processed",
    )
    assert pascal.summary == "Paul agreed to a demo on Tuesday at 10:00."
    assert pascal.processed_at is not None
    assert pascal.processed_at.isoformat() == "2024-09-13T17:04:05.795000+00:00"
    assert pascal.data_bag == {"firstname": "Paul", "email": "paul@example.com"}
    assert "+33612345678" not in repr(pascal)
    assert "Paul" not in repr(pascal)


def test_fields_in_an_unexpected_shape_read_as_none() -> None:
    odd = CallResult.read(
        {"_id": ITEM, "AttemptCount": True, "CreatedAt": "yesterday", "Result": "oops", "DataBag": [1]}
    )

    assert odd.item_id == ITEM
    assert (odd.attempt_count, odd.created_at, odd.tag_name, odd.data_bag) == (None, None, None, None)
    assert CallResult.read({}).is_test_payload
    assert CallResult.read({"Id": "  "}).is_test_payload
    assert not odd.is_test_payload


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=20,
)
_keys = st.sampled_from(["Id", "id", "_id", "AttemptCount", "attemptCount", "Result", "result", "CreatedAt"])


@settings(max_examples=300, deadline=None)
@given(
    st.dictionaries(_keys | st.text(max_size=12), _json | st.fixed_dictionaries({"Tag": _json}), max_size=8)
)
def test_any_json_object_reads_without_an_error(body: dict[str, Any]) -> None:
    CallResult.read(body)


# Deliveries arriving together ------------------------------------------------------------------


@pytest.fixture(scope="module")
def own_slack() -> Iterator[FakeSlack]:
    """A Slack stand-in of their own for these tests: the bot posts their many results at Slack's pace,
    long after each test, and those replies must not reach the other tests' stand-in."""
    stand_in = FakeSlack().start()
    yield stand_in
    stand_in.stop()


@pytest.fixture(scope="module")
def busy_bot(
    own_slack: FakeSlack, fake_starleads: FakeStarleads, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningBot]:
    yield from serving(own_slack, fake_starleads, tmp_path_factory.mktemp("busy-intake"))


def subscribed(bot: RunningBot, own_slack: FakeSlack) -> str:
    """A new subscription's token on `bot`."""
    own_slack.reset()
    return subscribe(SlackDriver(bot.url, own_slack.response_url()), own_slack)[1]


def post_together(bot: RunningBot, token: str, bodies: list[dict[str, Any]]) -> list[httpx.Response]:
    """Every body posted at the same moment, each on a connection of its own."""

    async def post_all() -> list[httpx.Response]:
        limits = httpx.Limits(max_connections=len(bodies))
        async with httpx.AsyncClient(base_url=bot.url, timeout=10, limits=limits) as client:
            url = f"/starleads/webhook/{token}"
            return await asyncio.gather(*(client.post(url, content=json.dumps(b)) for b in bodies))

    return asyncio.run(post_all())


def test_simultaneous_deliveries_of_one_result_answer_stored_once_and_duplicate_to_the_rest(
    busy_bot: RunningBot, own_slack: FakeSlack
) -> None:
    bot, token = busy_bot, subscribed(busy_bot, own_slack)

    answers = post_together(bot, token, [PASCAL] * 12)

    assert [a.status_code for a in answers] == [200] * 12
    assert sorted(a.json()["status"] for a in answers) == ["duplicate"] * 11 + ["stored"]
    assert len(stored(bot, token)) == 1


def test_when_the_database_fails_each_delivery_it_did_not_commit_gets_503_and_none_a_200(
    busy_bot: RunningBot, own_slack: FakeSlack
) -> None:
    bot, token = busy_bot, subscribed(busy_bot, own_slack)
    token_hash = hashlib.sha256(token.encode()).hexdigest()
    items = [f"item-{n}" for n in range(11)]
    items.insert(5, "boom")  # the database fails on this one's row: the others sharing its commit fail too
    database = sqlite3.connect(Path(bot.log_path).parent / "bot.db")
    database.execute(
        "CREATE TRIGGER refuse_boom BEFORE INSERT ON call_results "
        f"WHEN NEW.token_hash = '{token_hash}' AND NEW.item_id = 'boom' "
        "BEGIN SELECT abs(-9223372036854775807 - 1); END"  # integer overflow: an SQLite error
    )
    try:
        answers = post_together(bot, token, [{**PASCAL, "Id": item} for item in items])
    finally:
        database.execute("DROP TRIGGER refuse_boom")
        database.close()

    kept = {row["item_id"] for row in stored(bot, token)}
    outcomes = {item: (a.status_code, a.json()) for item, a in zip(items, answers, strict=True)}
    assert outcomes["boom"][0] == 503
    for item, (status, answer) in outcomes.items():  # a 200 for exactly the rows committed
        if item in kept:
            assert (status, answer) == (200, {"status": "stored"})
        else:
            assert status == 503
            assert answer == {"error": "the result could not be stored; send it again"}
    assert "outcome=store_failed error=OperationalError" in bot.log()
    failed = [item for item in items if item not in kept]
    retried = post_together(bot, token, [{**PASCAL, "Id": item} for item in failed])
    assert [a.json() for a in retried] == [{"status": "stored"}] * len(failed)
