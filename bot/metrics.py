"""Prometheus metrics: what the bot counts and times as it works, and the text `GET /metrics` serves.

Counters and histograms are prometheus_client's, in its default registry; they move where the work
happens (acks, Web API calls, Starleads calls, creates, webhook intake). What the database holds (call
results and forwards by state, the poster's backlog, installed and connected workspaces) is counted at
scrape time by `DatabaseCounts`, so every process reports the same truth and nothing drifts.

With `PROMETHEUS_MULTIPROC_DIR` set, prometheus_client's multiprocess mode keeps each process's
counters in that directory and a scrape of any process adds them all up (`bot.metrics_directory`).
No metric here is a live gauge, so no gauge mode is needed.
Labels are bounded: kinds, Web API method names, route templates, outcomes, Slack's error codes, and
at most `BACKLOG_CHANNELS` channel IDs; never a workspace's name, a token or anything a user typed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

from bot import metrics_directory

if TYPE_CHECKING:
    from bot.store import StoredCounts

BACKLOG_CHANNELS = 20  # the channels with the most results waiting; the rest are summed as "other"

# From a few milliseconds (an ack, a local database) to Slack's 3-second window and Starleads' timeout.
_LATENCY_BUCKETS = (
    0.005,
    0.01,
    0.025,
    0.05,
    0.075,
    0.1,
    0.15,
    0.25,
    0.5,
    0.75,
    1.0,
    1.5,
    2.5,
    5.0,
    10.0,
    20.0,
)

ACK_SECONDS = Histogram(
    "starleads_bot_slack_ack_seconds",
    "Time from Slack's request reaching Bolt to the bot's answer, by kind (command, submission, action, …)",
    ["kind"],
    buckets=_LATENCY_BUCKETS,
)
SLACK_API_SECONDS = Histogram(
    "starleads_bot_slack_api_seconds",
    "Slack Web API calls by method (views.open among them), time to Slack's answer",
    ["method"],
    buckets=_LATENCY_BUCKETS,
)
SLACK_API_ERRORS = Counter(
    "starleads_bot_slack_api_errors",
    "Slack Web API calls that failed, by method and Slack's error code (ratelimited for a 429)",
    ["method", "error"],
)
SLACK_API_RATE_LIMITED = Counter(
    "starleads_bot_slack_api_rate_limited",
    "Slack Web API calls answered 429 (rate limited), by method",
    ["method"],
)
STARLEADS_CALL_SECONDS = Histogram(
    "starleads_bot_starleads_call_seconds",
    "Starleads API calls by endpoint (a route template) and outcome (HTTP status or failure kind)",
    ["endpoint", "outcome"],
    buckets=_LATENCY_BUCKETS,
)
CAMPAIGN_CREATES = Counter(
    "starleads_bot_campaign_creates",
    "Campaign creates by outcome (created, rejected, unavailable, unknown, denied, created-late)",
    ["outcome"],
)
WEBHOOKS = Counter(
    "starleads_bot_webhooks",
    "Starleads call-result deliveries by outcome (stored, duplicate, unknown_token, store_failed, …)",
    ["outcome"],
)
INTAKE_SECONDS = Histogram(
    "starleads_bot_webhook_intake_seconds",
    "Time from a call result's delivery reaching the bot to its commit in the database",
    buckets=_LATENCY_BUCKETS,
)


class DatabaseCounts(Collector):
    """Gauges read from the database at each scrape (in the scrape's worker thread, never on the
    event loop): every process sees the same rows, so they are correct however many processes run."""

    def __init__(self, read: Callable[[], StoredCounts]) -> None:
        self._read = read

    def collect(self) -> Iterator[Metric]:
        counts = self._read()
        yield _by_label("starleads_bot_call_results", "Call results by state", "state", counts.results)
        yield _by_label(
            "starleads_bot_forwards",
            "Call results to forward to a campaign's own webhook, by state",
            "state",
            counts.forwards,
        )
        yield _by_label(
            "starleads_bot_poster_backlog",
            f"Call results waiting to be posted (pending or posting), by channel ID; the "
            f"{BACKLOG_CHANNELS} channels with the most, the rest as channel=other",
            "channel",
            _capped(counts.backlog),
        )
        if counts.installed is not None:
            yield GaugeMetricFamily(
                "starleads_bot_workspaces_installed", "Workspaces with the app installed", counts.installed
            )
        if counts.connected is not None:
            yield GaugeMetricFamily(
                "starleads_bot_workspaces_connected",
                "Workspaces connected to a Starleads account",
                counts.connected,
            )


def exposition(database: CollectorRegistry) -> bytes:
    """The text of one scrape: this process's metrics (or every process's, in multiprocess mode),
    then the database's counts. Blocking: run it in a worker thread."""
    if metrics_directory.configured():
        processes = CollectorRegistry()
        MultiProcessCollector(processes)
        return generate_latest(processes) + generate_latest(database)
    return generate_latest(REGISTRY) + generate_latest(database)


def database_registry(read: Callable[[], StoredCounts]) -> CollectorRegistry:
    """A registry of its own for the database's counts: scraped beside the process metrics, and made
    once per app (the default registry refuses a second collector of the same names)."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(DatabaseCounts(read))
    return registry


def _by_label(name: str, documentation: str, label: str, values: dict[str, int]) -> GaugeMetricFamily:
    family = GaugeMetricFamily(name, documentation, labels=[label])
    for value, count in sorted(values.items()):
        family.add_metric([value], count)
    return family


def _capped(backlog: dict[str, int]) -> dict[str, int]:
    largest = sorted(backlog.items(), key=lambda item: (-item[1], item[0]))
    kept = dict(largest[:BACKLOG_CHANNELS])
    rest = sum(count for _, count in largest[BACKLOG_CHANNELS:])
    return kept | ({"other": rest} if rest else {})
