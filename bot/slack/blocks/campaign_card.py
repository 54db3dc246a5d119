"""The result card posted in the channel once a campaign exists, and the modal's status views."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from bot.campaigns.draft import CampaignDraft
from bot.slack.blocks import kit

STATUS_TITLE = "Starleads campaign"
RETRY_ACTION = "campaign_retry"
EDIT_ACTION = "campaign_edit"
OPEN_STARLEADS_ACTION = "open_starleads"
INACTIVE_STATUS = "Inactive — switch it on in Starleads"


def campaign_card(
    draft: CampaignDraft,
    *,
    campaign_id: str,
    agent_name: str | None,
    created_by: str,
    starleads_app_url: str,
    note: str | None = None,
) -> tuple[str, list[kit.Block]]:
    """(fallback text, blocks) for the channel: everything the team needs to know about the campaign."""
    fields = [
        kit.md("*Campaign ID*\n{:code}", campaign_id),
        f"*Agent*\n{_agent(draft.agent_id, agent_name)}",
        kit.md("*Phone number*\n{}", draft.phone_number) if draft.phone_number else "*Phone number*\n—",
        f"*Retries*\nUp to {draft.max_retries}, {format_hours(draft.delay_hours)} apart",
        kit.md("*Timezone*\n{}", draft.timezone),
        kit.md("*Calling hours*\n{}", draft.schedule.render()),
        kit.md("*Webhook*\n{}", webhook_origin(draft.webhook_url)) if draft.webhook_url else "*Webhook*\n—",
        f"*Status*\n:double_vertical_bar: <{starleads_app_url}|{INACTIVE_STATUS}>",
    ]
    blocks = [
        kit.header(f"📞 New campaign: {draft.name}"),
        kit.fields_section(fields),
        kit.context(f"Created by <@{created_by}> with `/starleads campaign`"),
    ]
    if note:
        blocks.append(kit.context(kit.md(":information_source: {}", note)))
    text = kit.md(
        "New Starleads campaign “{name:.200}” ({id:.100}) created by <@{user}>: {status}.",
        name=draft.name,
        id=campaign_id,
        user=created_by,
        status=INACTIVE_STATUS,
    )
    return kit.fallback(text), blocks


def webhook_origin(url: str) -> str:
    """`https://hooks.example.com`: enough to recognise the webhook, without the credentials, path or
    query string a URL often carries as its secret."""
    parts = urlsplit(url)
    host = parts.hostname
    if not host:
        return "—"
    return f"{parts.scheme}://{f'[{host}]' if ':' in host else host}"  # an IPv6 address keeps its brackets


def status_view(
    private_metadata: str,
    message: str,
    *,
    detail: str | None = None,
    buttons: list[kit.Element] | None = None,
) -> dict[str, Any]:
    """A one-message modal: "Creating…", the outcome, or a failure with what the user can do next."""
    blocks: list[kit.Block] = [kit.section(message)]
    if detail:
        blocks.append(kit.context(detail))
    if buttons:
        blocks.append(kit.actions("campaign_status_actions", *buttons))
    return kit.modal(title=STATUS_TITLE, blocks=blocks, private_metadata=private_metadata)


def creating_view(draft: CampaignDraft, private_metadata: str, channel_id: str) -> dict[str, Any]:
    return status_view(
        private_metadata,
        kit.md(":hourglass_flowing_sand: Creating *{}* in Starleads…", draft.name),
        detail=f"You can close this window: the result will be posted in <#{channel_id}>.",
    )


def created_view(
    draft: CampaignDraft, campaign_id: str, private_metadata: str, *, where: str, starleads_app_url: str
) -> dict[str, Any]:
    return status_view(
        private_metadata,
        kit.md(
            ":white_check_mark: *{name}* is created in Starleads (ID {id:code}). It starts inactive: "
            "switch it on in Starleads when you're ready.",
            name=draft.name,
            id=campaign_id,
        ),
        detail=where,
        buttons=[kit.button("Open Starleads", OPEN_STARLEADS_ACTION, url=starleads_app_url)],
    )


def failed_view(private_metadata: str, message: str, *, detail: str) -> dict[str, Any]:
    return status_view(
        private_metadata,
        kit.md(":x: {}", message),
        detail=detail,
        buttons=[
            kit.button("Try again", RETRY_ACTION, style="primary"),
            kit.button("Edit the form", EDIT_ACTION),
        ],
    )


def format_hours(hours: float) -> str:
    """`2 h`, `1 h 30 min`, `45 min`: delays the way people say them."""
    minutes = round(hours * 60)
    whole, rest = divmod(minutes, 60)
    if not whole:
        return f"{rest} min"
    return f"{whole} h" + (f" {rest} min" if rest else "")


def _agent(agent_id: str, agent_name: str | None) -> str:
    if agent_name:
        return kit.md("{name:.500} ({id:code})", name=agent_name, id=agent_id)
    return kit.md("{:code}", agent_id)
