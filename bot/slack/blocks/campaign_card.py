"""The result card posted in the channel once a campaign exists, and the modal's status views."""

from __future__ import annotations

from typing import Any

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
    name = kit.escape(draft.name)
    fields = [
        f"*Campaign ID*\n`{kit.escape(campaign_id)}`",
        f"*Agent*\n{_agent(draft.agent_id, agent_name)}",
        f"*Phone number*\n{kit.escape(draft.phone_number) if draft.phone_number else '—'}",
        f"*Retries*\nUp to {draft.max_retries}, {format_hours(draft.delay_hours)} apart",
        f"*Timezone*\n{kit.escape(draft.timezone)}",
        f"*Calling hours*\n{draft.schedule.render()}",
        f"*Webhook*\n{kit.escape(draft.webhook_url) if draft.webhook_url else '—'}",
        f"*Status*\n:double_vertical_bar: <{starleads_app_url}|{INACTIVE_STATUS}>",
    ]
    blocks = [
        kit.header(f"📞 New campaign: {draft.name}"),
        kit.fields_section(fields),
        kit.context(f"Created by <@{created_by}> with `/starleads campaign`"),
    ]
    if note:
        blocks.append(kit.context(f":information_source: {kit.escape(note)}"))
    text = (
        f"New Starleads campaign “{name}” ({kit.escape(campaign_id)}) created by <@{created_by}>: "
        f"{INACTIVE_STATUS}."
    )
    return text, blocks


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
        f":hourglass_flowing_sand: Creating *{kit.escape(draft.name)}* in Starleads…",
        detail=f"You can close this window: the result will be posted in <#{channel_id}>.",
    )


def created_view(
    draft: CampaignDraft, campaign_id: str, private_metadata: str, *, where: str, starleads_app_url: str
) -> dict[str, Any]:
    return status_view(
        private_metadata,
        f":white_check_mark: *{kit.escape(draft.name)}* is created in Starleads "
        f"(ID `{kit.escape(campaign_id)}`). It starts inactive: switch it on in Starleads when you're ready.",
        detail=where,
        buttons=[kit.button("Open Starleads", OPEN_STARLEADS_ACTION, url=starleads_app_url)],
    )


def failed_view(private_metadata: str, message: str, *, detail: str) -> dict[str, Any]:
    return status_view(
        private_metadata,
        f":x: {message}",
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
        return f"{kit.escape(agent_name)} (`{kit.escape(agent_id)}`)"
    return f"`{kit.escape(agent_id)}`"
