"""The `/starleads campaign` form: building it from a draft, and reading a draft back out of it.

Block IDs are the domain's field names, so an error about a field lands on the block that shows it,
and every value survives `views.update` (Slack keeps input state when block and action IDs stay). The
one exception is on purpose: when the schedule picker writes new calling hours into the text, the
text's block gets a new ID (`schedule.2`, `schedule.3`…) so that Slack shows the new value.

The calling hours are a text in plain words, the schedule's one source of truth; "Pick days and
hours…" opens a picker that writes that text for you. A preview under the text says how it was read.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import Any

from bot.campaigns.draft import MAX_RETRIES, MIN_RETRIES, TEXT_MAX_LENGTHS, DraftField, DraftInput
from bot.campaigns.timezones import (
    CURATED_ZONE_NAMES,
    DEFAULT_TIMEZONE,
    is_known_timezone,
    offsets_hour,
    timezone_choices,
    timezone_label,
)
from bot.i18n import Language, _, current_language, number
from bot.schedule import ScheduleError, parse_schedule
from bot.slack.blocks import kit
from bot.slack.blocks.state import FormState

CALLBACK_ID = "campaign_form"
SCHEDULE_BLOCK = DraftField.SCHEDULE.value
SCHEDULE_PREVIEW_BLOCK = "schedule_preview"
OPEN_PICKER_ACTION = "schedule_picker_open"
# Fields shown in plain text boxes, which can hold (and show) a value that is not valid yet.
TEXT_BOX_FIELDS = frozenset(
    {DraftField.NAME, DraftField.AGENT_ID, DraftField.PHONE_NUMBER, DraftField.SCHEDULE}
)
RESULTS_BLOCK, RESULTS_ACTION, RESULTS_ON = "post_results", "post_results_input", "on"


def action_id(field: DraftField) -> str:
    return f"{field.value}_input"


Problems = dict[DraftField, str]


def campaign_form(
    typed: DraftInput,
    private_metadata: str,
    *,
    problems: Problems | None = None,
    banner: str | None = None,
    schedule_block_id: str = SCHEDULE_BLOCK,
) -> dict[str, Any]:
    """The form, filled with `typed`. `problems` shows Starleads' complaints under their fields;
    `banner` (mrkdwn, built with `kit.md`) goes at the top."""
    blocks = _form_blocks(
        typed,
        tuple((problems or {}).items()),
        banner,
        schedule_block_id,
        offsets_hour(),
        current_language(),
    )
    return kit.modal(
        # Translators: a modal's title, at most 24 characters (Slack's limit).
        title=_("New Starleads campaign"),
        callback_id=CALLBACK_ID,
        submit=_("Create campaign"),
        close=_("Cancel"),
        blocks=blocks,
        private_metadata=private_metadata,
    )


def warm_up() -> None:
    """Build the form a bare `/starleads campaign` opens, in the default language, so that the first
    user's is built already: the first build also loads Babel's number formats (CLDR data) and the
    timezones' names, tens of milliseconds."""
    campaign_form(DraftInput(), "")


@lru_cache(maxsize=64)
def _form_blocks(
    typed: DraftInput,
    problems: tuple[tuple[DraftField, str], ...],
    banner: str | None,
    schedule_block_id: str,
    hour: datetime,
    language: Language,
) -> list[kit.Block]:
    """The form's blocks, built once per distinct input, hour and language: in a burst of
    `/starleads campaign` most forms are alike (a channel's remembered values), and building one
    (44 timezone options, the schedule read for its preview) cost more CPU than the rest of the
    command. `hour` and `language` are part of the key because the menu shows the hour's offsets and
    the labels, regions and preview are in the reader's language (read from the task's context while
    building). The blocks are shared by the views built from them, so nothing changes them."""
    shown = dict(problems)
    return [
        *([kit.section(f":warning: {banner}")] if banner else []),
        *_campaign_and_agent(typed, shown),
        kit.divider(),
        *_calling_hours(typed, shown, schedule_block_id, hour),
        kit.divider(),
        *_retries(typed, shown),
        *_call_results(typed, shown),
    ]


def _campaign_and_agent(typed: DraftInput, problems: Problems) -> list[kit.Block]:
    return [
        *_field(
            DraftField.NAME,
            kit.text_input(
                action_id(DraftField.NAME),
                initial=typed.name,
                placeholder=_("e.g. {example}").format(example="Relance Q4"),
                max_length=TEXT_MAX_LENGTHS[DraftField.NAME],
            ),
            problems,
        ),
        *_field(
            DraftField.AGENT_ID,
            kit.text_input(
                action_id(DraftField.AGENT_ID),
                initial=typed.agent_id,
                placeholder=_("e.g. {example}").format(example="66f1b2d0016e6d3e9353ab85"),
                max_length=TEXT_MAX_LENGTHS[DraftField.AGENT_ID],
            ),
            problems,
            hint=_("The AI agent who makes the calls: copy its ID from Agents in Starleads."),
        ),
        *_field(
            DraftField.PHONE_NUMBER,
            kit.text_input(
                action_id(DraftField.PHONE_NUMBER),
                initial=typed.phone_number,
                placeholder=_("e.g. {example}").format(example="+33 1 23 45 67 89"),
            ),
            problems,
            optional=True,
            hint=_("For phone agents: one of your company's numbers in Starleads (01 23 45 67 89 is fine)."),
        ),
    ]


def _calling_hours(
    typed: DraftInput, problems: Problems, schedule_block_id: str, hour: datetime
) -> list[kit.Block]:
    """The schedule in words with its live preview and the picker's button, then its timezone."""
    return [
        *_field(
            DraftField.SCHEDULE,
            kit.text_input(
                action_id(DraftField.SCHEDULE),
                initial=typed.schedule,
                placeholder=_("e.g. weekdays 9-12 and 2-5pm"),
                max_length=TEXT_MAX_LENGTHS[DraftField.SCHEDULE],
                on_enter=True,
            ),
            problems,
            hint=_("Days and hours in words, English or French: {examples}. Press Enter to check.").format(
                examples=_schedule_examples()
            ),
            dispatch_action=True,
            block_id=schedule_block_id,
            below=kit.context(
                schedule_preview(typed.schedule, typed.timezone), block_id=SCHEDULE_PREVIEW_BLOCK
            ),
        ),
        kit.actions("schedule_tools", kit.button(_("Pick days and hours…"), OPEN_PICKER_ACTION)),
        *_field(
            DraftField.TIMEZONE,
            kit.grouped_select(
                action_id(DraftField.TIMEZONE),
                _timezone_options(typed.timezone, hour),
                selected=typed.timezone,
                placeholder=_("Pick a timezone"),
            ),
            problems,
            hint=_("Calling hours are local times in this zone."),
            dispatch_action=True,
        ),
    ]


def _retries(typed: DraftInput, problems: Problems) -> list[kit.Block]:
    return [
        *_field(
            DraftField.MAX_RETRIES,
            kit.number_input(
                action_id(DraftField.MAX_RETRIES),
                initial=typed.max_retries,
                decimal=False,
                minimum=str(MIN_RETRIES),
                maximum=str(MAX_RETRIES),
            ),
            problems,
            hint=_("How often someone who doesn't answer is called again ({minimum} to {maximum}).").format(
                minimum=number(MIN_RETRIES), maximum=number(MAX_RETRIES)
            ),
        ),
        *_field(
            DraftField.DELAY_HOURS,
            kit.number_input(action_id(DraftField.DELAY_HOURS), initial=typed.delay_hours, decimal=True),
            problems,
            hint=_("More than {zero}; decimals allowed ({example} = 1 h 30).").format(
                zero=number(0), example=number(1.5)
            ),
        ),
    ]


def _call_results(typed: DraftInput, problems: Problems) -> list[kit.Block]:
    """The webhook URL and, when the bot can receive results (`post_results` is not None), the box
    that sends them to the channel; the URL's hint says which role it plays."""
    blocks = _field(
        DraftField.WEBHOOK_URL,
        kit.url_input(
            action_id(DraftField.WEBHOOK_URL),
            initial=typed.webhook_url,
            placeholder="https://example.com/hooks/starleads",
        ),
        problems,
        optional=True,
        hint=(
            _("Starleads posts each call's result there (http:// or https://).")
            if typed.post_results is None
            else _(
                "Your own system's address, if it wants the results too: each one is forwarded there "
                "unchanged (http:// or https://)."
            )
        ),
    )
    if typed.post_results is not None:
        blocks.append(
            kit.input_block(
                RESULTS_BLOCK,
                _("Call results"),
                kit.checkboxes(
                    RESULTS_ACTION,
                    [kit.option(_("Post call results to this channel"), RESULTS_ON)],
                    selected=[RESULTS_ON] if typed.post_results else [],
                ),
                optional=True,
                hint=_("Each call's result goes in the thread of the campaign's card, with a running tally."),
            )
        )
    return blocks


def _field(
    name: DraftField,
    element: kit.Element,
    problems: Problems,
    *,
    optional: bool = False,
    hint: str | None = None,
    dispatch_action: bool = False,
    block_id: str | None = None,
    below: kit.Block | None = None,
) -> list[kit.Block]:
    """An input, then what belongs under it: its live preview, Starleads' note about it."""
    block = kit.input_block(
        block_id or name, name.label, element, optional=optional, hint=hint, dispatch_action=dispatch_action
    )
    blocks = [block, below] if below else [block]
    if name in problems:
        blocks.append(kit.context(kit.md(":warning: {}", problems[name]), block_id=f"{name}_problem"))
    return blocks


def read_form(state: FormState) -> DraftInput:
    """What the user entered; anything missing or malformed reads as empty."""

    def text(field: DraftField, block_id: str | None = None) -> str | None:
        return state.text(block_id or field.value, action_id(field))

    return DraftInput(
        name=text(DraftField.NAME),
        agent_id=text(DraftField.AGENT_ID),
        phone_number=text(DraftField.PHONE_NUMBER),
        max_retries=text(DraftField.MAX_RETRIES),
        delay_hours=text(DraftField.DELAY_HOURS),
        webhook_url=text(DraftField.WEBHOOK_URL),
        timezone=state.selected(DraftField.TIMEZONE.value, action_id(DraftField.TIMEZONE)),
        schedule=text(DraftField.SCHEDULE, current_schedule_block(state.block_ids())),
        post_results=(
            RESULTS_ON in state.selected_all(RESULTS_BLOCK, RESULTS_ACTION)
            if RESULTS_BLOCK in state.block_ids()
            else None
        ),
    )


def current_schedule_block(block_ids: list[str]) -> str:
    """The schedule text's block ID in this view (`schedule`, or `schedule.N` after the picker)."""
    return next(
        (b for b in block_ids if b == SCHEDULE_BLOCK or b.startswith(f"{SCHEDULE_BLOCK}.")), SCHEDULE_BLOCK
    )


def next_schedule_block(block_id: str) -> str:
    """A new ID for the schedule text, so Slack shows the value the picker wrote instead of the old one."""
    _, _, number = block_id.partition(".")
    return f"{SCHEDULE_BLOCK}.{int(number) + 1 if number.isdigit() else 2}"


def schedule_preview(text: str | None, timezone: str | None) -> str:
    """The line under the calling hours: how the bot reads them, or what is wrong."""
    if not (text or "").strip():
        return ":pencil2: " + _("Say when to call, e.g. {examples}.").format(examples=_schedule_examples())
    try:
        schedule = parse_schedule(text or "")
    except ScheduleError as error:
        return kit.md(":warning: {}", error)
    return kit.md(":white_check_mark: {} ({})", schedule.render(), timezone or DEFAULT_TIMEZONE)


def _timezone_options(selected: str | None, hour: datetime) -> dict[str, list[dict[str, Any]]]:
    """The curated zones, plus the selected one when it is a real zone outside the list."""
    groups = timezone_choices(hour)
    if selected and selected not in CURATED_ZONE_NAMES and is_known_timezone(selected):
        # Translators: the group of the timezone menu that holds the zone chosen earlier.
        groups = {_("Selected"): [(selected, timezone_label(selected, hour))], **groups}
    return {region: [kit.option(label, zone) for zone, label in zones] for region, zones in groups.items()}


def _schedule_examples() -> str:
    """Two ways to write calling hours, for the hint and the empty preview."""
    # Translators: examples of calling hours the schedule language reads; they must parse.
    return _("“weekdays 9-12 and 2-5pm”, “du lundi au vendredi 9h-12h et 14h-17h”")
