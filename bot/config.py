"""Settings from the environment or a `.env` file.

A bad setting must stop start-up with one plain line (which variable, what is expected), never a
traceback and never the value itself: values are secrets more often than not.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Literal, TypeVar

from pydantic import (
    AnyHttpUrl,
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.i18n import LANGUAGES, Language

_USER_OR_GROUP_ID = re.compile(r"[UWS][A-Z0-9]{2,30}")
_CHANNEL_ID = re.compile(r"[CDG][A-Z0-9]{2,30}")
_CLIENT_ID = re.compile(r"[0-9]{1,20}\.[0-9]{1,20}")
DEFAULT_DATABASE_URL = f"sqlite:///{Path.cwd() / 'starleads-bot.db'}"


_S = TypeVar("_S", bound="DatabaseSettings")


DEFAULT_LEASE_SECONDS = 15.0  # how long a claim on a call result lasts without its heartbeat


class ConfigError(Exception):
    """A setting is missing or malformed; the message names the variable, never its value."""


class DatabaseSettings(BaseSettings):
    """What `starleads-bot db upgrade` needs: the database, and no Slack or Starleads secret."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    database_url: str = DEFAULT_DATABASE_URL
    log_level: str = "INFO"
    log_format: Literal["text", "json"] = "text"  # json: one object per line, for a log pipeline

    @field_validator("database_url")
    @classmethod
    def _database_url_shape(cls, value: str) -> str:
        if "://" not in value:
            raise ValueError("must be an SQLAlchemy URL such as sqlite:///bot.db or postgresql://host/db")
        return value

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        level = value.upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
            raise ValueError("must be one of DEBUG, INFO, WARNING, ERROR")
        return level


class Settings(DatabaseSettings):
    """Two modes, told apart by which secrets are set: one workspace (`SLACK_BOT_TOKEN` and
    `STARLEADS_API_KEY`), or distribution, where any workspace installs the app through OAuth and
    connects its own Starleads key (`SLACK_CLIENT_ID`, `SLACK_CLIENT_SECRET`,
    `STARLEADS_KEY_ENCRYPTION_KEYS`). Half of each is refused: it would run the wrong bot quietly."""

    slack_bot_token: SecretStr | None = None
    slack_client_id: str | None = None
    slack_client_secret: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_api_url: AnyHttpUrl = AnyHttpUrl("https://slack.com/api/")
    starleads_api_key: SecretStr | None = None
    starleads_key_encryption_keys: SecretStr | None = None
    starleads_api_url: AnyHttpUrl = AnyHttpUrl("https://api.starleads.co")
    starleads_app_url: AnyHttpUrl = AnyHttpUrl("https://app.starleads.co")
    public_url: AnyHttpUrl | None = None
    starleads_timeout_seconds: Annotated[float, Field(gt=0, le=120)] = 20.0
    starleads_late_lookup_seconds: tuple[Annotated[float, Field(ge=0, le=3600)], ...] = (
        5.0,
        15.0,
        45.0,
        120.0,
    )
    result_claim_lease_seconds: Annotated[float, Field(ge=1, le=300)] = DEFAULT_LEASE_SECONDS
    result_claim_stale_seconds: Annotated[float, Field(gt=0, le=86400)] | None = None  # its old name
    result_forward_backoff_seconds: Annotated[
        tuple[Annotated[float, Field(ge=0, le=86400)], ...], Field(max_length=10)
    ] = (10.0, 60.0, 300.0, 1800.0, 7200.0)
    result_forward_private_addresses: bool = False
    allowed_users: str = ""
    allowed_channels: str = ""
    default_language: Language = "en"
    port: Annotated[int, Field(ge=1, le=65535)] = 3000
    metrics_token: SecretStr | None = None  # set: GET /metrics wants `Authorization: Bearer <it>`
    web_concurrency: Annotated[int, Field(ge=1)] = 1  # `serve`'s worker processes behind PORT

    @field_validator("slack_bot_token")
    @classmethod
    def _bot_token_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().startswith("xoxb-"):
            raise ValueError("must be a bot token starting with xoxb-")
        return value

    @field_validator("slack_client_id")
    @classmethod
    def _client_id_shape(cls, value: str | None) -> str | None:
        if value is not None and not _CLIENT_ID.fullmatch(value):
            raise ValueError(
                "must be the app's Client ID from Basic Information (two numbers joined by a dot)"
            )
        return value

    @field_validator("starleads_key_encryption_keys")
    @classmethod
    def _fernet_keys(cls, value: SecretStr | None) -> SecretStr | None:
        return None if value is None else check_encryption_keys(value)

    @field_validator("default_language", mode="before")
    @classmethod
    def _known_language(cls, value: object) -> object:
        """`fr` or `FR`: anything else is named plainly rather than in pydantic's words."""
        language = str(value).strip().lower()
        if language not in LANGUAGES:
            raise ValueError(f"must be one of {', '.join(LANGUAGES)} (English or French)")
        return language

    @field_validator("slack_app_token")
    @classmethod
    def _app_token_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().startswith("xapp-"):
            raise ValueError("must be an app-level token starting with xapp-")
        return value

    @field_validator("slack_api_url")
    @classmethod
    def _trailing_slash(cls, value: AnyHttpUrl) -> AnyHttpUrl:
        text = str(value)
        return value if text.endswith("/") else AnyHttpUrl(text + "/")

    @field_validator("allowed_users", "allowed_channels")
    @classmethod
    def _slack_ids(cls, value: str, info: ValidationInfo) -> str:
        shape = _USER_OR_GROUP_ID if info.field_name == "allowed_users" else _CHANNEL_ID
        wrong = [item for item in _split_ids(value) if not shape.fullmatch(item)]
        if wrong:
            kind = (
                "user (U…/W…) or user group (S…)"
                if info.field_name == "allowed_users"
                else "channel (C…/G…/D…)"
            )
            raise ValueError(f"must list Slack {kind} IDs separated by commas; {wrong[0][:20]!r} is not one")
        return value

    @model_validator(mode="after")
    def _one_mode(self) -> Settings:
        single = {"SLACK_BOT_TOKEN": self.slack_bot_token, "STARLEADS_API_KEY": self.starleads_api_key}
        distribution = {
            "SLACK_CLIENT_ID": self.slack_client_id,
            "SLACK_CLIENT_SECRET": self.slack_client_secret,
            "STARLEADS_KEY_ENCRYPTION_KEYS": self.starleads_key_encryption_keys,
        }
        single_set = [name for name, value in single.items() if value is not None]
        distribution_set = [name for name, value in distribution.items() if value is not None]
        if single_set and distribution_set:
            raise ValueError(
                f"{' and '.join(single_set)} (one workspace) and {' and '.join(distribution_set)} "
                "(distribution to many workspaces) are both set: keep one mode's settings"
            )
        wanted = distribution if distribution_set else single
        missing = [name for name, value in wanted.items() if value is None]
        if missing:
            raise ValueError("; ".join(f"{name} is missing" for name in missing))
        return self

    @model_validator(mode="after")
    def _distribution_limits(self) -> Settings:
        """What a distributed bot can't do: Socket Mode (the install needs Slack's OAuth redirect, an
        HTTP route), and user groups in ALLOWED_USERS (reading one needs the token of its workspace;
        user and channel IDs are the same in every workspace, so those still work)."""
        if not self.distribution:
            return self
        if self.slack_app_token is not None:
            raise ValueError(
                "SLACK_APP_TOKEN (Socket Mode) can't be used with SLACK_CLIENT_ID: a distributed bot is "
                "installed through Slack's OAuth redirect, which needs HTTP mode and PUBLIC_URL"
            )
        if any(item.startswith("S") for item in _split_ids(self.allowed_users)):
            raise ValueError(
                "ALLOWED_USERS can list user IDs only, not user groups (S…), when the bot is distributed"
            )
        return self

    @model_validator(mode="after")
    def _http_mode_needs_signing_secret(self) -> Settings:
        if self.slack_app_token is None and not self.slack_signing_secret:
            raise ValueError(
                "SLACK_SIGNING_SECRET is missing: HTTP mode needs it to verify Slack's requests "
                "(or set SLACK_APP_TOKEN to use Socket Mode)"
            )
        return self

    @model_validator(mode="after")
    def _workers_share_a_database_and_the_port(self) -> Settings:
        """Several workers (WEB_CONCURRENCY) share one database and Slack's requests to one port: a SQLite
        file is one process's database, and Socket Mode's requests don't come through the port."""
        if self.web_concurrency == 1:
            return self
        if self.database_url.startswith("sqlite"):
            raise ValueError(
                "WEB_CONCURRENCY above 1 needs PostgreSQL: set DATABASE_URL to a postgresql:// URL "
                "(a SQLite file serves one process)"
            )
        if self.socket_mode:
            raise ValueError(
                "WEB_CONCURRENCY above 1 needs HTTP mode: in Socket Mode Slack's requests come over a "
                "WebSocket, not through the port the workers share (unset SLACK_APP_TOKEN, or run one worker)"
            )
        return self

    @model_validator(mode="after")
    def _claim_lease_by_its_old_name(self) -> Settings:
        """RESULT_CLAIM_STALE_SECONDS, the lease's name before claims had a heartbeat, still counts when
        the new name is not set: as the lease, kept within 1 s and the default, since a longer one
        would only delay the recovery after a crash."""
        old = self.result_claim_stale_seconds
        if old is not None and "result_claim_lease_seconds" not in self.model_fields_set:
            self.result_claim_lease_seconds = min(max(old, 1.0), DEFAULT_LEASE_SECONDS)
        return self

    @property
    def socket_mode(self) -> bool:
        return self.slack_app_token is not None

    @property
    def distribution(self) -> bool:
        """Installed by any workspace through OAuth, each with its own Starleads key."""
        return self.slack_client_id is not None

    @property
    def encryption_keys(self) -> list[str]:
        """The Fernet keys for Starleads keys at rest, newest first (distribution mode)."""
        keys = self.starleads_key_encryption_keys
        return split_encryption_keys(keys.get_secret_value()) if keys else []

    @property
    def allowed_user_ids(self) -> frozenset[str]:
        return frozenset(_split_ids(self.allowed_users))

    @property
    def allowed_channel_ids(self) -> frozenset[str]:
        return frozenset(_split_ids(self.allowed_channels))

    def secrets(self) -> list[str]:
        """Every secret value, so logging can mask them wherever they might surface."""
        values = [
            self.slack_bot_token,
            self.slack_client_secret,
            self.slack_signing_secret,
            self.slack_app_token,
            self.starleads_api_key,
            self.metrics_token,
        ]
        secrets = [v.get_secret_value() for v in values if v is not None and v.get_secret_value()]
        return secrets + self.encryption_keys


class EncryptionKeySettings(DatabaseSettings):
    """What `starleads-bot keys rotate` needs: the database and the encryption keys, no Slack secret."""

    starleads_key_encryption_keys: SecretStr

    @field_validator("starleads_key_encryption_keys")
    @classmethod
    def _fernet_keys(cls, value: SecretStr) -> SecretStr:
        return check_encryption_keys(value)

    @property
    def encryption_keys(self) -> list[str]:
        return split_encryption_keys(self.starleads_key_encryption_keys.get_secret_value())


def check_encryption_keys(value: SecretStr) -> SecretStr:
    """`STARLEADS_KEY_ENCRYPTION_KEYS` as given, once each of its keys is known to be a Fernet key."""
    from cryptography.fernet import Fernet  # only a distributed bot has keys: not every start-up

    keys = split_encryption_keys(value.get_secret_value())
    if not keys:
        raise ValueError("must list at least one key: generate one with `starleads-bot keys new`")
    for position, key in enumerate(keys, start=1):
        try:
            Fernet(key)
        except ValueError:
            raise ValueError(
                f"key {position} is not a Fernet key (32 url-safe base64-encoded bytes): "
                "generate one with `starleads-bot keys new`"
            ) from None
    return value


def split_encryption_keys(value: str) -> list[str]:
    """`STARLEADS_KEY_ENCRYPTION_KEYS`: comma-separated, newest first."""
    return [key.strip() for key in value.split(",") if key.strip()]


def _split_ids(value: str) -> list[str]:
    return [item for item in re.split(r"[\s,]+", value.strip()) if item]


def load_settings(env_file: str | None = ".env", kind: type[_S] = Settings) -> _S:  # type: ignore[assignment]
    """Read the settings, turning pydantic's report into one line a person can act on."""
    try:
        return kind(_env_file=env_file)  # type: ignore[call-arg]
    except ValidationError as error:
        raise ConfigError(_describe(error)) from None


_EXPECTED = {
    "missing": "is missing",
    "url_parsing": "must be a URL such as https://example.com",
    "url_scheme": "must be an http:// or https:// URL",
    "int_parsing": "must be a whole number",
    "float_parsing": "must be a number",
    "json_invalid": "must be a JSON list such as [5, 15, 45]",
    "tuple_type": "must be a JSON list such as [5, 15, 45]",
    "less_than_equal": "must be at most {le}",
    "greater_than_equal": "must be at least {ge}",
    "greater_than": "must be more than {gt}",
    "literal_error": "must be one of {expected}",
}


def _describe(error: ValidationError) -> str:
    parts = []
    for problem in error.errors(include_input=False):
        location = problem["loc"]
        if not location:
            parts.append(problem["msg"].removeprefix("Value error, "))
            continue
        name = str(location[0]).upper()
        limits = problem.get("ctx", {})
        expected = _EXPECTED.get(problem["type"], "").format(**limits) or problem["msg"].removeprefix(
            "Value error, "
        )
        parts.append(f"{name} {expected}")
    return "; ".join(parts)
