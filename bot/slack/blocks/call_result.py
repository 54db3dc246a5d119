"""The messages of a results thread: its root (with the live tally) and one reply per call result."""

from __future__ import annotations

import colorsys
from datetime import UTC, datetime

from bot.call_results import CallResult
from bot.call_results.contact import first_name, masked_phone
from bot.i18n import N_, _, ngettext, number
from bot.slack.blocks.kit import Card, context, fallback, md, section

SUMMARY_QUOTE = "{:quote.700}"  # the AI summary as a quote, at most 700 characters
# Translators: a call result Starleads gave no tag (the tally and the reply show it).
_NO_TAG = N_("No tag")
_ERROR_STATUS = "error"
# A coloured circle per hue band, so a tag's Starleads colour shows in the thread without images.
_HUE_CIRCLES = (
    (20, ":red_circle:"),
    (45, ":large_orange_circle:"),
    (70, ":large_yellow_circle:"),
    (170, ":large_green_circle:"),
    (260, ":large_blue_circle:"),
    (330, ":large_purple_circle:"),
    (360, ":red_circle:"),
)


TALLY_BLOCK = "results_tally"


def results_root(campaign_id: str | None) -> Card:
    """The root of a thread opened by `/starleads subscribe`: what it is for, and an empty tally."""
    purpose = (
        md(_("Call results for Starleads campaign {:code} will appear in this thread."), campaign_id)
        if campaign_id
        else _("Call results for this Starleads campaign will appear in this thread.")
    )
    intro = f":telephone_receiver: {purpose}"
    return with_tally(Card(text=intro, blocks=[section(intro)]), {})


def with_tally(root: Card, tally: dict[str | None, int]) -> Card:
    """A thread's root message (its campaign card, or a subscription's root) with its tally brought
    up to date, added at the bottom if it had none."""
    kept = [block for block in root.blocks if block.get("block_id") != TALLY_BLOCK]
    tally_block = context(
        ":bar_chart: " + _("*Call results:* {tally}").format(tally=tally_line(tally)), block_id=TALLY_BLOCK
    )
    return Card(text=root.text, blocks=[*kept, tally_block])


def tally_line(tally: dict[str | None, int]) -> str:
    """`Appointment 3 · Callback 5 · No answer 20`, most frequent first."""
    if not tally:
        return _("none yet. Each one will be posted in this thread.")
    ordered = sorted(tally.items(), key=lambda item: (-item[1], item[0] or ""))
    return " · ".join(
        md("{tag:.60} {count}", tag=tag or _(_NO_TAG), count=number(count)) for tag, count in ordered
    )


def result_reply(result: CallResult) -> Card:
    """One result: tag (with its colour), contact, attempt, summary; a failed call says so first."""
    tag = md("{:.60}", result.tag_name or _(_NO_TAG))
    contact = [md("{:.100}", name) for name in (first_name(result.data_bag),) if name]
    phone = masked_phone(result.phone_number)
    if phone:
        contact.append(md("{:code}", phone))
    attempt = _("attempt {number}").format(
        number=number(result.attempt_count) if result.attempt_count is not None else "?"
    )
    headline = " · ".join([f"{_circle(result.tag_color)} *{tag}*", *contact, attempt])
    blocks = []
    failed = (result.running_status or "").strip().lower() == _ERROR_STATUS
    if failed:
        blocks.append(section(":rotating_light: " + _("*Error*: Starleads reports this call as failed.")))
    blocks.append(section(headline))
    if result.summary and result.summary.strip():
        blocks.append(section(md(SUMMARY_QUOTE, result.summary.strip())))
    gist = f"{tag}, {attempt}"
    text = _("Error: {result}").format(result=gist) if failed else gist
    return Card(text=fallback(text), blocks=blocks)


def undeliverable_note() -> Card:
    text = ":warning: " + _(
        "A call result could not be posted here after several tries. It is kept by the bot."
    )
    return Card(text=text, blocks=[section(text)])


def forward_failed_note(host: str, count: int, problem: str, last_at: datetime) -> Card:
    """The thread's one note per receiving host, edited as results fail to reach it: how many, where,
    the last problem and when (in each reader's own timezone)."""
    where = md("{:code}", host) if host else _("your webhook")
    when = f"<!date^{int(last_at.timestamp())}^{{time}}|{last_at.astimezone(UTC):%H:%M} UTC>"
    text = ":warning: " + ngettext(
        "{count} call result could not be forwarded to {where}: {problem} (last at {when}). "
        "It is still posted in this thread.",
        "{count} call results could not be forwarded to {where}: {problem} (last at {when}). "
        "They are still posted in this thread.",
        count,
        where=where,
        problem=md("{}", problem),
        when=when,
    )
    return Card(text=text, blocks=[section(text)])


def _circle(color: str | None) -> str:
    value = (color or "").strip().lstrip("#")
    if len(value) != 6:
        return ":white_circle:"
    try:
        red, green, blue = (int(value[i : i + 2], 16) / 255 for i in (0, 2, 4))
    except ValueError:
        return ":white_circle:"
    hue, lightness, saturation = colorsys.rgb_to_hls(red, green, blue)
    if saturation < 0.2 or lightness < 0.1 or lightness > 0.95:
        return ":white_circle:" if lightness > 0.5 else ":black_circle:"
    return next(circle for limit, circle in _HUE_CIRCLES if hue * 360 <= limit)
