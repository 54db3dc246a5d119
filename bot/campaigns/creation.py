"""Creating a campaign exactly once, and saying what happened in terms the form can show.

The store decides who may call Starleads for a given key (one caller at a time, never again once it
worked); this module makes the call and sorts the answer into three outcomes: created, rejected (the
user can fix the input, nothing was created) and unavailable (Starleads failed; maybe try again).
"""

from __future__ import annotations

import asyncio
import logging
import re
from dataclasses import dataclass, field

from bot.campaigns.draft import CampaignDraft, DraftField, DraftInput
from bot.starleads import (
    Agent,
    Campaign,
    Problem,
    StarleadsAuthError,
    StarleadsClient,
    StarleadsError,
    StarleadsRejected,
    StarleadsTimeout,
    StarleadsUnavailable,
)
from bot.store import ChannelPreferences, Claim, CreationState, CreationStore, PreferenceStore

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Created:
    campaign: Campaign
    agent_name: str | None


@dataclass(frozen=True)
class Rejected:
    """Starleads refused the draft; `problems` sit next to fields, `general` above the form."""

    problems: dict[DraftField, str] = field(default_factory=dict)
    general: str | None = None


@dataclass(frozen=True)
class Unavailable:
    message: str
    outcome_unknown: bool


Outcome = Created | Rejected | Unavailable

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
_AUTH_MESSAGE = (
    "Starleads refused this bot's API key. Ask whoever set up the bot to check STARLEADS_API_KEY "
    "(Starleads → your profile → API key). Your form is kept: submit again once it is fixed."
)


class CampaignCreator:
    def __init__(
        self, starleads: StarleadsClient, creations: CreationStore, preferences: PreferenceStore
    ) -> None:
        self._starleads = starleads
        self._creations = creations
        self._preferences = preferences

    async def claim(
        self, key: str, typed: DraftInput, draft: CampaignDraft, *, user_id: str, channel_id: str
    ) -> Claim:
        """Reserve `key` for one create; a second claim while it runs, or after it worked, is refused."""
        return await self._creations.claim(
            key,
            fingerprint=draft.fingerprint(),
            draft_input=typed.model_dump(mode="json"),
            user_id=user_id,
            channel_id=channel_id,
        )

    async def create(self, key: str, draft: CampaignDraft, *, channel_id: str) -> Outcome:
        """Call Starleads for a claimed key and record the outcome; never raises for Starleads' failures."""
        outcome = await create_in_starleads(self._starleads, draft)
        if isinstance(outcome, Created):
            await self._creations.finish(
                key,
                CreationState.CREATED,
                campaign=outcome.campaign.model_dump(by_alias=True),
                agent_name=outcome.agent_name,
            )
            await self._preferences.remember(
                channel_id,
                ChannelPreferences(
                    agent_id=draft.agent_id,
                    phone_number=draft.phone_number,
                    timezone=draft.timezone,
                    max_retries=draft.max_retries,
                ),
            )
        else:
            unknown = isinstance(outcome, Unavailable) and outcome.outcome_unknown
            await self._creations.finish(key, CreationState.UNKNOWN if unknown else CreationState.FAILED)
        logger.info("campaign_create key=%s outcome=%s", key, type(outcome).__name__.lower())
        return outcome


async def create_in_starleads(starleads: StarleadsClient, draft: CampaignDraft) -> Outcome:
    """`POST /Campaign`, with the agent's name looked up at the same time for the card."""
    created, agent = await asyncio.gather(
        starleads.create_campaign(draft.to_request()),
        starleads.get_agent(draft.agent_id),
        return_exceptions=True,
    )
    if isinstance(created, Campaign):
        return Created(campaign=created, agent_name=agent.agent_name if isinstance(agent, Agent) else None)
    if isinstance(created, StarleadsAuthError):
        return Rejected(general=_AUTH_MESSAGE)
    if isinstance(created, StarleadsRejected):
        return locate_problem(created.status, created.problem)
    if isinstance(created, StarleadsTimeout):
        return Unavailable(
            "Starleads did not answer in time, so the campaign may or may not have been created.",
            outcome_unknown=True,
        )
    if isinstance(created, StarleadsUnavailable):
        return Unavailable(_unavailable_message(created), outcome_unknown=created.may_have_created)
    if isinstance(created, StarleadsError):
        return Unavailable(f"Something went wrong talking to Starleads ({created}).", outcome_unknown=True)
    raise created  # a bug of ours, not Starleads': let it surface in the logs


def locate_problem(status: int, problem: Problem) -> Rejected:
    """Put each of Starleads' complaints next to the field it is about, or above the form."""
    problems: dict[DraftField, str] = {}
    for key, messages in problem.errors.items():
        target = _API_FIELDS.get(re.sub(r"^(\$\.|request\.)", "", key).split("[")[0].split(".")[0].lower())
        text = " ".join(messages) or problem.summary()
        if target:
            problems.setdefault(target, f"Starleads: {text}")
    detail = problem.detail or (None if problems else problem.summary())
    if detail:
        target = _field_named_in(detail) or (DraftField.AGENT_ID if status == 404 else None)
        if target and target not in problems:
            problems[target] = f"Starleads: {detail}"
        elif not target:
            return Rejected(problems=problems, general=f"Starleads refused the campaign: {detail}")
    if not problems:
        return Rejected(general=f"Starleads refused the campaign ({status}): {problem.summary()}")
    return Rejected(
        problems=problems, general="Starleads refused the campaign: see the notes under the fields."
    )


def _field_named_in(detail: str) -> DraftField | None:
    lowered = detail.lower()
    return next((target for word, target in _DETAIL_WORDS if word in lowered), None)


def _unavailable_message(error: StarleadsUnavailable) -> str:
    if error.status == 429:
        return "Starleads is receiving too many requests right now."
    if error.status and error.status >= 500:
        return f"Starleads had a problem on its side (HTTP {error.status})."
    if error.status and 200 <= error.status < 300:
        return "Starleads answered without the new campaign's ID, so I can't tell whether it was created."
    return f"{error}."
