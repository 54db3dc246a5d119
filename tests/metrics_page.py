"""Reading a running bot's `GET /metrics` as Prometheus scrapes it."""

from __future__ import annotations

import httpx
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import RunningBot

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def page(bot: RunningBot) -> httpx.Response:
    """The page, asked for with the bot's own `METRICS_TOKEN` when it has one."""
    token = bot.env.get("METRICS_TOKEN")
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    answer = httpx.get(f"{bot.url}/metrics", headers=headers, timeout=10)
    assert answer.status_code == 200, answer.text
    return answer


def scrape(bot: RunningBot) -> Samples:
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(page(bot).text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    """A sample's value (0 when the labelled series has not appeared yet)."""
    return samples.get((name, frozenset(labels.items())), 0.0)


def moved(before: Samples, after: Samples, name: str, **labels: str) -> float:
    return value(after, name, **labels) - value(before, name, **labels)
