"""Talking to the Starleads REST API."""

from bot.starleads.client import StarleadsClient, starleads_pool
from bot.starleads.errors import (
    StarleadsAuthError,
    StarleadsError,
    StarleadsRejected,
    StarleadsTimeout,
    StarleadsUnavailable,
)
from bot.starleads.models import Agent, Campaign, CampaignRequest, Problem, ScheduleDay, TimeRange

__all__ = [
    "Agent",
    "Campaign",
    "CampaignRequest",
    "Problem",
    "ScheduleDay",
    "StarleadsAuthError",
    "StarleadsClient",
    "StarleadsError",
    "StarleadsRejected",
    "StarleadsTimeout",
    "StarleadsUnavailable",
    "TimeRange",
    "starleads_pool",
]
