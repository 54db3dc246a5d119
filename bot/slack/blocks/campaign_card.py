"""The result card posted in the channel once a campaign exists, and the modal's status views."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from bot.campaigns.draft import CampaignDraft
from bot.i18n import N_, _, ngettext
from bot.slack.blocks import kit

RETRY_ACTION = "campaign_retry"
EDIT_ACTION = "campaign_edit"
OPEN_STARLEADS_ACTION = "open_starleads"
INACTIVE_STATUS = N_("Inactive — switch it on in Starleads")


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
    retries = ngettext(
        "Up to {count}, {delay} apart",
        "Up to {count}, {delay} apart",
        draft.max_retries,
        delay=format_hours(draft.delay_hours),
    )
    status = _(INACTIVE_STATUS)
    fields = [
        _field(_("Campaign ID"), kit.md("{:code}", campaign_id)),
        _field(_("Agent"), _agent(draft.agent_id, agent_name)),
        _field(_("Phone number"), kit.md("{}", draft.phone_number) if draft.phone_number else "—"),
        _field(_("Retries"), retries),
        _field(_("Timezone"), kit.md("{}", draft.timezone)),
        _field(_("Calling hours"), kit.md("{}", draft.schedule.render())),
        _field(_("Webhook"), kit.md("{}", webhook_origin(draft.webhook_url)) if draft.webhook_url else "—"),
        _field(_("Status"), f":double_vertical_bar: <{starleads_app_url}|{status}>"),
    ]
    blocks = [
        kit.header("📞 " + _("New campaign: {name}").format(name=draft.name)),
        kit.fields_section(fields),
        kit.context(_("Created by {user} with `/starleads campaign`").format(user=f"<@{created_by}>")),
    ]
    if note:
        blocks.append(kit.context(kit.md(":information_source: {}", note)))
    text = kit.md(
        _("New Starleads campaign “{name:.200}” ({id:.100}) created by <@{user}>: {status}."),
        name=draft.name,
        id=campaign_id,
        user=created_by,
        status=status,
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
    # Translators: a modal's title, at most 24 characters (Slack's limit).
    return kit.modal(title=_("Starleads campaign"), blocks=blocks, private_metadata=private_metadata)


def creating_view(draft: CampaignDraft, private_metadata: str, channel_id: str) -> dict[str, Any]:
    return status_view(
        private_metadata,
        ":hourglass_flowing_sand: " + kit.md(_("Creating *{}* in Starleads…"), draft.name),
        detail=_("You can close this window: the result will be posted in {channel}.").format(
            channel=f"<#{channel_id}>"
        ),
    )


def created_view(
    draft: CampaignDraft, campaign_id: str, private_metadata: str, *, where: str, starleads_app_url: str
) -> dict[str, Any]:
    return status_view(
        private_metadata,
        ":white_check_mark: "
        + kit.md(
            _(
                "*{name}* is created in Starleads (ID {id:code}). It starts inactive: "
                "switch it on in Starleads when you're ready."
            ),
            name=draft.name,
            id=campaign_id,
        ),
        detail=where,
        buttons=[kit.button(_("Open Starleads"), OPEN_STARLEADS_ACTION, url=starleads_app_url)],
    )


def failed_view(private_metadata: str, message: str, *, detail: str) -> dict[str, Any]:
    return status_view(
        private_metadata,
        kit.md(":x: {}", message),
        detail=detail,
        buttons=[
            kit.button(_("Try again"), RETRY_ACTION, style="primary"),
            kit.button(_("Edit the form"), EDIT_ACTION),
        ],
    )


def format_hours(hours: float) -> str:
    """`2 h`, `1 h 30 min`, `45 min`: delays the way people say them."""
    minutes = round(hours * 60)
    whole, rest = divmod(minutes, 60)
    if not whole:
        return f"{rest} min"
    return f"{whole} h" + (f" {rest} min" if rest else "")


def _field(label: str, value: str) -> str:
    """A field of the card: its label in bold over its value (mrkdwn)."""
    return f"*{label}*\n{value}"


def _agent(agent_id: str, agent_name: str | None) -> str:
    if agent_name:
        return kit.md("{name:.500} ({id:code})", name=agent_name, id=agent_id)
    return kit.md("{:code}", agent_id)
