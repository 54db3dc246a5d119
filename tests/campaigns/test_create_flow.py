"""The create flow's decisions, without Slack or HTTP: the real stores on an in-memory SQLite database,
a stand-in Starleads client answering as scripted, and a report that records what Slack would show.

Every wait is zero (retry and late-lookup delays are injected), so the whole file runs in well under a
second; the end-to-end tests (tests/test_campaign_flow.py and others) check the same flow through Slack.
"""

from __future__ import annotations

import asyncio
import itertools
import uuid
from collections.abc import Coroutine, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import pytest
from sqlalchemy import Engine, create_engine, select, text
from sqlalchemy.pool import StaticPool

from bot.call_results.subscriptions import AlreadySending, NewWebhook, Subscriptions
from bot.campaigns.create_flow import CreateFlow, Earlier, Replay
from bot.campaigns.creation import CampaignCreator, RetryPolicy
from bot.campaigns.draft import DraftField, DraftInput
from bot.campaigns.outcome import Created, Rejected, Unavailable
from bot.campaigns.publication import Delivery, PostedCard, Publication, ResultsRoute
from bot.campaigns.submission import Submission
from bot.i18n import speaking
from bot.later import Later
from bot.starleads import (
    Agent,
    Campaign,
    CampaignRequest,
    Problem,
    StarleadsAuthError,
    StarleadsError,
    StarleadsRejected,
    StarleadsTimeout,
    StarleadsUnavailable,
)
from bot.store import (
    SINGLE,
    AuditStore,
    ChannelPreferences,
    CreationState,
    CreationStore,
    PreferenceStore,
    SubscriptionStore,
)
from bot.store.database import create_attempts, metadata
from bot.workspaces.connections import WORKSPACE_KEY
from tests.french import typeset

PUBLIC_URL = "https://bot.example.com"
CARD_TS = "1700000000.000100"
REFUSED = StarleadsUnavailable("Connection refused", may_have_created=False)


class ScriptedStarleads:
    """The StarleadsClient methods the flow calls. Each create takes the next scripted answer (a
    campaign is made by default); `CreatedButTimedOut` makes the campaign and still fails to answer."""

    def __init__(self) -> None:
        self.creates: list[CampaignRequest] = []
        self.create_answers: list[StarleadsError | CreatedButTimedOut] = []
        self.listing_failure: StarleadsError | None = None
        self.listings = 0
        self.campaigns: list[Campaign] = []
        self.hold_creates: tuple[asyncio.Event, asyncio.Event] | None = None
        """(arrived, release): set `arrived` when a create arrives, answer it once `release` is set."""
        self._ids = itertools.count(1)

    async def create_campaign(self, request: CampaignRequest) -> Campaign:
        await asyncio.sleep(0)  # like a real request: what was started alongside runs first
        self.creates.append(request)
        if self.hold_creates:
            arrived, release = self.hold_creates
            arrived.set()
            await release.wait()
        answer = self.create_answers.pop(0) if self.create_answers else None
        if isinstance(answer, StarleadsError):
            raise answer
        campaign = Campaign.model_validate(
            {**request.to_json(), "id": f"camp-{next(self._ids)}-{uuid.uuid4().hex[:6]}"}
        )
        self.campaigns.append(campaign)
        if isinstance(answer, CreatedButTimedOut):
            raise StarleadsTimeout("Starleads did not answer in time")
        return campaign

    async def get_agent(self, agent_id: str) -> Agent:
        return Agent(agent_id=agent_id, agent_name="Chloé")

    async def list_campaigns(self) -> list[Campaign]:
        self.listings += 1
        if self.listing_failure:
            raise self.listing_failure
        return list(self.campaigns)


class CreatedButTimedOut:
    """Starleads creates the campaign, but its answer never arrives."""


@dataclass
class RecordingReport:
    """What Slack would show, step by step; the card goes where `delivery` says."""

    delivery: Delivery = Delivery.POSTED
    steps: list[tuple[str, Any]] = field(default_factory=list)

    async def waiting(self, reason: str) -> None:
        self.steps.append(("waiting", reason))

    async def creating(self) -> None:
        self.steps.append(("creating", None))

    async def not_saved(self) -> None:
        self.steps.append(("not_saved", None))

    async def earlier(self, earlier: Earlier) -> None:
        self.steps.append(("earlier", earlier))

    async def failed(self, outcome: Rejected | Unavailable) -> None:
        self.steps.append(("failed", outcome))

    async def post_card(self, created: Created, *, late: bool, results_here: bool) -> PostedCard:
        self.steps.append(("post_card", (created.campaign.id, late, results_here)))
        thread_ts = CARD_TS if self.delivery is Delivery.POSTED else None
        return PostedCard(self.delivery, thread_ts, '{"text": "the card"}')

    async def published(self, publication: Publication) -> None:
        self.steps.append(("published", publication))

    def kinds(self) -> list[str]:
        return [kind for kind, _ in self.steps]

    def last(self, kind: str) -> Any:
        return next(value for step, value in reversed(self.steps) if step == kind)


class RecordingBackground:
    """Keeps the work the flow starts in the background, to run when the test says."""

    def __init__(self) -> None:
        self.started: list[tuple[str, Coroutine[Any, Any, None]]] = []

    def start(self, work: Coroutine[Any, Any, None], name: str) -> None:
        self.started.append((name, work))

    async def run_all(self) -> None:
        while self.started:
            _, work = self.started.pop(0)
            await work

    def drop(self) -> None:
        """A stop: the work never runs."""
        for _, work in self.started:
            work.close()
        self.started.clear()


@dataclass
class Rig:
    engine: Engine
    starleads: ScriptedStarleads
    background: RecordingBackground
    flow: CreateFlow

    def another_process(self) -> Rig:
        """A second bot process (or the same after a restart) on the same database and Starleads."""
        return _rig(self.engine, self.starleads)


class StarleadsPerWorkspace:
    """Each workspace's own Starleads account, handed out the way the bot's directory does."""

    key_help = WORKSPACE_KEY

    def __init__(self, *workspaces: str) -> None:
        self.accounts = {workspace: ScriptedStarleads() for workspace in workspaces}

    async def client_for(self, workspace: str) -> ScriptedStarleads:
        return self.accounts[workspace]


def _rig(
    engine: Engine,
    starleads: ScriptedStarleads | StarleadsPerWorkspace,
    public_url: str | None = PUBLIC_URL,
) -> Rig:
    preferences = PreferenceStore(engine)
    creator = CampaignCreator(
        starleads,  # type: ignore[arg-type]  # the stand-in has the methods the flow calls
        CreationStore(engine),
        preferences,
        AuditStore(engine),
        Subscriptions(SubscriptionStore(engine)),
        public_url=public_url,
        late_lookup_delays=(0.0, 0.0),
        retry_policy=RetryPolicy(connect_delays=(0.0, 0.0, 0.0)),
    )
    background = RecordingBackground()
    flow = CreateFlow(Later(lambda: creator), preferences, background, offers_results=public_url is not None)
    return Rig(engine, starleads, background, flow)  # type: ignore[arg-type]


@pytest.fixture
def engine() -> Iterator[Engine]:
    engine = create_engine("sqlite://", poolclass=StaticPool, connect_args={"check_same_thread": False})
    metadata.create_all(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def rig(engine: Engine) -> Iterator[Rig]:
    made = _rig(engine, ScriptedStarleads())
    yield made
    made.background.drop()


def submission(
    *,
    post_results: bool = True,
    key: str | None = None,
    user_id: str = "U1",
    workspace: str = SINGLE,
    agent_id: str = "agent-123-abc",
) -> Submission:
    typed = DraftInput(
        name="Relance devis", agent_id=agent_id, phone_number="+33123456789", post_results=post_results
    )
    key = key or f"V{uuid.uuid4().hex}"
    return Submission.of(key, typed, user_id=user_id, channel_id="C1", workspace=workspace)


def run(work: Coroutine[Any, Any, Any]) -> Any:
    """Run `work` to its end; a test that waits for an event that never comes fails instead of hanging."""
    return asyncio.run(asyncio.wait_for(work, timeout=10))


def state_of(rig: Rig, key: str, workspace: str = SINGLE) -> CreationState | None:
    record = asyncio.run(CreationStore(rig.engine).get(key, workspace=workspace))
    return record.state if record else None


def subscription_of(rig: Rig, request: CampaignRequest) -> Any:
    """The results subscription behind the webhook address the campaign was created with."""
    assert request.webhook_url
    token = urlsplit(request.webhook_url).path.rsplit("/", 1)[-1]
    return run(Subscriptions(SubscriptionStore(rig.engine)).find(token))


def audit_outcomes(rig: Rig, key: str, workspace: str = SINGLE) -> list[str]:
    query = select(create_attempts.c.outcome).where(
        create_attempts.c.creation_key == key, create_attempts.c.workspace_id == workspace
    )
    with rig.engine.connect() as connection:
        return [row[0] for row in connection.execute(query.order_by(create_attempts.c.id))]


# Created


def test_a_created_campaign_gets_its_card_and_its_results_follow_in_the_cards_thread(rig: Rig) -> None:
    sent = submission()
    report = RecordingReport()

    run(rig.flow.submit(sent, report))

    assert report.kinds() == ["post_card", "published"]
    campaign = rig.starleads.campaigns[0]
    assert report.last("post_card") == (campaign.id, False, True)
    published = report.last("published")
    assert (published.delivery, published.results, published.invite_tip) == (
        Delivery.POSTED,
        ResultsRoute.THREAD,
        False,
    )
    assert published.created.agent_name == "Chloé"
    subscription = subscription_of(rig, rig.starleads.creates[0])
    assert (subscription.campaign_id, subscription.thread_ts) == (campaign.id, CARD_TS)
    assert subscription.root_message == '{"text": "the card"}'
    assert state_of(rig, sent.key) is CreationState.CREATED
    assert run(PreferenceStore(rig.engine).get("C1")).agent_id == "agent-123-abc"
    assert audit_outcomes(rig, sent.key) == ["created"]


def test_results_wait_for_subscribe_when_the_card_could_not_be_posted(rig: Rig) -> None:
    report = RecordingReport(delivery=Delivery.FAILED)

    run(rig.flow.submit(submission(), report))

    assert report.last("published").results is ResultsRoute.WAITING
    subscription = subscription_of(rig, rig.starleads.creates[0])
    assert subscription.campaign_id == rig.starleads.campaigns[0].id
    assert (subscription.thread_ts, subscription.root_message) == (None, None)


def test_a_card_posted_through_the_command_tips_about_inviting_the_bot_once(rig: Rig) -> None:
    first, second = RecordingReport(Delivery.VIA_RESPONSE_URL), RecordingReport(Delivery.VIA_RESPONSE_URL)

    run(rig.flow.submit(submission(), first))
    run(rig.flow.submit(submission(), second))

    assert first.last("published").invite_tip is True
    assert second.last("published").invite_tip is False
    assert first.last("published").results is ResultsRoute.WAITING


def test_a_campaign_without_call_results_has_no_webhook_and_nothing_to_settle(rig: Rig) -> None:
    report = RecordingReport()

    run(rig.flow.submit(submission(post_results=False), report))

    assert rig.starleads.creates[0].webhook_url is None
    assert report.last("post_card")[2] is False
    assert report.last("published").results is ResultsRoute.NONE


# Refused by Starleads


def test_field_problems_come_back_next_to_their_fields_and_nothing_is_published(rig: Rig) -> None:
    rig.starleads.create_answers = [
        StarleadsRejected(400, Problem(status=400, errors={"phoneNumber": ["Not a valid number."]}))
    ]
    sent, report = submission(), RecordingReport()

    run(rig.flow.submit(sent, report))

    assert report.kinds() == ["failed"]
    outcome = report.last("failed")
    assert isinstance(outcome, Rejected)
    assert outcome.problems == {DraftField.PHONE_NUMBER: "Starleads: Not a valid number."}
    assert state_of(rig, sent.key) is CreationState.FAILED
    assert subscription_of(rig, rig.starleads.creates[0]) is None  # this try's results address is gone
    assert rig.background.started == []


def test_a_refused_api_key_is_told_as_a_general_problem_with_what_to_check(rig: Rig) -> None:
    rig.starleads.create_answers = [StarleadsAuthError(401)]
    report = RecordingReport()

    run(rig.flow.submit(submission(), report))

    outcome = report.last("failed")
    assert isinstance(outcome, Rejected)
    assert outcome.problems == {}
    assert "STARLEADS_API_KEY" in (outcome.general or "")


# Unavailable


def test_starleads_out_of_reach_is_tried_again_with_a_notice_before_each_wait(rig: Rig) -> None:
    rig.starleads.create_answers = [REFUSED, REFUSED]
    report = RecordingReport()

    run(rig.flow.submit(submission(), report))

    assert report.kinds() == ["waiting", "waiting", "post_card", "published"]
    assert "Trying again" in report.steps[0][1]
    assert len(rig.starleads.creates) == 3
    assert len(rig.starleads.campaigns) == 1


def test_starleads_out_of_reach_for_good_says_nothing_was_created_and_looks_for_nothing(rig: Rig) -> None:
    rig.starleads.create_answers = [REFUSED] * 4
    sent, report = submission(), RecordingReport()

    run(rig.flow.submit(sent, report))

    assert report.kinds() == ["waiting", "waiting", "waiting", "failed"]
    outcome = report.last("failed")
    assert isinstance(outcome, Unavailable)
    assert outcome.outcome_unknown is False
    assert "tried 4 times" in outcome.message
    assert state_of(rig, sent.key) is CreationState.FAILED
    assert rig.background.started == []


# Unknown outcome and the late lookup


def test_a_campaign_created_without_an_answer_is_found_later_and_gets_its_card(rig: Rig) -> None:
    rig.starleads.create_answers = [CreatedButTimedOut()]
    sent, report = submission(), RecordingReport()

    run(rig.flow.submit(sent, report))

    outcome = report.last("failed")
    assert isinstance(outcome, Unavailable)
    assert outcome.outcome_unknown is True
    assert [name for name, _ in rig.background.started] == ["confirm_late_campaign"]
    assert state_of(rig, sent.key) is CreationState.UNKNOWN

    run(rig.background.run_all())

    campaign = rig.starleads.campaigns[0]
    assert report.kinds() == ["failed", "post_card", "published"]
    assert report.last("post_card") == (campaign.id, True, True)
    assert report.last("published").late is True
    assert state_of(rig, sent.key) is CreationState.CREATED
    assert subscription_of(rig, rig.starleads.creates[0]).thread_ts == CARD_TS
    assert audit_outcomes(rig, sent.key) == ["unknown", "created-late"]


def test_a_campaign_that_never_shows_up_is_not_published(rig: Rig) -> None:
    rig.starleads.create_answers = [StarleadsTimeout("no answer")]
    sent, report = submission(), RecordingReport()

    run(rig.flow.submit(sent, report))
    run(rig.background.run_all())

    assert report.kinds() == ["failed"]
    assert rig.starleads.listings == 3  # before the create, then once per delay
    assert state_of(rig, sent.key) is CreationState.UNKNOWN
    restarted = rig.another_process()
    run(restarted.flow.resume_late_lookups(lambda _: RecordingReport()))
    assert restarted.background.started == []  # the lookup ended: a restart does not look again


def test_no_late_lookup_without_knowing_what_existed_before(rig: Rig) -> None:
    rig.starleads.create_answers = [CreatedButTimedOut()]
    rig.starleads.listing_failure = StarleadsUnavailable("Bad gateway", status=502)
    report = RecordingReport()

    run(rig.flow.submit(submission(), report))
    run(rig.background.run_all())

    assert report.kinds() == ["failed"]  # an older, identical campaign could be taken for this one
    assert rig.starleads.listings == 1


# The same submission again


def test_a_submission_sent_again_while_it_is_being_created_shows_nothing_of_its_own(rig: Rig) -> None:
    sent, first, again = submission(), RecordingReport(), RecordingReport()

    async def twice() -> None:
        arrived, release = asyncio.Event(), asyncio.Event()
        rig.starleads.hold_creates = (arrived, release)
        creating = asyncio.create_task(rig.flow.submit(sent, first))
        await arrived.wait()
        await rig.flow.submit(sent, again)
        release.set()
        await creating

    run(twice())

    assert again.steps == []
    assert first.kinds() == ["post_card", "published"]
    assert len(rig.starleads.creates) == 1


def test_a_submission_sent_again_after_it_created_shows_that_campaign(rig: Rig) -> None:
    sent, again = submission(), RecordingReport()
    run(rig.flow.submit(sent, RecordingReport()))

    run(rig.flow.submit(sent, again))

    assert again.steps == [("earlier", Earlier(Replay.CREATED, rig.starleads.campaigns[0].id))]
    assert len(rig.starleads.creates) == 1


def test_a_submission_sent_again_after_an_unknown_outcome_is_not_sent_to_starleads(rig: Rig) -> None:
    rig.starleads.create_answers = [StarleadsTimeout("no answer")]
    sent, again = submission(), RecordingReport()
    run(rig.flow.submit(sent, RecordingReport()))

    run(rig.flow.submit(sent, again))

    assert again.steps == [("earlier", Earlier(Replay.UNKNOWN))]
    assert len(rig.starleads.creates) == 1


def test_a_claim_the_database_refuses_sends_nothing_to_starleads(rig: Rig) -> None:
    with rig.engine.begin() as connection:
        connection.execute(text("drop table campaign_creations"))
    report = RecordingReport()

    run(rig.flow.submit(submission(), report))

    assert report.steps == [("not_saved", None)]
    assert rig.starleads.creates == []


# Try again


def test_try_again_when_the_database_refuses_the_claim_sends_nothing_and_says_so(rig: Rig) -> None:
    rig.starleads.create_answers = [StarleadsTimeout("no answer")]
    sent, retried = submission(), RecordingReport()
    run(rig.flow.submit(sent, RecordingReport()))
    with rig.engine.begin() as connection:
        connection.execute(text("drop table campaign_creations"))

    run(rig.flow.retry(sent, retried))

    assert retried.steps == [("not_saved", None)]
    assert len(rig.starleads.creates) == 1


def test_try_again_after_an_unknown_outcome_creates_under_the_same_key(rig: Rig) -> None:
    rig.starleads.create_answers = [StarleadsTimeout("no answer")]
    sent, retried = submission(), RecordingReport()
    run(rig.flow.submit(sent, RecordingReport()))

    run(rig.flow.retry(sent, retried))

    assert retried.kinds() == ["creating", "post_card", "published"]
    assert len(rig.starleads.creates) == 2
    assert state_of(rig, sent.key) is CreationState.CREATED


def test_try_again_after_the_campaign_was_created_creates_nothing(rig: Rig) -> None:
    sent, retried = submission(), RecordingReport()
    run(rig.flow.submit(sent, RecordingReport()))

    run(rig.flow.retry(sent, retried))

    assert retried.steps == [("earlier", Earlier(Replay.CREATED, rig.starleads.campaigns[0].id))]
    assert len(rig.starleads.creates) == 1


def test_a_denied_attempt_is_audited(rig: Rig) -> None:
    key = f"V{uuid.uuid4().hex}"

    run(rig.flow.deny(key, user_id="U2", channel_id="C1", reason="form opened by another user"))

    assert audit_outcomes(rig, key) == ["denied"]


# After a restart


def test_a_lookup_cut_short_by_a_stop_is_resumed_and_publishes_the_card(rig: Rig) -> None:
    rig.starleads.create_answers = [CreatedButTimedOut()]
    sent = submission(user_id="U7")
    run(rig.flow.submit(sent, RecordingReport()))
    rig.background.drop()  # the process stops before its lookup runs
    restarted = rig.another_process()
    resumed: list[tuple[Submission, RecordingReport]] = []

    def report_for(left: Submission) -> RecordingReport:
        resumed.append((left, RecordingReport()))
        return resumed[-1][1]

    run(restarted.flow.resume_late_lookups(report_for))
    run(restarted.background.run_all())

    [(left, report)] = resumed
    assert left == sent
    assert report.kinds() == ["post_card", "published"]
    assert report.last("published").late is True
    assert state_of(rig, sent.key) is CreationState.CREATED


def test_a_lookup_whose_form_todays_rules_refuse_is_skipped_and_the_others_are_resumed(rig: Rig) -> None:
    rig.starleads.create_answers = [CreatedButTimedOut(), CreatedButTimedOut()]
    old, sent = submission(), submission()
    run(rig.flow.submit(old, RecordingReport()))
    run(rig.flow.submit(sent, RecordingReport()))
    rig.background.drop()
    older_rules = old.typed.model_copy(update={"agent_id": "a`@channel`b"}).model_dump_json()
    with rig.engine.begin() as connection:
        connection.execute(
            text("update campaign_creations set draft_input = :typed where key = :key"),
            {"typed": older_rules, "key": old.key},
        )
    restarted = rig.another_process()
    resumed: list[Submission] = []

    def report_for(left: Submission) -> RecordingReport:
        resumed.append(left)
        return RecordingReport()

    run(restarted.flow.resume_late_lookups(report_for))
    run(restarted.background.run_all())

    assert resumed == [sent]
    assert state_of(rig, sent.key) is CreationState.CREATED


# The form's first values


def test_the_form_starts_from_the_channels_remembered_values_with_results_chosen(rig: Rig) -> None:
    run(PreferenceStore(rig.engine).remember("C9", ChannelPreferences(agent_id="agent-remembered")))

    start = run(rig.flow.starting_form("C9", "", shows_any_text=frozenset()))

    assert (start.typed.agent_id, start.typed.post_results) == ("agent-remembered", True)


def test_without_a_public_address_the_form_does_not_offer_results(engine: Engine) -> None:
    flow = _rig(engine, ScriptedStarleads(), public_url=None).flow

    start = run(flow.starting_form("C9", "", shows_any_text=frozenset()))

    assert start.typed.post_results is None


def test_try_again_and_edit_read_back_what_was_typed(rig: Rig) -> None:
    sent = submission()
    run(rig.flow.submit(sent, RecordingReport()))

    assert run(rig.flow.stored_input(sent.key)) == sent.typed
    assert run(rig.flow.stored_input("V-never-submitted")) is None


# Workspaces: a Slack Connect channel has the same ID in both, so every test below shares "C1"

A, B = "T0AAAAAAA", "T0BBBBBBB"


@pytest.fixture
def accounts() -> StarleadsPerWorkspace:
    return StarleadsPerWorkspace(A, B)


@pytest.fixture
def two(engine: Engine, accounts: StarleadsPerWorkspace) -> Iterator[Rig]:
    made = _rig(engine, accounts)
    yield made
    made.background.drop()


def test_each_workspace_creates_in_its_own_starleads_account_and_keeps_its_own_rows(
    two: Rig, accounts: StarleadsPerWorkspace
) -> None:
    in_a, in_b = submission(workspace=A), submission(workspace=B)

    run(two.flow.submit(in_a, RecordingReport()))
    run(two.flow.submit(in_b, RecordingReport()))

    account_a, account_b = accounts.accounts[A], accounts.accounts[B]
    assert (len(account_a.creates), len(account_b.creates)) == (1, 1)
    assert subscription_of(two, account_a.creates[0]).workspace_id == A
    assert subscription_of(two, account_b.creates[0]).workspace_id == B
    assert (state_of(two, in_a.key, A), state_of(two, in_a.key, B)) == (CreationState.CREATED, None)
    assert (audit_outcomes(two, in_a.key, A), audit_outcomes(two, in_a.key, B)) == (["created"], [])


def test_a_workspaces_own_key_refused_tells_its_users_an_admin_can_connect_another(
    two: Rig, accounts: StarleadsPerWorkspace
) -> None:
    accounts.accounts[A].create_answers = [StarleadsAuthError(401)]
    report = RecordingReport()

    run(two.flow.submit(submission(workspace=A), report))

    outcome = report.last("failed")
    assert isinstance(outcome, Rejected)
    assert "`/starleads connect`" in (outcome.general or "")
    assert "STARLEADS_API_KEY" not in (outcome.general or "")


def test_a_workspace_never_replays_retries_or_reads_back_another_workspaces_create(
    two: Rig, accounts: StarleadsPerWorkspace
) -> None:
    in_a = submission(workspace=A)
    run(two.flow.submit(in_a, RecordingReport()))
    same_key_in_b = submission(key=in_a.key, workspace=B)
    sent_again, retried = RecordingReport(), RecordingReport()

    run(two.flow.submit(same_key_in_b, sent_again))
    run(two.flow.retry(same_key_in_b, retried))

    assert sent_again.steps == retried.steps == [("not_saved", None)]  # never A's campaign
    assert accounts.accounts[B].creates == []
    assert run(two.flow.stored_input(in_a.key, workspace=B)) is None
    assert run(two.flow.stored_input(in_a.key, workspace=A)) == in_a.typed
    assert state_of(two, in_a.key, A) is CreationState.CREATED


def test_the_form_starts_from_its_own_workspaces_values_and_each_gets_its_own_first_tip(two: Rig) -> None:
    first_a, first_b = RecordingReport(Delivery.VIA_RESPONSE_URL), RecordingReport(Delivery.VIA_RESPONSE_URL)

    run(two.flow.submit(submission(workspace=A, agent_id="agent-of-a"), first_a))
    run(two.flow.submit(submission(workspace=B, agent_id="agent-of-b"), first_b))

    assert first_a.last("published").invite_tip is True
    assert first_b.last("published").invite_tip is True
    for workspace, agent in ((A, "agent-of-a"), (B, "agent-of-b")):
        start = run(two.flow.starting_form("C1", "", shows_any_text=frozenset(), workspace=workspace))
        assert start.typed.agent_id == agent
    assert run(two.flow.starting_form("C1", "", shows_any_text=frozenset())).typed.agent_id is None


def test_a_late_lookup_searches_its_own_workspaces_account_only(
    two: Rig, accounts: StarleadsPerWorkspace
) -> None:
    account_a, account_b = accounts.accounts[A], accounts.accounts[B]
    account_a.create_answers = [CreatedButTimedOut()]
    sent, report = submission(workspace=A), RecordingReport()

    run(two.flow.submit(sent, report))
    run(two.background.run_all())

    assert report.last("post_card") == (account_a.campaigns[0].id, True, True)
    assert account_b.listings == 0
    assert audit_outcomes(two, sent.key, A) == ["unknown", "created-late"]


def test_subscribe_binds_only_its_own_workspaces_waiting_results(
    two: Rig, accounts: StarleadsPerWorkspace, engine: Engine
) -> None:
    run(two.flow.submit(submission(workspace=A), RecordingReport(Delivery.FAILED)))
    campaign = accounts.accounts[A].campaigns[0].id
    subscriptions = Subscriptions(SubscriptionStore(engine))

    in_b = run(subscriptions.subscribe("C1", "U2", campaign, "1700000000.000200", "{}", workspace=B))
    in_a = run(subscriptions.subscribe("C1", "U1", campaign, "1700000000.000300", "{}", workspace=A))

    assert isinstance(in_b, NewWebhook)
    assert run(subscriptions.find(in_b.token)).workspace_id == B
    assert isinstance(in_a, AlreadySending)


def test_forgetting_a_failed_tries_address_is_done_in_its_own_workspace(engine: Engine) -> None:
    subscriptions = Subscriptions(SubscriptionStore(engine))
    token = run(subscriptions.create("C1", "U1", creation_key="V-shared", workspace=A))

    run(subscriptions.forget(token, workspace=B))
    run(subscriptions.settle("V-shared", "camp-b", "1700000000.000400", "{}", workspace=B))

    waiting = run(subscriptions.find(token))
    assert (waiting.workspace_id, waiting.campaign_id, waiting.thread_ts) == (A, None, None)
    run(subscriptions.forget(token, workspace=A))
    assert run(subscriptions.find(token)) is None


def test_a_restart_resumes_every_workspaces_lookups_each_in_its_own_workspace(
    two: Rig, accounts: StarleadsPerWorkspace
) -> None:
    for workspace in (A, B):
        accounts.accounts[workspace].create_answers = [CreatedButTimedOut()]
    in_a, in_b = submission(workspace=A), submission(workspace=B)
    run(two.flow.submit(in_a, RecordingReport()))
    run(two.flow.submit(in_b, RecordingReport()))
    two.background.drop()  # the process stops before its lookups run
    restarted = two.another_process()
    resumed: dict[str, RecordingReport] = {}

    def report_for(left: Submission) -> RecordingReport:
        resumed[left.workspace] = RecordingReport()
        return resumed[left.workspace]

    run(restarted.flow.resume_late_lookups(report_for))
    run(restarted.background.run_all())

    assert set(resumed) == {A, B}
    for workspace, sent in ((A, in_a), (B, in_b)):
        campaign = accounts.accounts[workspace].campaigns[0].id
        assert resumed[workspace].last("post_card") == (campaign, True, True)
        assert state_of(two, sent.key, workspace) is CreationState.CREATED


# In French: what the create flow tells a French user (the Slack side shows it as it is).


def test_a_french_user_is_told_in_french_how_often_starleads_was_tried(rig: Rig) -> None:
    rig.starleads.create_answers = [REFUSED] * 4
    report = RecordingReport()

    with speaking("fr"):
        run(rig.flow.submit(submission(), report))

    assert report.kinds() == ["waiting", "waiting", "waiting", "failed"]
    assert "Nouvel essai dans" in report.steps[0][1]
    outcome = report.last("failed")
    assert isinstance(outcome, Unavailable)
    assert outcome.message.endswith("(4 essais)")


def test_a_french_user_is_told_in_french_what_starleads_refused(rig: Rig) -> None:
    rig.starleads.create_answers = [
        StarleadsRejected(400, Problem(status=400, errors={"phoneNumber": ["Not a valid number."]})),
        StarleadsAuthError(401),
    ]
    refused, no_key = RecordingReport(), RecordingReport()

    with speaking("fr"):
        run(rig.flow.submit(submission(), refused))
        run(rig.flow.submit(submission(), no_key))

    field_problem = refused.last("failed")
    assert isinstance(field_problem, Rejected)
    assert field_problem.problems == {DraftField.PHONE_NUMBER: typeset("Starleads : Not a valid number.")}
    assert field_problem.general == typeset(
        "Starleads a refusé la campagne : voyez les remarques sous les champs."
    )
    key_problem = no_key.last("failed")
    assert isinstance(key_problem, Rejected)
    assert "STARLEADS_API_KEY" in (key_problem.general or "")
    assert "Votre formulaire est conservé" in (key_problem.general or "")
