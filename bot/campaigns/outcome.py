"""What a create came to: created, rejected (the user can fix the input, nothing was created) or
unavailable (Starleads failed; maybe try again).

A failure's words are for its user, in their language; its `cause` says the same in English, for the
operator's log line and the audit trail, which read alike whoever was served.

Apart from `bot.campaigns.creation`, which makes the call: the create flow, the publication and the
Slack side speak of outcomes, and start-up loads them without the create path itself (`bot.later`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bot.campaigns.draft import DraftField

if TYPE_CHECKING:
    from bot.campaigns.late_lookup import LateLookup
    from bot.starleads import Campaign


@dataclass(frozen=True)
class Created:
    campaign: Campaign
    agent_name: str | None


@dataclass(frozen=True)
class Rejected:
    """Starleads refused the draft; `problems` sit next to fields, `general` above the form."""

    problems: dict[DraftField, str] = field(default_factory=dict)
    general: str | None = None
    cause: str = field(kw_only=True)


@dataclass(frozen=True)
class Unavailable:
    message: str
    outcome_unknown: bool
    lookup: LateLookup | None = None
    """With an unknown outcome: how to recognise the campaign if it shows up later (None when the
    campaigns that existed before the attempt are not known)."""
    cause: str = field(kw_only=True)


Outcome = Created | Rejected | Unavailable
