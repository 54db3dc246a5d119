"""ALLOWED_USERS / ALLOWED_CHANNELS, and the audit trail of every create attempt."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.conftest import RunningBot, audit, bot_environment, open_form
from tests.slack_driver import SlackDriver
from tests.slack_views import texts
from tests.standins.slack_api import FakeSlack
from tests.standins.starleads_api import PHONE_AGENT, FakeStarleads

VALID = {"name": "Relance Q4", "agent_id": PHONE_AGENT, "phone_number": "01 23 45 67 89"}
SALES = "C0SALES01"


@pytest.fixture(scope="module")
def guarded_bot(
    fake_slack: FakeSlack, fake_starleads: FakeStarleads, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningBot]:
    workdir = tmp_path_factory.mktemp("guarded")
    fake_slack.reset()
    fake_slack.user_groups["S0SALESTEAM"] = ["U0BOB"]
    env = bot_environment(
        fake_slack,
        fake_starleads,
        workdir,
        ALLOWED_USERS="U0ALICE, S0SALESTEAM",
        ALLOWED_CHANNELS=f"{SALES},C0SALES02",
    )
    running = RunningBot(env, workdir)
    fake_slack.wait_for(lambda r: r.path == "/api/usergroups.users.list")
    yield running
    running.stop()


@pytest.fixture
def guarded(guarded_bot: RunningBot, fake_slack: FakeSlack, fake_starleads: FakeStarleads) -> SlackDriver:
    fake_slack.clear()
    fake_starleads.reset()
    return SlackDriver(guarded_bot.url, fake_slack.response_url())


@pytest.mark.parametrize(
    ("user_id", "channel_id", "allowed"),
    [
        pytest.param("U0ALICE", SALES, True, id="listed-user"),
        pytest.param("U0BOB", SALES, True, id="member-of-a-listed-group"),
        pytest.param("U0MALLORY", SALES, False, id="someone-else"),
        pytest.param("U0ALICE", "C0RANDOM1", False, id="listed-user-elsewhere"),
    ],
)
def test_only_allowed_people_in_allowed_channels_get_the_form(
    guarded: SlackDriver, fake_slack: FakeSlack, user_id: str, channel_id: str, allowed: bool
) -> None:
    answer = guarded.command("campaign", user_id=user_id, channel_id=channel_id)

    assert answer.status_code == 200
    if allowed:
        assert fake_slack.wait_call("views.open")
    else:
        assert answer.json()["response_type"] == "ephemeral"
        assert "limited to some people and channels" in answer.json()["text"]
        assert fake_slack.calls("views.open") == []


def test_a_form_submitted_by_someone_not_allowed_creates_nothing_and_is_audited(
    guarded: SlackDriver, guarded_bot: RunningBot, fake_slack: FakeSlack, fake_starleads: FakeStarleads
) -> None:
    view = open_form(guarded, fake_slack, channel_id=SALES)

    answer = guarded.submit(view, VALID, user_id="U0MALLORY").json()

    assert "limited to some people and channels" in texts(answer["view"])
    assert fake_starleads.creates() == []
    rows = audit(guarded_bot, view["id"], count=1)
    assert [(r["user_id"], r["channel_id"], r["outcome"]) for r in rows] == [("U0MALLORY", SALES, "denied")]


def test_every_create_attempt_is_audited_with_who_where_what_and_the_outcome(
    guarded: SlackDriver, guarded_bot: RunningBot, fake_slack: FakeSlack, fake_starleads: FakeStarleads
) -> None:
    fake_starleads.answer_next_create(503, {"title": "Service Unavailable", "status": 503})
    view = open_form(guarded, fake_slack, channel_id=SALES)
    guarded.submit(view, VALID)
    failed = fake_slack.wait_view_update(view["id"])["view"]
    guarded.click({**failed, "id": view["id"]}, "campaign_retry")
    fake_slack.wait_call("chat.postMessage")

    rows = audit(guarded_bot, view["id"], count=2)

    assert [r["outcome"] for r in rows] == ["unavailable", "created"]
    assert {r["user_id"] for r in rows} == {"U0ALICE"}
    assert {r["channel_id"] for r in rows} == {SALES}
    assert rows[0]["fingerprint"] == rows[1]["fingerprint"]
    assert len(rows[0]["fingerprint"]) == 64
    assert rows[1]["campaign_id"] == fake_starleads.campaigns[-1]["id"]
    assert rows[0]["detail"].startswith("Starleads answered 503")  # in English, for the operator
    assert all("sl-test-key" not in str(r) for r in rows)
