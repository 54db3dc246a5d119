"""Which Starleads client serves a workspace: each workspace's campaigns go to its own account."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from bot.starleads import StarleadsClient


@runtime_checkable
class StarleadsDirectory(Protocol):
    def client_for(self, workspace: str) -> StarleadsClient:
        """The client holding `workspace`'s Starleads key."""


class FixedStarleads:
    """A single-workspace bot: the one client configured by `STARLEADS_API_KEY` serves every call."""

    def __init__(self, client: StarleadsClient) -> None:
        self._client = client

    def client_for(self, workspace: str) -> StarleadsClient:
        return self._client
