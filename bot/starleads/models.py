"""The Starleads API's request and response bodies, as the API spells them (camelCase)."""

from __future__ import annotations

from typing import Any

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, field_validator
from pydantic.alias_generators import to_camel


class _ApiModel(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="ignore")


class TimeRange(_ApiModel):
    start_time: str
    end_time: str


class ScheduleDay(_ApiModel):
    day: str
    time_ranges: list[TimeRange]


class CampaignRequest(_ApiModel):
    """Body of `POST /Campaign`."""

    name: str
    agent_id: str
    phone_number: str | None = None
    max_retries: int = 3
    delay_between_retries: float = 2
    webhook_url: str | None = None
    timezone: str = "Europe/Paris"
    schedule: list[ScheduleDay] = Field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return self.model_dump(by_alias=True, exclude_none=True)


class Campaign(_ApiModel):
    """A created campaign. Only `id` is certain; the rest is read leniently."""

    id: str = Field(min_length=1, max_length=200)
    name: str | None = None
    agent_id: str | None = None
    phone_number: str | None = None
    max_retries: int | None = None
    delay_between_retries: float | None = None
    webhook_url: str | None = None
    timezone: str | None = None
    is_active: bool | None = None


class Agent(_ApiModel):
    """What `GET /Agent/{id}/prompt` tells about an agent; the prompt itself is deliberately not kept."""

    agent_id: str
    agent_name: str | None = None


class Problem(BaseModel):
    """An RFC 7807 problem-details body, with ASP.NET's optional `errors` map."""

    model_config = ConfigDict(extra="ignore")

    status: int | None = None
    title: str | None = None
    detail: str | None = None
    errors: dict[str, list[str]] = Field(
        default_factory=dict, validation_alias=AliasChoices("errors", "Errors")
    )

    @field_validator("errors", mode="before")
    @classmethod
    def _lenient_errors(cls, value: Any) -> dict[str, list[str]]:
        if not isinstance(value, dict):
            return {}
        return {
            str(key): [str(m) for m in (messages if isinstance(messages, list) else [messages])]
            for key, messages in value.items()
        }

    def summary(self) -> str:
        """The most specific human sentence the problem carries."""
        messages = [m for ms in self.errors.values() for m in ms]
        return self.detail or (messages[0] if messages else None) or self.title or "no reason given"
