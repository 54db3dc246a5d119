"""Everything the handlers need, built once from the settings (the app's composition root)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

from sqlalchemy import Engine

from bot.call_results.forward_notes import ForwardNoteQueue
from bot.call_results.result_queue import ResultQueue
from bot.call_results.subscriptions import Subscriptions
from bot.campaigns.creation import CampaignCreator
from bot.config import Settings
from bot.starleads import StarleadsClient
from bot.store import (
    AuditStore,
    CreationStore,
    ForwardNoteStore,
    ForwardStore,
    PreferenceStore,
    ResultStore,
    SubscriptionStore,
    connect,
)


@dataclass
class Services:
    settings: Settings
    engine: Engine
    starleads: StarleadsClient
    creations: CreationStore
    preferences: PreferenceStore
    audit: AuditStore
    creator: CampaignCreator
    subscriptions: Subscriptions
    results: ResultQueue
    forwards: ForwardStore
    forward_notes: ForwardNoteQueue

    @classmethod
    def build(cls, settings: Settings) -> Services:
        engine = connect(settings.database_url)
        starleads = StarleadsClient(
            str(settings.starleads_api_url),
            settings.starleads_api_key.get_secret_value(),
            timeout_seconds=settings.starleads_timeout_seconds,
        )
        # A create still "creating" well after Starleads' timeout belongs to a process that died.
        stale_after = timedelta(seconds=2 * settings.starleads_timeout_seconds + 60)
        creations = CreationStore(engine, stale_after=stale_after)
        preferences, audit = PreferenceStore(engine), AuditStore(engine)
        subscriptions = Subscriptions(SubscriptionStore(engine))
        return cls(
            settings=settings,
            engine=engine,
            starleads=starleads,
            creations=creations,
            preferences=preferences,
            audit=audit,
            creator=CampaignCreator(
                starleads,
                creations,
                preferences,
                audit,
                subscriptions,
                public_url=str(settings.public_url) if settings.public_url else None,
                late_lookup_delays=settings.starleads_late_lookup_seconds,
            ),
            subscriptions=subscriptions,
            results=ResultQueue(ResultStore(engine)),
            forwards=ForwardStore(engine),
            forward_notes=ForwardNoteQueue(ForwardNoteStore(engine)),
        )

    @property
    def slack_api_host(self) -> str:
        """The Web API's host:port; response URLs there are trusted too (a local stand-in in tests)."""
        return urlsplit(str(self.settings.slack_api_url)).netloc

    async def aclose(self) -> None:
        await self.starleads.aclose()
        self.engine.dispose()
