"""A campaign draft: what the user typed, checked the way Starleads would check it, and more.

`DraftInput` is the raw form (strings, nothing lost, stored as typed); `CampaignDraft` is the validated
campaign, ready to become a `POST /Campaign` body. Every error names the field it belongs to and says
how to fix it, so the form can show it right next to that field.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Iterable
from enum import StrEnum
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from bot.campaigns.timezones import DEFAULT_TIMEZONE, is_known_timezone
from bot.i18n import N_, _, number
from bot.schedule import DEFAULT_SCHEDULE, MAX_TEXT_LENGTH, ScheduleError, WeeklySchedule, parse_schedule
from bot.starleads.models import CampaignRequest, ScheduleDay

NAME_MAX_LENGTH = 200
AGENT_ID_MAX_LENGTH = 128
WEBHOOK_URL_MAX_LENGTH = 2000
MIN_RETRIES, MAX_RETRIES, DEFAULT_RETRIES = 1, 4, 3
DEFAULT_DELAY_HOURS = 2.0
MAX_DELAY_HOURS = 24 * 365
_AGENT_ID = re.compile(r"[A-Za-z0-9_-]+")  # Starleads' IDs (24 hex digits, or slugs like agent-123-abc)
# National numbers are read as French first, then as the overseas departments' own plans (0590 …).
_FRENCH_REGIONS = ("FR", "GP", "MQ", "GF", "RE", "YT", "PM", "NC", "PF")
_EXAMPLE_URL = "https://example.com/hooks/starleads"


class DraftField(StrEnum):
    """The form's fields, as the domain knows them (the Slack layer maps them to blocks)."""

    NAME = "name"
    AGENT_ID = "agent_id"
    PHONE_NUMBER = "phone_number"
    MAX_RETRIES = "max_retries"
    DELAY_HOURS = "delay_hours"
    WEBHOOK_URL = "webhook_url"
    TIMEZONE = "timezone"
    SCHEDULE = "schedule"

    @property
    def label(self) -> str:
        """The field's name as the form shows it, so messages about a field use the same words."""
        return _(_LABELS[self])


_LABELS = {
    DraftField.NAME: N_("Campaign name"),
    DraftField.AGENT_ID: N_("Agent ID"),
    DraftField.PHONE_NUMBER: N_("Outbound phone number"),
    DraftField.MAX_RETRIES: N_("Max retries"),
    DraftField.DELAY_HOURS: N_("Delay between retries (hours)"),
    DraftField.WEBHOOK_URL: N_("Webhook URL"),
    DraftField.TIMEZONE: N_("Timezone"),
    DraftField.SCHEDULE: N_("Calling hours"),
}
# How much each text box holds (its `max_length`): a longer prefilled value must be cut to fit.
TEXT_MAX_LENGTHS = {
    DraftField.NAME: NAME_MAX_LENGTH,
    DraftField.AGENT_ID: AGENT_ID_MAX_LENGTH,
    DraftField.SCHEDULE: MAX_TEXT_LENGTH,
}


class DraftInput(BaseModel):
    """Exactly what the user entered, as text. Kept so that nothing typed is ever lost."""

    model_config = ConfigDict(frozen=True)

    name: str | None = None
    agent_id: str | None = None
    phone_number: str | None = None
    max_retries: str | None = str(DEFAULT_RETRIES)
    delay_hours: str | None = "2"
    webhook_url: str | None = None
    timezone: str | None = DEFAULT_TIMEZONE
    schedule: str | None = Field(default_factory=DEFAULT_SCHEDULE.render)  # in the reader's language
    # "Post call results to this channel": None where the form doesn't offer it (no PUBLIC_URL).
    post_results: bool | None = None


class DraftInvalid(Exception):
    """The input cannot become a campaign; `errors` says why, field by field."""

    def __init__(self, errors: dict[DraftField, str]) -> None:
        super().__init__("; ".join(f"{field}: {message}" for field, message in errors.items()))
        self.errors = errors


class CampaignDraft(BaseModel):
    """A campaign Starleads should accept: the API's rules plus stricter checks of our own."""

    model_config = ConfigDict(frozen=True)

    name: str
    agent_id: str
    phone_number: str | None = None
    max_retries: int = DEFAULT_RETRIES
    delay_hours: float = DEFAULT_DELAY_HOURS
    webhook_url: str | None = None
    timezone: str = DEFAULT_TIMEZONE
    schedule: WeeklySchedule = Field(default=DEFAULT_SCHEDULE)
    post_results: bool = False

    @field_validator("name", mode="before")
    @classmethod
    def _check_name(cls, value: str | None) -> str:
        name = _clean(value)
        if not name:
            raise ValueError(_("Give the campaign a name, e.g. “Relance Q4”."))
        if len(name) > NAME_MAX_LENGTH:
            raise ValueError(
                _("Shorten the name to {limit} characters at most (it has {count}).").format(
                    limit=NAME_MAX_LENGTH, count=len(name)
                )
            )
        return name

    @field_validator("agent_id", mode="before")
    @classmethod
    def _check_agent_id(cls, value: str | None) -> str:
        agent_id = _clean(value)
        if not agent_id:
            raise ValueError(
                _("Enter the ID of the Starleads agent who will make the calls (see Agents in Starleads).")
            )
        if len(agent_id) > AGENT_ID_MAX_LENGTH:
            raise ValueError(
                _(
                    "This is too long for an agent ID ({count} characters, at most {limit}): copy the ID "
                    "from the agent's page in Starleads."
                ).format(count=len(agent_id), limit=AGENT_ID_MAX_LENGTH)
            )
        if not _AGENT_ID.fullmatch(agent_id):
            others = "".join(dict.fromkeys(c for c in agent_id if not _AGENT_ID.fullmatch(c)))
            shown = ", ".join(_("spaces") if c.isspace() else _quoted(c) for c in others)
            raise ValueError(
                _(
                    "An agent ID has only letters, digits, - and _, not {characters}: copy it from the "
                    "agent's page in Starleads (Agents)."
                ).format(characters=_quote(shown))
            )
        return agent_id

    @field_validator("phone_number", mode="before")
    @classmethod
    def _check_phone_number(cls, value: str | None) -> str | None:
        typed = _clean(value)
        if not typed:
            return None
        return normalise_phone_number(typed)

    @field_validator("max_retries", mode="before")
    @classmethod
    def _check_max_retries(cls, value: str | int | None) -> int:
        text = _clean(str(value) if value is not None else None)
        limits = {"low": MIN_RETRIES, "high": MAX_RETRIES}
        if not text:
            raise ValueError(
                _(
                    "Max retries is a whole number from {low} to {high} (Starleads' limits): enter one, "
                    "e.g. {default}."
                ).format(default=DEFAULT_RETRIES, **limits)
            )
        if not re.fullmatch(r"[+-]?\d{1,6}", text):
            raise ValueError(
                _(
                    "Max retries is a whole number from {low} to {high} (Starleads' limits); {typed} is not."
                ).format(typed=_quoted(_quote(text)), **limits)
            )
        retries = int(text)
        if not MIN_RETRIES <= retries <= MAX_RETRIES:
            raise ValueError(
                _(
                    "Max retries is a whole number from {low} to {high} (Starleads' limits); "
                    "{retries} is out of range."
                ).format(retries=retries, **limits)
            )
        return retries

    @field_validator("delay_hours", mode="before")
    @classmethod
    def _check_delay_hours(cls, value: str | float | None) -> float:
        text = _clean(str(value) if value is not None else None)
        if not text:
            raise ValueError(
                _("Enter the delay between retries in hours, e.g. 2 or {decimal}.").format(
                    decimal=number(1.5)
                )
            )
        try:
            hours = float(text.replace(",", "."))
        except ValueError:
            raise ValueError(
                _(
                    "Write the delay in hours as a number, e.g. 2 or {decimal}; {typed} is not a number."
                ).format(decimal=number(1.5), typed=_quoted(_quote(text)))
            ) from None
        if not math.isfinite(hours) or hours <= 0:
            raise ValueError(
                _("The delay must be more than 0 hours, e.g. 2, or {half} for 30 minutes.").format(
                    half=number(0.5)
                )
            )
        if hours > MAX_DELAY_HOURS:
            raise ValueError(_("Keep the delay under a year ({limit} hours).").format(limit=MAX_DELAY_HOURS))
        return hours

    @field_validator("webhook_url", mode="before")
    @classmethod
    def _check_webhook_url(cls, value: str | None) -> str | None:
        url = _clean(value)
        if not url:
            return None
        if len(url) > WEBHOOK_URL_MAX_LENGTH:
            raise ValueError(
                _("Shorten the webhook URL to {limit} characters at most.").format(
                    limit=WEBHOOK_URL_MAX_LENGTH
                )
            )
        try:
            parts = urlsplit(url)
            host = parts.hostname
        except ValueError:
            host, parts = None, None
        if parts is None or parts.scheme.lower() not in ("http", "https"):
            raise ValueError(
                _("The webhook URL must start with https:// (or http://), e.g. {url}.").format(
                    url=_EXAMPLE_URL
                )
            )
        if not host or any(c.isspace() for c in url):
            raise ValueError(
                _("The webhook URL needs a host name and no spaces, e.g. {url}.").format(url=_EXAMPLE_URL)
            )
        return url

    @field_validator("timezone", mode="before")
    @classmethod
    def _check_timezone(cls, value: str | None) -> str:
        zone = _clean(value) or DEFAULT_TIMEZONE
        if not is_known_timezone(zone):
            raise ValueError(
                _("{zone} is not a timezone Starleads knows: pick one such as Europe/Paris.").format(
                    zone=_quoted(_quote(zone))
                )
            )
        return zone

    @field_validator("schedule", mode="before")
    @classmethod
    def _read_schedule(cls, value: str | WeeklySchedule | None) -> WeeklySchedule:
        if isinstance(value, WeeklySchedule):
            return value
        text = _clean(value)
        if not text:
            raise ValueError(
                _("Say when to call, e.g. {default} or “en semaine 9h-12h”.").format(
                    default=_quoted(DEFAULT_SCHEDULE.render())
                )
            )
        try:
            return parse_schedule(text)
        except ScheduleError as error:
            raise ValueError(str(error)) from None

    @field_validator("post_results", mode="before")
    @classmethod
    def _offered_and_chosen(cls, value: bool | None) -> bool:
        return bool(value)

    @classmethod
    def from_input(cls, typed: DraftInput) -> CampaignDraft:
        """Validate everything at once, so the user sees every problem in one go."""
        try:
            return cls.model_validate(typed.model_dump())
        except ValidationError as error:
            errors: dict[DraftField, str] = {}
            for problem in error.errors(include_input=False, include_url=False):
                message = problem["msg"].removeprefix("Value error, ")
                errors.setdefault(DraftField(str(problem["loc"][0])), message)
            raise DraftInvalid(errors) from None

    def to_request(self, results_url: str | None = None) -> CampaignRequest:
        """The `POST /Campaign` body. With `results_url` (the bot's own webhook address) Starleads
        sends the results to the bot, which forwards them to the user's `webhook_url`, if any."""
        return CampaignRequest(
            name=self.name,
            agent_id=self.agent_id,
            phone_number=self.phone_number,
            max_retries=self.max_retries,
            delay_between_retries=self.delay_hours,
            webhook_url=results_url or self.webhook_url,
            timezone=self.timezone,
            schedule=[ScheduleDay.model_validate(day) for day in self.schedule.to_api()],
        )

    def fingerprint(self) -> str:
        """A stable hash of the draft, to recognise the same campaign in records and audits."""
        return hashlib.sha256(self.model_dump_json().encode()).hexdigest()


def field_problems(typed: DraftInput, fields: Iterable[DraftField]) -> dict[DraftField, str]:
    """What is wrong with some fields of `typed` (the ones a command prefilled, say), ignoring the rest.

    With no fields to check there is nothing to validate: a bare `/starleads campaign` skips it."""
    wanted = set(fields)
    if not wanted:
        return {}
    try:
        CampaignDraft.from_input(typed)
    except DraftInvalid as invalid:
        return {field: message for field, message in invalid.errors.items() if field in wanted}
    return {}


def normalise_phone_number(typed: str) -> str:
    """E.164 (`+33123456789`) from what people type; French national forms (`01 23 45 67 89`) included."""
    problem = _(
        "{typed} is not a phone number I can use: type it in international form "
        "(+33 1 23 45 67 89) or as a French number (01 23 45 67 89)."
    ).format(typed=_quoted(_quote(typed)))
    # Imported here: a bare `/starleads campaign`, the usual first command, reads no number.
    import phonenumbers

    for region in _FRENCH_REGIONS:
        try:
            number = phonenumbers.parse(typed, region)
        except phonenumbers.NumberParseException:
            raise ValueError(problem) from None
        if phonenumbers.is_valid_number(number):
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    raise ValueError(problem)


def _clean(value: str | None) -> str:
    return (value or "").strip()


def _quoted(text: str) -> str:
    # Translators: what the user typed, quoted in a message about a field.
    return _("“{text}”").format(text=text)


def _quote(text: str, limit: int = 40) -> str:
    """Echo user input back safely: short, so a 3,000-character paste doesn't flood the message."""
    return text if len(text) <= limit else text[: limit - 1] + "…"
