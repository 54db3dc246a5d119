"""A cold start imports only what the first answer to Slack needs (issue 12): a sleeping dyno wakes on
a user's command, which waits for the whole start-up. The rest loads in the background once the server
is up. Read from the real process: Python's own import log (`PYTHONPROFILEIMPORTTIME`) on its stderr,
next to the bot's "ready" line."""

from __future__ import annotations

from pathlib import Path

from bot.store import connect
from tests.conftest import serving
from tests.standins.slack_api import FakeSlack
from tests.standins.starleads_api import FakeStarleads

# What the form and `/healthz` don't need: libraries of tens of milliseconds each, the forwarder, and
# the create path (a submission's: the creator and its late lookups).
LOADED_LATER = (
    "httpx",
    "httpcore",
    "phonenumbers",
    "bot.webhooks.forwarder",
    "dateparser",
    "bot.campaigns.creation",
    "bot.campaigns.late_lookup",
)
# Not in this bot at all: one workspace, HTTP mode, readable logs, on an up-to-date SQLite database.
NOT_FOR_THIS_BOT = (
    "cryptography",
    "structlog",
    "sqlalchemy.dialects.postgresql",
    "slack_sdk.socket_mode",
    "alembic",
)


def test_start_up_leaves_what_the_first_answer_does_not_need_for_after_it(
    fake_slack: FakeSlack, fake_starleads: FakeStarleads, tmp_path: Path
) -> None:
    connect(f"sqlite:///{tmp_path / 'bot.db'}").dispose()  # up to date, as a restarted dyno's database is

    for running in serving(fake_slack, fake_starleads, tmp_path, PYTHONPROFILEIMPORTTIME="1"):
        log = running.wait_for_log("schedule_language_warm")
        before_ready, _, after_ready = log.partition("ready mode=http")

        at_start, later = _imported(before_ready), _imported(after_ready)
        assert [name for name in LOADED_LATER + NOT_FOR_THIS_BOT if name in at_start] == []
        assert [name for name in LOADED_LATER if name not in later] == []
        assert [name for name in NOT_FOR_THIS_BOT if name in later] == []


def _imported(log: str) -> set[str]:
    """The modules in an import log (`import time: self | cumulative | name`), with their packages."""
    names = {line.rsplit("|", 1)[1].strip() for line in log.splitlines() if line.startswith("import time:")}
    return {".".join(name.split(".")[:depth]) for name in names for depth in range(1, name.count(".") + 2)}
