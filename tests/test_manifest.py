"""`manifest.yml` (and the README's Socket Mode variant) against Slack's own manifest schema.

Slack's schema is third-party: it stays in ../shared and is not committed here. Where it is absent (a
user's clone), the schema checks skip and say why; the checks of our own content always run.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

REPO = Path(__file__).resolve().parent.parent
SCHEMA = Path(
    os.environ.get(
        "SLACK_MANIFEST_SCHEMA", REPO.parent / "shared/slack/manifest-schema/manifest.schema.1.0.0.json"
    )
)


def manifest() -> dict[str, Any]:
    return yaml.safe_load((REPO / "manifest.yml").read_text())


def socket_mode_manifest() -> dict[str, Any]:
    """The YAML block the README gives for Socket Mode."""
    readme = (REPO / "README.md").read_text()
    block = re.search(r"```yaml\n(# Socket Mode manifest.*?)```", readme, re.DOTALL)
    assert block, (
        "the README must show the Socket Mode manifest in a ```yaml block starting '# Socket Mode manifest'"
    )
    return yaml.safe_load(block[1])


def validate(document: dict[str, Any]) -> None:
    if not SCHEMA.exists():
        pytest.skip(
            f"Slack's manifest schema is not at {SCHEMA} (it lives in ../shared, which a clone lacks)"
        )
    jsonschema.Draft7Validator(json.loads(SCHEMA.read_text())).validate(document)


def test_the_manifest_is_valid_for_slack() -> None:
    validate(manifest())


def test_the_socket_mode_manifest_in_the_readme_is_valid_for_slack() -> None:
    validate(socket_mode_manifest())


def test_the_manifest_declares_what_the_bot_uses_and_no_more() -> None:
    app = manifest()
    command = app["features"]["slash_commands"][0]

    assert command["command"] == "/starleads"
    assert "campaign" in command["usage_hint"]
    assert command["url"].endswith("/slack/events")
    assert app["settings"]["interactivity"] == {"is_enabled": True, "request_url": command["url"]}
    assert sorted(app["oauth_config"]["scopes"]["bot"]) == [
        "channels:history",  # reading a results thread back after a crash (conversations.replies)
        "chat:write",
        "chat:write.public",
        "commands",
        "groups:history",
        "usergroups:read",
        "users:read",  # who may connect a workspace's Starleads account (admins, owners: users.info)
    ]
    settings = app["settings"]
    assert settings["event_subscriptions"] == {
        "request_url": command["url"],
        "bot_events": ["app_uninstalled", "tokens_revoked"],  # a workspace that leaves is forgotten
    }
    assert app["oauth_config"]["redirect_urls"] == [
        command["url"].replace("/slack/events", "/slack/oauth_redirect")
    ]


def test_the_socket_mode_manifest_has_no_urls() -> None:
    app = socket_mode_manifest()

    assert app["settings"]["socket_mode_enabled"] is True
    assert "http" not in json.dumps(app)
    assert app["oauth_config"]["scopes"] == manifest()["oauth_config"]["scopes"]
