"""What the campaign flow and subscriptions reach for today; built by bot.wiring only."""

from __future__ import annotations

from dataclasses import dataclass

from bot.campaigns.creation import CampaignCreator
from bot.config import Settings
from bot.store import CreationStore, PreferenceStore
from bot.store.call_results import SubscriptionStore


@dataclass(frozen=True)
class Services:
    settings: Settings
    creations: CreationStore
    preferences: PreferenceStore
    creator: CampaignCreator
    subscriptions: SubscriptionStore
    slack_api_host: str  # the Web API's host:port; response URLs there are trusted too (tests' stand-in)
