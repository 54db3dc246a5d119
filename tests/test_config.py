"""Start-up with bad settings: one line naming the variable, exit code 2, no traceback, no secret."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import load_settings

VALID = {
    "SLACK_BOT_TOKEN": "xoxb-1111-2222-valid-token-value",
    "SLACK_SIGNING_SECRET": "signing-secret-value-123",
    "STARLEADS_API_KEY": "starleads-key-value-456",
    "PORT": "65000",
}

FERNET_KEY = "Mx4hLKvbtYfYDk4Z3nB4yF8o5m0m2xqsvC6T3zVYvUw="
# Distribution mode's settings, in place of the single workspace's.
DISTRIBUTION: dict[str, str | None] = {
    "SLACK_BOT_TOKEN": None,
    "STARLEADS_API_KEY": None,
    "SLACK_CLIENT_ID": "1234567890.1234567890",
    "SLACK_CLIENT_SECRET": "client-secret-value-789",
    "STARLEADS_KEY_ENCRYPTION_KEYS": FERNET_KEY,
}


def start(tmp_path: Path, **changes: str | None) -> subprocess.CompletedProcess[str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SLACK_", "STARLEADS_", "DATABASE_URL", "PORT"))
    }
    for name, value in {**VALID, **changes}.items():
        if value is not None:
            env[name] = value
    return subprocess.run(
        [sys.executable, "-m", "bot", "serve"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )


CASES = [
    pytest.param({"SLACK_BOT_TOKEN": None}, "SLACK_BOT_TOKEN is missing", id="bot-token-missing"),
    pytest.param(
        {"SLACK_BOT_TOKEN": "xoxp-user-token-secret"},
        "SLACK_BOT_TOKEN must be a bot token starting with xoxb-",
        id="bot-token-wrong-kind",
    ),
    pytest.param({"STARLEADS_API_KEY": None}, "STARLEADS_API_KEY is missing", id="api-key-missing"),
    pytest.param(
        {"SLACK_SIGNING_SECRET": None}, "SLACK_SIGNING_SECRET is missing", id="signing-secret-missing"
    ),
    pytest.param(
        {"SLACK_APP_TOKEN": "xoxb-not-an-app-token"},
        "SLACK_APP_TOKEN must be an app-level token",
        id="app-token-wrong-kind",
    ),
    pytest.param({"PORT": "eighty"}, "PORT must be a whole number", id="port-not-a-number"),
    pytest.param({"PORT": "70000"}, "PORT must be at most 65535", id="port-too-high"),
    pytest.param(
        {"STARLEADS_API_URL": "api.starleads.co"}, "STARLEADS_API_URL must be a URL", id="api-url-no-scheme"
    ),
    pytest.param(
        {"SLACK_API_URL": "ftp://slack.example"},
        "SLACK_API_URL must be an http:// or https:// URL",
        id="slack-url-ftp",
    ),
    pytest.param(
        {"STARLEADS_TIMEOUT_SECONDS": "0"}, "STARLEADS_TIMEOUT_SECONDS must be more than 0", id="timeout-zero"
    ),
    pytest.param(
        {"RESULT_CLAIM_LEASE_SECONDS": "0.5"},
        "RESULT_CLAIM_LEASE_SECONDS must be at least 1",
        id="claim-lease-too-short",
    ),
    pytest.param(
        {"SLACK_CLIENT_ID": "1234.5678", "SLACK_CLIENT_SECRET": "client-secret-789"},
        "SLACK_BOT_TOKEN and STARLEADS_API_KEY (one workspace) and SLACK_CLIENT_ID and SLACK_CLIENT_SECRET "
        "(distribution to many workspaces) are both set: keep one mode's settings",
        id="both-modes",
    ),
    pytest.param(
        {**DISTRIBUTION, "STARLEADS_KEY_ENCRYPTION_KEYS": None},
        "STARLEADS_KEY_ENCRYPTION_KEYS is missing",
        id="distribution-without-encryption-keys",
    ),
    pytest.param(
        {**DISTRIBUTION, "SLACK_CLIENT_SECRET": None},
        "SLACK_CLIENT_SECRET is missing",
        id="distribution-without-client-secret",
    ),
    pytest.param(
        {**DISTRIBUTION, "SLACK_CLIENT_ID": "my-app"},
        "SLACK_CLIENT_ID must be the app's Client ID",
        id="distribution-client-id-shape",
    ),
    pytest.param(
        {**DISTRIBUTION, "STARLEADS_KEY_ENCRYPTION_KEYS": f"{FERNET_KEY},secret-not-a-fernet-key"},
        "STARLEADS_KEY_ENCRYPTION_KEYS key 2 is not a Fernet key",
        id="distribution-encryption-key-shape",
    ),
    pytest.param(
        {**DISTRIBUTION, "SLACK_SIGNING_SECRET": None},
        "SLACK_SIGNING_SECRET is missing",
        id="distribution-without-signing-secret",
    ),
    pytest.param(
        {**DISTRIBUTION, "SLACK_APP_TOKEN": "xapp-1-app-token-secret"},
        "SLACK_APP_TOKEN (Socket Mode) can't be used with SLACK_CLIENT_ID",
        id="distribution-in-socket-mode",
    ),
    pytest.param(
        {**DISTRIBUTION, "ALLOWED_USERS": "U0ALICE,S0SALES"},
        "ALLOWED_USERS can list user IDs only, not user groups",
        id="distribution-with-user-groups",
    ),
    pytest.param(
        {"DEFAULT_LANGUAGE": "de"},
        "DEFAULT_LANGUAGE must be one of en, fr (English or French)",
        id="default-language-unknown",
    ),
    pytest.param(
        {"DATABASE_URL": "not a url"}, "DATABASE_URL must be an SQLAlchemy URL", id="database-url-shape"
    ),
    pytest.param(
        {"DATABASE_URL": "postgresql://nobody@127.0.0.1:1/nothing"},
        "DATABASE_URL cannot be opened",
        id="database-unreachable",
    ),
    pytest.param(
        {"DATABASE_URL": "postgresql://nobody@127.0.0.1:1/nothing", "WEB_CONCURRENCY": "2"},
        "DATABASE_URL cannot be opened",
        id="workers-database-unreachable",
    ),
    pytest.param(
        {"WEB_CONCURRENCY": "2"},
        "WEB_CONCURRENCY above 1 needs PostgreSQL: set DATABASE_URL to a postgresql:// URL",
        id="workers-on-sqlite",
    ),
    pytest.param(
        {
            "WEB_CONCURRENCY": "3",
            "SLACK_APP_TOKEN": "xapp-1-app-token-secret",
            "DATABASE_URL": "postgresql://nobody@127.0.0.1:1/nothing",
        },
        "WEB_CONCURRENCY above 1 needs HTTP mode: in Socket Mode Slack's requests come over a WebSocket",
        id="workers-in-socket-mode",
    ),
    pytest.param({"WEB_CONCURRENCY": "0"}, "WEB_CONCURRENCY must be at least 1", id="workers-zero"),
    pytest.param(
        {"WEB_CONCURRENCY": "two"}, "WEB_CONCURRENCY must be a whole number", id="workers-not-a-number"
    ),
]


@pytest.mark.parametrize(("changes", "message"), CASES)
def test_a_bad_setting_stops_start_up_with_one_plain_line(
    tmp_path: Path, changes: dict[str, str | None], message: str
) -> None:
    result = start(tmp_path, **changes)

    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("starleads-bot: configuration error: ")
    assert message in lines[0]
    assert "Traceback" not in result.stderr
    distribution = [v for v in DISTRIBUTION.values() if v]
    for secret in [*VALID.values(), *distribution, *(v for v in changes.values() if v and "secret" in v)]:
        if secret != VALID["PORT"]:
            assert secret not in result.stderr + result.stdout


def test_settings_can_come_from_a_dotenv_file(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("SLACK_BOT_TOKEN=xoxb-from-dotenv-file\nPORT=eighty\n")

    result = start(tmp_path, SLACK_BOT_TOKEN=None, PORT=None)

    assert result.returncode == 2
    assert "PORT must be a whole number" in result.stderr
    assert "SLACK_BOT_TOKEN" not in result.stderr


@pytest.mark.parametrize(
    ("settings", "lease"),
    [
        ({}, 15.0),
        ({"RESULT_CLAIM_STALE_SECONDS": "300"}, 15.0),  # the old default: recovery in 15 s, not 5 min
        ({"RESULT_CLAIM_STALE_SECONDS": "4"}, 4.0),
        ({"RESULT_CLAIM_STALE_SECONDS": "0.2"}, 1.0),
        ({"RESULT_CLAIM_STALE_SECONDS": "300", "RESULT_CLAIM_LEASE_SECONDS": "60"}, 60.0),
    ],
    ids=["default", "old-name-capped", "old-name", "old-name-raised", "new-name-wins"],
)
def test_the_claim_lease_takes_its_old_setting_within_one_second_and_the_default(
    monkeypatch: pytest.MonkeyPatch, settings: dict[str, str], lease: float
) -> None:
    for name in ("RESULT_CLAIM_STALE_SECONDS", "RESULT_CLAIM_LEASE_SECONDS"):
        monkeypatch.delenv(name, raising=False)
    for name, value in {**VALID, **settings}.items():
        monkeypatch.setenv(name, value)

    assert load_settings(env_file=None).result_claim_lease_seconds == lease
