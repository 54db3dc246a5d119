"""One call result as Starleads' webhook sends it, read leniently.

Starleads documents PascalCase keys with `_id` for nested ids, while its API's own JSON for the same
object is camelCase; both arrive in practice, so keys are matched ignoring case and underscores. No
signature or schema version is documented either, so a field in an unexpected shape reads as None
instead of refusing the result: the raw body is stored whole, and losing a result is worse than
missing one field. The AI conversation is deliberately not read: it stays in the stored raw payload.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Annotated, Any

from pydantic import (
    AliasPath,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    ValidatorFunctionWrapHandler,
    WrapValidator,
    model_validator,
)

MAX_ID_LENGTH = 200
MAX_ATTEMPT_COUNT = 10_000


def _identifier(value: Any) -> str | None:
    """Ids are Mongo-style strings; numbers are tolerated, anything odd (or huge) is unreadable."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        return None
    value = value.strip()
    return value if 0 < len(value) <= MAX_ID_LENGTH and value.isprintable() else None


def _item_identifier(value: Any) -> str | None:
    """An item's id as `_identifier` reads it; one it can't read (huge, control characters, not a
    string) stands for itself by its hash, so the result is still stored, and deduplicated. Only a
    body with no item id at all is Starleads' test payload."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    readable = _identifier(value)
    if readable is not None:
        return readable
    raw = json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)
    return "sha256:" + hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()


def _count(value: Any) -> int | None:
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value if 0 <= value <= MAX_ATTEMPT_COUNT else None


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _flag(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


def _mapping(value: Any) -> dict[str, Any] | None:
    return value if isinstance(value, dict) else None


def _or_none(value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
    try:
        return handler(value)
    except ValidationError:
        return None


_Id = Annotated[str | None, BeforeValidator(_identifier)]
_ItemId = Annotated[str | None, BeforeValidator(_item_identifier)]
_Count = Annotated[int | None, BeforeValidator(_count)]
_Text = Annotated[str | None, BeforeValidator(_text)]
_Flag = Annotated[bool | None, BeforeValidator(_flag)]
_Mapping = Annotated[dict[str, Any] | None, BeforeValidator(_mapping)]
_When = Annotated[datetime | None, WrapValidator(_or_none)]


def _fold_key(key: Any) -> str:
    """`CampaignId`, `campaignId` and `campaign_id` are one key; `Id`, `id` and `_id` another."""
    return str(key).replace("_", "").lower()


def _folded(value: Any) -> Any:
    if not isinstance(value, dict):
        return value
    folded: dict[str, Any] = {}
    for key, item in value.items():
        name = _fold_key(key)
        if folded.get(name) is None:  # the first spelling with a value wins
            folded[name] = item
    return folded


class CallResult(BaseModel):
    """What the bot reads from a result; personal data is kept out of `repr` (and so out of logs)."""

    model_config = ConfigDict(frozen=True)

    item_id: _ItemId = Field(None, validation_alias="id")
    campaign_id: _Id = Field(None, validation_alias="campaignid")
    running_status: _Text = Field(None, validation_alias="runningstatus")
    attempt_count: _Count = Field(None, validation_alias="attemptcount")
    phone_number: _Text = Field(None, validation_alias="phonenumber", repr=False)
    data_bag: _Mapping = Field(None, validation_alias="databag", repr=False)
    created_at: _When = Field(None, validation_alias="createdat")
    processed_at: _When = Field(None, validation_alias="processedat")
    last_call_date: _When = Field(None, validation_alias="lastcalldate")
    next_try_date: _When = Field(None, validation_alias="nexttrydate")
    is_archived: _Flag = Field(None, validation_alias="isarchived")
    tag_id: _Id = Field(None, validation_alias=AliasPath("result", "tag", "id"))
    tag_name: _Text = Field(None, validation_alias=AliasPath("result", "tag", "name"))
    tag_color: _Text = Field(None, validation_alias=AliasPath("result", "tag", "color"))
    summary: _Text = Field(None, validation_alias=AliasPath("result", "summary"), repr=False)
    metadata: _Mapping = Field(None, validation_alias=AliasPath("result", "metadata"), repr=False)

    @classmethod
    def read(cls, body: dict[str, Any]) -> CallResult:
        """Never raises for a JSON object: whatever can't be read is None."""
        return cls.model_validate(body)

    @property
    def is_test_payload(self) -> bool:
        """Starleads sends a body without an item when a webhook URL is saved: a check, not a result."""
        return self.item_id is None

    @model_validator(mode="before")
    @classmethod
    def _fold_keys(cls, data: Any) -> Any:
        body = _folded(data)
        if isinstance(body, dict):
            result = _folded(body.get("result"))
            if isinstance(result, dict):
                result["tag"] = _folded(result.get("tag"))
            body["result"] = result
        return body
