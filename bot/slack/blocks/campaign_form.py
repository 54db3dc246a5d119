"""The `/starleads campaign` form: building it from a draft, and reading a draft back out of it.

Block IDs are the domain's field names, so an error about a field lands on the block that shows it,
and every value survives `views.update` (Slack keeps input state when block and action IDs stay).
"""

from __future__ import annotations

from typing import Any

from bot.campaigns.draft import MAX_RETRIES, MIN_RETRIES, NAME_MAX_LENGTH, DraftField, DraftInput
from bot.campaigns.timezones import CURATED_ZONE_NAMES, is_known_timezone, timezone_choices, utc_offset_label
from bot.schedule import Weekday
from bot.slack.blocks import kit

CALLBACK_ID = "campaign_form"
TITLE = "New Starleads campaign"


def action_id(field: DraftField) -> str:
    return f"{field.value}_input"


def campaign_form(
    typed: DraftInput,
    private_metadata: str,
    *,
    problems: dict[DraftField, str] | None = None,
    banner: str | None = None,
) -> dict[str, Any]:
    """The form, filled with `typed`. `problems` shows Starleads' complaints under their fields."""
    problems = problems or {}
    blocks: list[kit.Block] = [kit.section(f":warning: {kit.escape(banner)}")] if banner else []

    def field(
        name: DraftField, label: str, element: kit.Element, *, optional: bool = False, hint: str | None = None
    ) -> None:
        blocks.append(kit.input_block(name, label, element, optional=optional, hint=hint))
        if name in problems:
            blocks.append(kit.context(f":warning: {kit.escape(problems[name])}", block_id=f"{name}_problem"))

    field(
        DraftField.NAME,
        "Campaign name",
        kit.text_input(
            action_id(DraftField.NAME),
            initial=typed.name,
            placeholder="e.g. Relance Q4",
            max_length=NAME_MAX_LENGTH,
        ),
    )
    field(
        DraftField.AGENT_ID,
        "Agent ID",
        kit.text_input(
            action_id(DraftField.AGENT_ID),
            initial=typed.agent_id,
            placeholder="e.g. 66f1b2d0016e6d3e9353ab85",
        ),
        hint="The AI agent who makes the calls: copy its ID from Agents in Starleads.",
    )
    field(
        DraftField.PHONE_NUMBER,
        "Outbound phone number",
        kit.text_input(
            action_id(DraftField.PHONE_NUMBER),
            initial=typed.phone_number,
            placeholder="e.g. +33 1 23 45 67 89",
        ),
        optional=True,
        hint="For phone agents: one of your company's numbers in Starleads (01 23 45 67 89 is fine).",
    )

    blocks += [kit.divider(), kit.section("*When to call*  ·  the same hours on every day you tick")]
    field(
        DraftField.DAYS,
        "Days",
        kit.checkboxes(
            action_id(DraftField.DAYS),
            [kit.option(day.value, day.value) for day in Weekday],
            selected=list(typed.days),
        ),
    )
    for name, label, initial, optional in _window_fields(typed):
        field(name, label, kit.timepicker(action_id(name), initial=initial), optional=optional)
    field(
        DraftField.TIMEZONE,
        "Timezone",
        kit.grouped_select(
            action_id(DraftField.TIMEZONE),
            _timezone_options(typed.timezone),
            selected=typed.timezone,
            placeholder="Pick a timezone",
        ),
        hint="Calling hours are local times in this zone.",
    )

    blocks.append(kit.divider())
    field(
        DraftField.MAX_RETRIES,
        "Max retries",
        kit.number_input(
            action_id(DraftField.MAX_RETRIES),
            initial=typed.max_retries,
            decimal=False,
            minimum=str(MIN_RETRIES),
            maximum=str(MAX_RETRIES),
        ),
        hint=f"How often someone who doesn't answer is called again ({MIN_RETRIES} to {MAX_RETRIES}).",
    )
    field(
        DraftField.DELAY_HOURS,
        "Delay between retries (hours)",
        kit.number_input(
            action_id(DraftField.DELAY_HOURS),
            initial=typed.delay_hours,
            decimal=True,
        ),
        hint="More than 0; decimals allowed (1.5 = 1 h 30).",
    )
    field(
        DraftField.WEBHOOK_URL,
        "Webhook URL",
        kit.url_input(
            action_id(DraftField.WEBHOOK_URL),
            initial=typed.webhook_url,
            placeholder="https://example.com/hooks/starleads",
        ),
        optional=True,
        hint="Starleads posts each call's result there (http:// or https://).",
    )
    return kit.modal(
        title=TITLE,
        callback_id=CALLBACK_ID,
        submit="Create campaign",
        close="Cancel",
        blocks=blocks,
        private_metadata=private_metadata,
    )


def read_form(state_values: Any) -> DraftInput:
    """What the user entered, from a view's `state.values`; anything malformed reads as empty."""
    values = state_values if isinstance(state_values, dict) else {}

    def element(field: DraftField) -> dict[str, Any]:
        block = values.get(field.value)
        found = block.get(action_id(field)) if isinstance(block, dict) else None
        return found if isinstance(found, dict) else {}

    def text(field: DraftField, key: str = "value") -> str | None:
        value = element(field).get(key)
        return value if isinstance(value, str) else None

    selected_timezone = element(DraftField.TIMEZONE).get("selected_option")
    selected_days = element(DraftField.DAYS).get("selected_options")
    return DraftInput(
        name=text(DraftField.NAME),
        agent_id=text(DraftField.AGENT_ID),
        phone_number=text(DraftField.PHONE_NUMBER),
        max_retries=text(DraftField.MAX_RETRIES),
        delay_hours=text(DraftField.DELAY_HOURS),
        webhook_url=text(DraftField.WEBHOOK_URL),
        timezone=_option_value(selected_timezone),
        days=tuple(
            v for v in map(_option_value, selected_days if isinstance(selected_days, list) else []) if v
        ),
        window_1_start=text(DraftField.WINDOW_1_START, "selected_time"),
        window_1_end=text(DraftField.WINDOW_1_END, "selected_time"),
        window_2_start=text(DraftField.WINDOW_2_START, "selected_time"),
        window_2_end=text(DraftField.WINDOW_2_END, "selected_time"),
    )


def _window_fields(typed: DraftInput) -> list[tuple[DraftField, str, str | None, bool]]:
    return [
        (DraftField.WINDOW_1_START, "First window starts", typed.window_1_start, False),
        (DraftField.WINDOW_1_END, "First window ends", typed.window_1_end, False),
        (DraftField.WINDOW_2_START, "Second window starts", typed.window_2_start, True),
        (DraftField.WINDOW_2_END, "Second window ends", typed.window_2_end, True),
    ]


def _timezone_options(selected: str | None) -> dict[str, list[dict[str, Any]]]:
    """The curated zones, plus the selected one when it is a real zone outside the list."""
    groups = timezone_choices()
    if selected and selected not in CURATED_ZONE_NAMES and is_known_timezone(selected):
        groups = {"Selected": [(selected, f"{selected} ({utc_offset_label(selected)})")], **groups}
    return {region: [kit.option(label, zone) for zone, label in zones] for region, zones in groups.items()}


def _option_value(option: Any) -> str | None:
    value = option.get("value") if isinstance(option, dict) else None
    return value if isinstance(value, str) else None
