"""One submitted form, as every step of creating its campaign needs it."""

from __future__ import annotations

from dataclasses import dataclass

from bot.campaigns.draft import CampaignDraft, DraftInput
from bot.workspaces import SINGLE


@dataclass(frozen=True)
class Submission:
    """What was typed, the draft it makes, who sent it from where, and the key that makes its create
    happen once (Slack's view ID: double clicks and re-sends share it), in the workspace whose rows and
    Starleads account it uses."""

    key: str
    typed: DraftInput
    draft: CampaignDraft
    user_id: str
    channel_id: str
    workspace: str = SINGLE

    @classmethod
    def of(
        cls, key: str, typed: DraftInput, *, user_id: str, channel_id: str, workspace: str = SINGLE
    ) -> Submission:
        """Raises DraftInvalid when `typed` is not a valid draft."""
        return cls(key, typed, CampaignDraft.from_input(typed), user_id, channel_id, workspace)
