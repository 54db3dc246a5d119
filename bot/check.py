"""`starleads-bot check`: whether this deployment will work, before its users find out.

One line per check; a failing one says how to fix it. Nothing is changed (the database's schema is
read, never upgraded) and no secret is printed: lines name settings, never their values.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

import aiohttp
import httpx
from slack_sdk.errors import SlackApiError
from sqlalchemy import Engine, make_url
from sqlalchemy.exc import SQLAlchemyError

from bot.config import Settings
from bot.slack.app import BOT_SCOPES, slack_client
from bot.starleads import (
    StarleadsAuthError,
    StarleadsClient,
    StarleadsRejected,
    StarleadsUnavailable,
    starleads_pool,
)
from bot.store import LATEST_REVISION, ConnectionStore, installed_workspaces, open_engine, schema_revision
from bot.workspaces.keys import KeyUnreadable, KeyVault

_PUBLIC_URL_TIMEOUT_SECONDS = 10.0


class Outcome(Enum):
    OK = "ok"
    FAIL = "FAIL"
    SKIPPED = "skip"


@dataclass(frozen=True)
class Finding:
    """One check's line: what was found and, when it failed, how to fix it."""

    name: str
    outcome: Outcome
    detail: str
    fix: str = ""

    def line(self) -> str:
        fix = f" → {self.fix}" if self.fix else ""
        return f"{self.outcome.value:<4}  {self.name}: {self.detail}{fix}"


def settings_failure(error: str) -> Finding:
    return Finding(
        "settings",
        Outcome.FAIL,
        error,
        "fix the variable named in the environment or .env (see .env.example)",
    )


async def run_checks(settings: Settings) -> list[Finding]:
    """Every check that applies to these settings, in the order an operator would fix them."""
    findings = [Finding("settings", Outcome.OK, _mode(settings))]
    engine, database = await _database(settings.database_url)
    findings.append(database)
    if settings.distribution:
        findings += await _installations(settings, engine if database.outcome is Outcome.OK else None)
    else:
        findings += await _slack_token(settings)
        findings.append(await _starleads_key(settings))
    findings.append(await _public_url(settings))
    if engine is not None:
        engine.dispose()
    return findings


def report(findings: list[Finding]) -> str:
    """The lines, then a summary."""
    failed = sum(finding.outcome is Outcome.FAIL for finding in findings)
    skipped = sum(finding.outcome is Outcome.SKIPPED for finding in findings)
    summary = f"{failed} of {len(findings)} checks failed" if failed else f"all {len(findings)} checks passed"
    if skipped:
        summary += f" ({skipped} skipped)"
    return "\n".join([*(finding.line() for finding in findings), summary])


def _mode(settings: Settings) -> str:
    """In HTTP mode the settings can't parse without SLACK_SIGNING_SECRET, and only Slack's next request
    can tell whether it is the right one: the line says where that shows."""
    if settings.socket_mode:
        return "they parse: one workspace, Socket Mode"
    workspaces = "distribution to many workspaces" if settings.distribution else "one workspace"
    return f"they parse: {workspaces}, HTTP mode ({_SIGNED_REQUESTS})"


_SIGNED_REQUESTS = (
    "Slack's requests are checked with SLACK_SIGNING_SECRET; a wrong one logs slack_request_unverified"
)


async def _slack_token(settings: Settings) -> list[Finding]:
    """`auth.test` with the bot token, then its scopes (Slack lists them in `x-oauth-scopes`)."""
    try:
        answer = await slack_client(settings).auth_test()
    except SlackApiError as error:
        return [
            Finding(
                "slack token",
                Outcome.FAIL,
                f"Slack refused SLACK_BOT_TOKEN ({error.response.get('error')})",
                "copy the Bot User OAuth Token (xoxb-…) from the app's OAuth & Permissions page; "
                "reinstall the app to the workspace if it was revoked",
            )
        ]
    except (aiohttp.ClientError, TimeoutError, OSError) as error:
        where = f"Slack's Web API at {settings.slack_api_url}"
        return [_unreachable("slack token", where, error, "check SLACK_API_URL and the network")]
    headers = {name.lower(): value for name, value in answer.headers.items()}
    granted = {scope.strip() for scope in str(headers.get("x-oauth-scopes", "")).split(",")}
    token = Finding(
        "slack token", Outcome.OK, f"Slack accepts SLACK_BOT_TOKEN (workspace {answer.get('team_id')})"
    )
    missing = [scope for scope in BOT_SCOPES if scope not in granted]
    if missing:
        scopes = Finding(
            "slack scopes",
            Outcome.FAIL,
            f"the bot token lacks {', '.join(missing)}, which manifest.yml asks for",
            "add them under OAuth & Permissions (or update the app from manifest.yml), then reinstall "
            "the app to the workspace",
        )
    else:
        scopes = Finding("slack scopes", Outcome.OK, "the bot token has every scope manifest.yml asks for")
    return [token, scopes]


async def _starleads_key(settings: Settings) -> Finding:
    """ "Get all campaigns" with the operator's key: what every create and late lookup relies on."""
    api_key = settings.starleads_api_key
    if api_key is None:
        raise ValueError("one-workspace settings always have STARLEADS_API_KEY")
    pool = starleads_pool(str(settings.starleads_api_url), timeout_seconds=settings.starleads_timeout_seconds)
    try:
        campaigns = await StarleadsClient(pool, api_key.get_secret_value()).list_campaigns()
    except StarleadsAuthError as error:
        return Finding(
            "starleads key",
            Outcome.FAIL,
            f"Starleads refused STARLEADS_API_KEY ({error.status})",
            "copy the key from Starleads (your profile → API key)",
        )
    except StarleadsUnavailable as error:
        return Finding(
            "starleads key",
            Outcome.FAIL,
            f"Starleads at {settings.starleads_api_url} can't be reached or failed: {error}",
            "check STARLEADS_API_URL, or try again later",
        )
    except StarleadsRejected as error:
        return Finding(
            "starleads key",
            Outcome.FAIL,
            f"Starleads answered {error.status} to Get all campaigns",
            "check STARLEADS_API_URL points at Starleads' API",
        )
    finally:
        await pool.aclose()
    return Finding(
        "starleads key", Outcome.OK, f"Starleads accepts STARLEADS_API_KEY ({len(campaigns)} campaigns)"
    )


async def _database(url: str) -> tuple[Engine | None, Finding]:
    """The database's schema revision, read without upgrading it (nor creating a SQLite file)."""
    path = make_url(url).database if url.startswith("sqlite") else None
    if path and path != ":memory:" and not await asyncio.to_thread(Path(path).exists):
        return None, Finding(
            "database",
            Outcome.FAIL,
            f"there is no SQLite database at {path}",
            "check the path in DATABASE_URL (starting the bot creates the file there)",
        )
    try:
        engine = open_engine(url)
        revision = await asyncio.to_thread(schema_revision, engine)
    except SQLAlchemyError as error:
        cause = type(getattr(error, "orig", None) or error).__name__
        return None, Finding(
            "database",
            Outcome.FAIL,
            f"DATABASE_URL cannot be opened ({cause})",
            "check its host, port, credentials and database name, and that the database server is up",
        )
    if revision == LATEST_REVISION:
        return engine, Finding(
            "database", Outcome.OK, f"reachable, schema at revision {revision} (this version's)"
        )
    behind = revision is None or revision < LATEST_REVISION
    fix = (
        "run `starleads-bot db upgrade` (starting the bot also does it)"
        if behind
        else "run the newer version of the bot that upgraded it, or restore a backup"
    )
    return engine, Finding(
        "database",
        Outcome.FAIL,
        f"the schema is at revision {revision or 'none'}, this version needs {LATEST_REVISION}",
        fix,
    )


async def _installations(settings: Settings, engine: Engine | None) -> list[Finding]:
    """Distribution mode: each workspace brings its own Slack token and Starleads key, so count them,
    and make sure the encryption keys open every stored Starleads key."""
    if engine is None:
        return [Finding("installations", Outcome.SKIPPED, "the database can't be read (see above)")]
    client_id = settings.slack_client_id or ""
    installed = await asyncio.to_thread(installed_workspaces, engine, client_id)
    stored = await ConnectionStore(engine).all()
    vault = KeyVault(settings.encryption_keys)
    unreadable = []
    for connection in stored:
        try:
            vault.decrypt(connection.encrypted_key, workspace=connection.workspace)
        except KeyUnreadable:
            unreadable.append(connection.workspace)
    counts = Finding(
        "installations",
        Outcome.OK,
        f"{installed} workspace(s) installed, {len(stored)} connected to Starleads",
    )
    if unreadable:
        keys = Finding(
            "encryption keys",
            Outcome.FAIL,
            f"the Starleads keys of {len(unreadable)} workspace(s) can't be read with "
            f"STARLEADS_KEY_ENCRYPTION_KEYS: {', '.join(sorted(unreadable))}",
            "put back the encryption key they were stored under (after the newest), or have those "
            "workspaces connect again with `/starleads connect`",
        )
    else:
        keys = Finding(
            "encryption keys", Outcome.OK, f"STARLEADS_KEY_ENCRYPTION_KEYS open all {len(stored)} stored keys"
        )
    return [counts, keys]


async def _public_url(settings: Settings) -> Finding:
    """`PUBLIC_URL`'s `/healthz`, from here: what Starleads and Slack's OAuth redirect will reach."""
    if settings.public_url is None:
        return Finding(
            "public url",
            Outcome.SKIPPED,
            "PUBLIC_URL is not set: Starleads can't send call results to this bot",
        )
    health_url = str(settings.public_url).rstrip("/") + "/healthz"
    try:
        async with httpx.AsyncClient(timeout=_PUBLIC_URL_TIMEOUT_SECONDS) as client:
            answer = await client.get(health_url)
        mode = answer.json().get("mode") if answer.status_code in (200, 503) else None
    except (httpx.HTTPError, ValueError, AttributeError) as error:
        return _unreachable(
            "public url", health_url, error, "point PUBLIC_URL at this bot's public https address"
        )
    if mode is None:
        return Finding(
            "public url",
            Outcome.FAIL,
            f"{health_url} answered {answer.status_code}, not this bot's health check",
            "point PUBLIC_URL at this bot's public https address (the proxy that forwards to its PORT)",
        )
    state = "healthy" if answer.status_code == 200 else "running, but not ready (see its /healthz)"
    return Finding("public url", Outcome.OK, f"{health_url} reaches a starleads-bot ({state})")


def _unreachable(name: str, what: str, error: BaseException, fix: str) -> Finding:
    return Finding(name, Outcome.FAIL, f"{what} can't be reached ({type(error).__name__})", fix)
