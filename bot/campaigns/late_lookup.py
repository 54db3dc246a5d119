"""Recognising a campaign whose create never got an answer: what was sent, and what existed before.

It is kept with the attempt in the database, so a restart (a deploy, a crash) resumes the search
instead of forgetting it. The webhook URL may carry the bot's results token, which is stored hashed
everywhere else, so only its SHA-256 is kept here.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from bot.starleads import Campaign, CampaignRequest

_NOT_COMPARED = ("schedule",)  # Starleads may list it in another shape than it was sent


@dataclass(frozen=True)
class LateLookup:
    existing_ids: frozenset[str]
    """Campaigns that existed before the attempt: never taken for its campaign."""
    fields: dict[str, Any]
    """What was sent (API names), without the schedule and the webhook URL."""
    webhook_sha256: str | None
    """The SHA-256 of the webhook URL sent, if one was."""

    @classmethod
    def of(cls, sent: CampaignRequest, existing_ids: frozenset[str]) -> LateLookup:
        fields = {k: v for k, v in sent.to_json().items() if k not in _NOT_COMPARED}
        webhook = fields.pop("webhookUrl", None)
        return cls(existing_ids, fields, _sha256(webhook) if webhook else None)

    def matches(self, campaign: Campaign) -> bool:
        """Whether a listed campaign is the one sent: every field it lists is as sent (a field it
        leaves out can't tell them apart), and it is not one that already existed."""
        if campaign.id in self.existing_ids:
            return False
        listed = campaign.model_dump(by_alias=True, exclude_none=True)
        if any(listed.get(name, value) != value for name, value in self.fields.items()):
            return False
        webhook = listed.get("webhookUrl")
        return webhook is None or self.webhook_sha256 is None or _sha256(webhook) == self.webhook_sha256

    def to_json(self) -> str:
        return json.dumps(
            {
                "existing_ids": sorted(self.existing_ids),
                "fields": self.fields,
                "webhook_sha256": self.webhook_sha256,
            }
        )

    @classmethod
    def from_json(cls, text: str) -> LateLookup:
        """Raises ValueError when `text` is not what `to_json` writes."""
        try:
            data = json.loads(text)
            existing, fields, webhook = data["existing_ids"], data["fields"], data["webhook_sha256"]
        except (TypeError, KeyError) as error:
            raise ValueError("not a late lookup") from error
        if not (isinstance(existing, list) and isinstance(fields, dict)):
            raise ValueError("not a late lookup")
        if webhook is not None and not isinstance(webhook, str):
            raise ValueError("not a late lookup")
        return cls(frozenset(map(str, existing)), fields, webhook)


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()
