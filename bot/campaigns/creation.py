"""Creating a campaign exactly once, and saying what happened in terms the form can show.

The store decides who may call Starleads for a given key (one caller at a time, never again once it
worked); this module makes the call and sorts the answer into the three outcomes of
`bot.campaigns.outcome`: created, rejected and unavailable.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from bot.call_results.address import webhook_url, without_token
from bot.call_results.subscriptions import Subscriptions
from bot.campaigns.draft import CampaignDraft, DraftField, DraftInput, DraftInvalid
from bot.campaigns.late_lookup import LateLookup
from bot.campaigns.outcome import Created, Outcome, Rejected, Unavailable
from bot.campaigns.submission import Submission
from bot.i18n import N_, Language, _, current_language, ngettext, stored_language
from bot.metrics import CAMPAIGN_CREATES
from bot.starleads import (
    Agent,
    Campaign,
    CampaignRequest,
    StarleadsAuthError,
    StarleadsClient,
    StarleadsError,
    StarleadsRejected,
    StarleadsTimeout,
    StarleadsUnavailable,
)
from bot.store import AuditStore, ChannelPreferences, Claim, CreationState, CreationStore, PreferenceStore
from bot.workspaces import SINGLE
from bot.workspaces.connections import OPERATOR_KEY, FixedStarleads, KeyHelp, NotConnected, StarleadsDirectory

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class UnfinishedLookup:
    """A late lookup a stopped process left unfinished, with the submission its campaign is reported for."""

    submission: Submission
    lookup: LateLookup
    language: Language  # its creator's: the card found late speaks it


Waiting = Callable[[float, str], Awaitable[None]]
"""Told before each automatic wait: how many seconds, and why (in words for the user)."""


@dataclass(frozen=True)
class RetryPolicy:
    connect_delays: tuple[float, ...] = (1.0, 2.0, 4.0)
    max_total_wait: float = 30.0
    max_attempts: int = 5

    def delay_before_retry(self, error: StarleadsUnavailable, attempt: int, waited: float) -> float | None:
        """Seconds to wait before trying again, or None when trying again could create a duplicate."""
        if attempt >= self.max_attempts or isinstance(error, StarleadsTimeout):
            return None
        if error.status is None and not error.may_have_created:
            delay = self.connect_delays[attempt - 1] if attempt <= len(self.connect_delays) else None
        elif error.status in (429, 503) and error.retry_after is not None:
            delay = max(error.retry_after, 0.5)
        else:
            return None
        return delay if delay is not None and waited + delay <= self.max_total_wait else None


DEFAULT_RETRY_POLICY = RetryPolicy()
_RESUME_LOOKUPS_WITHIN = timedelta(hours=1)  # later, the form is long closed: the user has checked Starleads

# API field names (any case, with or without "$." / "request." prefixes) → form fields.
_API_FIELDS = {
    "name": DraftField.NAME,
    "agentid": DraftField.AGENT_ID,
    "phonenumber": DraftField.PHONE_NUMBER,
    "maxretries": DraftField.MAX_RETRIES,
    "delaybetweenretries": DraftField.DELAY_HOURS,
    "webhookurl": DraftField.WEBHOOK_URL,
    "timezone": DraftField.TIMEZONE,
    "schedule": DraftField.SCHEDULE,
}
# Words in a free-text `detail` that point at one field, most specific first.
_DETAIL_WORDS = (
    ("phone", DraftField.PHONE_NUMBER),
    ("agent", DraftField.AGENT_ID),
    ("webhook", DraftField.WEBHOOK_URL),
    ("timezone", DraftField.TIMEZONE),
    ("time zone", DraftField.TIMEZONE),
    ("delay", DraftField.DELAY_HOURS),
    ("retr", DraftField.MAX_RETRIES),
    ("schedule", DraftField.SCHEDULE),
    ("time range", DraftField.SCHEDULE),
    ("name", DraftField.NAME),
)
_NOT_CONNECTED_MESSAGE = N_(
    "This workspace is no longer connected to Starleads, so nothing was created. Ask a workspace admin "
    "to type `/starleads connect`. Your form is kept: submit again once it is done."
)


class CampaignCreator:
    def __init__(
        self,
        starleads: StarleadsClient | StarleadsDirectory,
        creations: CreationStore,
        preferences: PreferenceStore,
        audit: AuditStore,
        subscriptions: Subscriptions,
        *,
        public_url: str | None = None,
        late_lookup_delays: tuple[float, ...] = (5.0, 15.0, 45.0, 120.0),
        retry_policy: RetryPolicy = DEFAULT_RETRY_POLICY,
    ) -> None:
        """`starleads`: each workspace's client, or the one client of a single workspace."""
        self._starleads = (
            starleads if isinstance(starleads, StarleadsDirectory) else FixedStarleads(starleads)
        )
        self._creations = creations
        self._preferences = preferences
        self._audit = audit
        self._subscriptions = subscriptions
        self._public_url = public_url
        self._late_lookup_delays = late_lookup_delays
        self._retry_policy = retry_policy

    def sends_results_here(self, draft: CampaignDraft) -> bool:
        """Whether a campaign created from `draft` sends its call results to the bot (and its channel)."""
        return draft.post_results and self._public_url is not None

    async def claim(self, submission: Submission, *, after_unknown: bool = False) -> Claim:
        """Reserve the submission's key for one create; refused while one runs, after one worked, and
        after one whose outcome is unknown unless the user chose to try again anyway (`after_unknown`)."""
        return await self._creations.claim(
            submission.key,
            fingerprint=submission.draft.fingerprint(),
            draft_input=submission.typed.model_dump(mode="json"),
            user_id=submission.user_id,
            channel_id=submission.channel_id,
            after_unknown=after_unknown,
            language=current_language(),
            workspace=submission.workspace,
        )

    async def stored_input(self, key: str, *, workspace: str = SINGLE) -> DraftInput | None:
        """What was typed in the form whose create is kept under `key` in `workspace` (None if there is
        none)."""
        record = await self._creations.get(key, workspace=workspace)
        return None if record is None else DraftInput.model_validate(record.draft_input)

    async def create(self, submission: Submission, *, on_wait: Waiting | None = None) -> Outcome:
        """Call Starleads for a claimed key and record the outcome; never raises for Starleads' failures.

        With "post call results" chosen, the campaign's webhook is the bot's own address, under a new
        token bound to the channel and to this key (each attempt has its own: only hashes are kept).
        """
        key, workspace = submission.key, submission.workspace
        token, results_url = await self._results_address(submission)
        request = submission.draft.to_request(results_url)
        starleads = await self._starleads.client_for(workspace)
        if isinstance(starleads, NotConnected):
            outcome: Outcome = Rejected(general=_(_NOT_CONNECTED_MESSAGE), cause="not connected to Starleads")
        else:
            outcome = await create_in_starleads(
                starleads, request, on_wait, self._retry_policy, key_help=self._starleads.key_help
            )
        if isinstance(outcome, Created):
            await self._record_created(submission, outcome)
        elif isinstance(outcome, Unavailable) and outcome.outcome_unknown:
            lookup = outcome.lookup.to_json() if outcome.lookup else None
            await self._creations.finish(key, CreationState.UNKNOWN, late_lookup=lookup, workspace=workspace)
        else:
            await self._creations.finish(key, CreationState.FAILED, workspace=workspace)
            # Only this attempt's subscription: an earlier one's campaign may exist after all.
            if token is not None:
                await self._subscriptions.forget(token, workspace=workspace)
        kind, reason = _describe(outcome)
        campaign = f" campaign={outcome.campaign.id}" if isinstance(outcome, Created) else ""
        logger.info("campaign_create key=%s outcome=%s%s reason=%r", key, kind, campaign, reason)
        CAMPAIGN_CREATES.labels(kind).inc()
        await self._audit.record(
            user_id=submission.user_id,
            channel_id=submission.channel_id,
            creation_key=key,
            outcome=kind,
            fingerprint=submission.draft.fingerprint(),
            campaign_id=outcome.campaign.id if isinstance(outcome, Created) else None,
            detail=reason,
            workspace=workspace,
        )
        return outcome

    async def settle_results(
        self, submission: Submission, campaign_id: str, thread_ts: str | None, root_message: str | None
    ) -> None:
        """The created campaign's card is `thread_ts` (None if it could not be posted): its call
        results go to that thread, or wait there for `/starleads subscribe`."""
        await self._subscriptions.settle(
            submission.key, campaign_id, thread_ts, root_message, workspace=submission.workspace
        )

    async def _results_address(self, submission: Submission) -> tuple[str | None, str | None]:
        """(token, webhook URL) of a new subscription for this try, or (None, None) without one."""
        draft = submission.draft
        if not (draft.post_results and self._public_url):
            return None, None
        token = await self._subscriptions.create(
            submission.channel_id,
            submission.user_id,
            forward_url=draft.webhook_url,
            creation_key=submission.key,
            workspace=submission.workspace,
        )
        return token, webhook_url(self._public_url, token)

    async def deny(
        self, key: str, *, user_id: str, channel_id: str, reason: str, workspace: str = SINGLE
    ) -> None:
        """Someone not allowed to create campaigns tried to: keep a trace of it."""
        logger.info("campaign_create key=%s outcome=denied reason=%r", key, reason)
        CAMPAIGN_CREATES.labels("denied").inc()
        await self._audit.record(
            user_id=user_id,
            channel_id=channel_id,
            creation_key=key,
            outcome="denied",
            detail=reason,
            workspace=workspace,
        )

    async def confirm_late(self, submission: Submission, lookup: LateLookup | None) -> Created | None:
        """After an unknown outcome: the campaign, if Starleads did create it after all.

        Only possible when the campaigns that existed before the attempt are known (`lookup`);
        otherwise an older campaign with the same settings could be taken for this one. Once it has
        looked, the lookup is dropped from the store; one cut short by a restart is resumed.
        """
        key, workspace = submission.key, submission.workspace
        if lookup is None:
            logger.info("campaign_late_lookup key=%s found=no reason=no-listing-before", key)
            return None

        async def owned() -> set[str]:
            return await self._creations.campaign_ids(workspace=workspace)

        starleads = await self._starleads.client_for(workspace)
        if isinstance(starleads, NotConnected):
            logger.info("campaign_late_lookup key=%s found=no reason=not-connected", key)
            return None
        campaign = await find_late_campaign(starleads, lookup, owned, self._late_lookup_delays)
        await self._creations.end_lookup(key, lookup.to_json(), workspace=workspace)
        if campaign is None:
            logger.info("campaign_late_lookup key=%s found=no", key)
            return None
        outcome = Created(campaign=campaign, agent_name=None)
        # Still unknown, or tried again and that try failed for sure: this campaign is the form's. A try
        # again still running (or that created one of its own) reports for itself.
        settled = (CreationState.UNKNOWN, CreationState.FAILED)
        if not await self._record_created(submission, outcome, only_if=settled):
            return None
        logger.info("campaign_late_lookup key=%s found=yes campaign=%s", key, campaign.id)
        CAMPAIGN_CREATES.labels("created-late").inc()
        record = await self._creations.get(key, workspace=workspace)
        await self._audit.record(
            user_id=record.user_id if record else "",
            channel_id=submission.channel_id,
            creation_key=key,
            outcome="created-late",
            fingerprint=submission.draft.fingerprint(),
            campaign_id=campaign.id,
            detail="found in Get all campaigns after an unknown outcome",
            workspace=workspace,
        )
        return outcome

    async def unfinished_lookups(self, *, workspace: str | None = SINGLE) -> list[UnfinishedLookup]:
        """The late lookups that a stop (a deploy, a crash) cut short in the last hour, in `workspace`
        (None: in every workspace), each in its own."""
        found = []
        left = await self._creations.unfinished_lookups(_RESUME_LOOKUPS_WITHIN, workspace=workspace)
        for record in left:
            try:
                submission = Submission.of(
                    record.key,
                    DraftInput.model_validate(record.draft_input),
                    user_id=record.user_id,
                    channel_id=record.channel_id,
                    workspace=record.workspace,
                )
                lookup = LateLookup.from_json(record.late_lookup or "")
            except (ValueError, DraftInvalid) as error:  # older rules, or damaged: not worth a crash
                logger.warning(
                    "campaign_late_lookup key=%s resumed=no error=%s", record.key, type(error).__name__
                )
                continue
            found.append(UnfinishedLookup(submission, lookup, stored_language(record.language)))
        return found

    async def _record_created(
        self,
        submission: Submission,
        outcome: Created,
        *,
        only_if: tuple[CreationState, ...] = (CreationState.CREATING,),
    ) -> bool:
        draft = submission.draft
        recorded = await self._creations.finish(
            submission.key,
            CreationState.CREATED,
            campaign=_without_results_token(outcome.campaign),
            agent_name=outcome.agent_name,
            only_if=only_if,
            workspace=submission.workspace,
        )
        if recorded:
            await self._preferences.remember(
                submission.channel_id,
                ChannelPreferences(
                    agent_id=draft.agent_id,
                    phone_number=draft.phone_number,
                    timezone=draft.timezone,
                    max_retries=draft.max_retries,
                ),
                workspace=submission.workspace,
            )
        return recorded


async def create_in_starleads(
    starleads: StarleadsClient,
    request: CampaignRequest,
    on_wait: Waiting | None = None,
    policy: RetryPolicy = DEFAULT_RETRY_POLICY,
    *,
    key_help: KeyHelp = OPERATOR_KEY,
) -> Outcome:
    """`POST /Campaign` (the agent's name looked up alongside, for the card), retried only when safe.

    Safe means a second attempt cannot create a second campaign: the request never reached Starleads
    (connection refused, DNS), or Starleads refused it with 429/503 and said when to come back
    (`Retry-After`, within a bounded total). `on_wait` tells the user about each wait.
    """
    agent_lookup = asyncio.ensure_future(starleads.get_agent(request.agent_id))
    # What exists before this attempt, in case its outcome ends up unknown: a campaign found later
    # counts as ours only if it was not already there. (Listed alongside, never delaying the create;
    # if the listing happens to include our new campaign, the lookup fails safe: it finds nothing.)
    before = asyncio.ensure_future(starleads.list_campaigns())
    waited = 0.0
    for attempt in itertools.count(1):
        try:
            campaign = await starleads.create_campaign(request)
        except StarleadsUnavailable as error:
            delay = policy.delay_before_retry(error, attempt, waited)
            if delay is None:
                agent_lookup.cancel()
                if not error.may_have_created:
                    before.cancel()
                    return _unavailable(error, attempt, None)
                existing = await _ids_of(before)
                lookup = None if existing is None else LateLookup.of(request, existing)
                return _unavailable(error, attempt, lookup)
            if on_wait:
                await on_wait(delay, _waiting_reason(error, delay))
            await asyncio.sleep(delay)
            waited += delay
        except StarleadsError as error:
            agent_lookup.cancel()
            before.cancel()
            return _refused(error, key_help)
        else:
            before.cancel()
            agent = (await asyncio.gather(agent_lookup, return_exceptions=True))[0]
            return Created(
                campaign=campaign, agent_name=agent.agent_name if isinstance(agent, Agent) else None
            )
    raise AssertionError("unreachable")  # pragma: no cover - the loop only ends by returning


async def find_late_campaign(
    starleads: StarleadsClient,
    lookup: LateLookup,
    owned: Callable[[], Awaitable[set[str]]],
    delays: tuple[float, ...],
) -> Campaign | None:
    """After a create whose answer never came: look for the campaign in "Get all campaigns".

    A campaign counts when `lookup` recognises it and it is not in `owned()`, the campaigns other
    creates of ours own (asked again each round, as an identical campaign may be created meanwhile).
    Stops early when the listing is not available.
    """
    for delay in delays:
        await asyncio.sleep(delay)
        try:
            campaigns = await starleads.list_campaigns()
        except (StarleadsRejected, StarleadsAuthError):
            return None
        except StarleadsError:
            continue
        taken = await owned()
        for campaign in campaigns:
            if lookup.matches(campaign) and campaign.id not in taken:
                return campaign
    return None


def _describe(outcome: Outcome) -> tuple[str, str]:
    """(kind, cause in English) for the log line and the audit trail (a created campaign's ID has
    fields of its own in both)."""
    if isinstance(outcome, Created):
        return "created", ""
    if isinstance(outcome, Rejected):
        return "rejected", outcome.cause
    return ("unknown" if outcome.outcome_unknown else "unavailable"), outcome.cause


def _refused(error: StarleadsError, key_help: KeyHelp) -> Outcome:
    if isinstance(error, StarleadsAuthError):
        general = _(key_help.refused if error.status == 401 else key_help.forbidden)
        return Rejected(general=general, cause=str(error))
    if isinstance(error, StarleadsRejected):
        return locate_problem(error)
    return Unavailable(
        _("Something went wrong talking to Starleads ({error}).").format(error=error.said()),
        outcome_unknown=True,
        cause=str(error),
    )


def _unavailable(error: StarleadsUnavailable, attempts: int, lookup: LateLookup | None) -> Unavailable:
    if isinstance(error, StarleadsTimeout):
        message = _("Starleads did not answer in time, so the campaign may or may not have been created.")
    elif attempts > 1:
        message = ngettext(
            "{problem} (tried {count} time)",
            "{problem} (tried {count} times)",
            attempts,
            problem=_unavailable_message(error),
        )
    else:
        message = _unavailable_message(error)
    cause = f"{error} (tried {attempts} times)" if attempts > 1 else str(error)
    return Unavailable(message, outcome_unknown=error.may_have_created, lookup=lookup, cause=cause)


async def _ids_of(listing: asyncio.Future[list[Campaign]]) -> frozenset[str] | None:
    try:
        return frozenset(campaign.id for campaign in await listing)
    except StarleadsError:
        return None


def _waiting_reason(error: StarleadsUnavailable, delay: float) -> str:
    if error.status:
        return _("Starleads is busy (HTTP {status}). Trying again in {seconds} s, as it asked…").format(
            status=error.status, seconds=f"{delay:.0f}"
        )
    return _("{problem}. Trying again in {seconds} s…").format(problem=error.said(), seconds=f"{delay:.0f}")


def locate_problem(error: StarleadsRejected) -> Rejected:
    """Put each of Starleads' complaints next to the field it is about, or above the form."""
    status, problem, cause = error.status, error.problem, str(error)
    problems: dict[DraftField, str] = {}
    for key, messages in problem.errors.items():
        target = _API_FIELDS.get(re.sub(r"^(\$\.|request\.)", "", key).split("[")[0].split(".")[0].lower())
        text = " ".join(messages) or problem.summary()
        if target:
            problems.setdefault(target, _("Starleads: {problem}").format(problem=text))
    detail = problem.detail or (None if problems else problem.summary())
    if detail:
        target = _field_named_in(detail) or (DraftField.AGENT_ID if status == 404 else None)
        if target and target not in problems:
            problems[target] = _("Starleads: {problem}").format(problem=detail)
        elif not target:
            general = _("Starleads refused the campaign: {problem}").format(problem=detail)
            return Rejected(problems=problems, general=general, cause=cause)
    if not problems:
        general = _("Starleads refused the campaign ({status}): {problem}").format(
            status=status, problem=problem.summary()
        )
        return Rejected(general=general, cause=cause)
    general = _("Starleads refused the campaign: see the notes under the fields.")
    return Rejected(problems=problems, general=general, cause=cause)


def _field_named_in(detail: str) -> DraftField | None:
    lowered = detail.lower()
    return next((target for word, target in _DETAIL_WORDS if word in lowered), None)


def _unavailable_message(error: StarleadsUnavailable) -> str:
    if error.status == 429:
        return _("Starleads is receiving too many requests right now.")
    if error.status == 503:
        return _("Starleads is unavailable right now (HTTP 503).")
    if error.status and error.status >= 500:
        return _("Starleads had a problem on its side (HTTP {status}).").format(status=error.status)
    if error.status and 200 <= error.status < 300:
        return _("Starleads answered without the new campaign's ID, so I can't tell whether it was created.")
    return f"{error.said()}."


def _without_results_token(campaign: Campaign) -> dict[str, Any]:
    """The campaign as Starleads returned it, to keep, minus the results token in its webhook URL."""
    kept = campaign.model_dump(by_alias=True)
    if isinstance(kept.get("webhookUrl"), str):
        kept["webhookUrl"] = without_token(kept["webhookUrl"])
    return kept
