"""Reading what the bot shows in Slack: the text of a view or message, and the outcome of a form."""

from __future__ import annotations

from typing import Any

from tests.standins.slack_api import FakeSlack

# How the bot's help starts, in each language it speaks.
ENGLISH_HELP = "*Starleads for Slack* creates AI calling campaigns without leaving the channel."
FRENCH_HELP = "*Starleads pour Slack* crée des campagnes d’appels IA sans quitter le canal."


def texts(view_or_message: dict[str, Any]) -> str:
    """Everything a person can read in a view or message, as one string."""
    parts: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") in ("plain_text", "mrkdwn") and "text" in node:
                parts.append(node["text"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(view_or_message.get("blocks", view_or_message))
    return "\n".join(parts)


INTERIM = ("Posting its card", ":hourglass_flowing_sand:")


def final_view(fake_slack: FakeSlack, view_id: str, after: int = 0) -> dict[str, Any]:
    """The first view the bot shows for `view_id` (after `after` updates) that is not a passing state."""
    count = after + 1
    while True:
        view = fake_slack.wait_view_update(view_id, count=count, timeout=20)["view"]
        if not any(marker in texts(view) for marker in INTERIM):
            return view
        count += 1
