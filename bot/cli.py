"""`starleads-bot`: the command line.

- `serve`: run the bot: one process, or `WEB_CONCURRENCY` worker processes behind one port (`bot.workers`).
- `schedule "TEXT"`: show how the bot reads a calling schedule (JSON in the API's shape on stdout, the
  readable form on stderr), the way support checks what a user typed.
- `db upgrade`: bring the database's schema up to this version (start-up does it too; a release phase
  may want it first). Needs only DATABASE_URL. `db revision "MESSAGE"`, for developers, writes the next
  revision from what the tables gained.
- `check`: whether this deployment will work (settings, Slack's token and scopes, Starleads' key, the
  database's schema, PUBLIC_URL, stored keys): one line per check, exit 0 when all pass, 1 when one
  fails, 2 when the settings don't parse.
- `keys new`: print a new encryption key for workspaces' Starleads keys at rest (distribution mode), to
  put first in STARLEADS_KEY_ENCRYPTION_KEYS. `keys rotate`: re-encrypt every stored Starleads key with
  the newest one, after which older keys can go. Needs only DATABASE_URL and
  STARLEADS_KEY_ENCRYPTION_KEYS.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from bot import metrics_directory
from bot.config import ConfigError, DatabaseSettings, EncryptionKeySettings, Settings, load_settings
from bot.logs import Redactor, configure_logging

if TYPE_CHECKING:
    from sqlalchemy import Engine
    from starlette.applications import Starlette

_T = TypeVar("_T")

EXIT_USAGE_ERROR = 2
EXIT_UNREADABLE_KEYS = 1
EXIT_CHECK_FAILED = 1
_CONFIGURATION_ERROR = "configuration error: "  # a bad setting; `serve` says it of an unusable database too


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="starleads-bot", description="Starleads campaigns from Slack.")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("serve", help="run the bot (HTTP on $PORT; Socket Mode when SLACK_APP_TOKEN is set)")
    commands.add_parser("check", help="check that this deployment will work, one line per check")
    schedule = commands.add_parser("schedule", help="show how a calling schedule written in words is read")
    schedule.add_argument("text", help='e.g. "weekdays 9-12 and 2-5pm" or "du lundi au vendredi 9h-12h"')
    database = commands.add_parser("db", help="the bot's database")
    database_commands = database.add_subparsers(dest="db_command", required=True)
    database_commands.add_parser(
        "upgrade", help="apply the schema revisions the database lacks (start-up does it too)"
    )
    revision = database_commands.add_parser(
        "revision", help="for developers: write the next revision from the tables' changes"
    )
    revision.add_argument("message", help='what it changes, e.g. "workspace of every row"')
    keys = commands.add_parser("keys", help="encryption of workspaces' Starleads keys (distribution mode)")
    keys_commands = keys.add_subparsers(dest="keys_command", required=True)
    keys_commands.add_parser("new", help="print a new key to put first in STARLEADS_KEY_ENCRYPTION_KEYS")
    keys_commands.add_parser("rotate", help="re-encrypt every stored Starleads key with the newest key")
    arguments = parser.parse_args(argv)
    if arguments.command == "schedule":
        return _schedule(arguments.text)
    if arguments.command == "db":
        return _database(getattr(arguments, "message", None))
    if arguments.command == "check":
        return _check()
    if arguments.command == "keys":
        return _new_key() if arguments.keys_command == "new" else _rotate_keys()
    return _serve()


def _schedule(text: str) -> int:
    from bot.schedule import ScheduleError, parse_schedule

    try:
        schedule = parse_schedule(text)
    except ScheduleError as error:
        print(f"starleads-bot: {error}", file=sys.stderr)
        return EXIT_USAGE_ERROR
    print(json.dumps(schedule.to_api(), indent=2, ensure_ascii=False))
    print(schedule.render(), file=sys.stderr)
    return 0


def _database(revision_message: str | None) -> int:
    try:
        settings = load_settings(kind=DatabaseSettings)
    except ConfigError as error:
        print(f"starleads-bot: {_CONFIGURATION_ERROR}{error}", file=sys.stderr)
        return EXIT_USAGE_ERROR
    configure_logging(settings.log_level, [], settings.log_format)
    from bot.store import new_revision, schema_revision

    engine = _opened(settings.database_url)
    if engine is None:
        return EXIT_USAGE_ERROR
    if revision_message:
        written = new_revision(engine, revision_message)
        print(f"starleads-bot: wrote {written}: read it over before committing")
    else:
        print(f"starleads-bot: the database schema is at revision {schema_revision(engine)}, this version's")
    engine.dispose()
    return 0


def _new_key() -> int:
    from cryptography.fernet import Fernet

    print(Fernet.generate_key().decode("ascii"))
    print(
        "starleads-bot: put it first in STARLEADS_KEY_ENCRYPTION_KEYS (comma-separated, newest first), "
        "restart, then run `starleads-bot keys rotate`",
        file=sys.stderr,
    )
    return 0


def _rotate_keys() -> int:
    """Every stored key under the newest encryption key; exit 1 if any could not be read."""
    try:
        settings = load_settings(kind=EncryptionKeySettings)
    except ConfigError as error:
        print(f"starleads-bot: {_CONFIGURATION_ERROR}{error}", file=sys.stderr)
        return EXIT_USAGE_ERROR
    configure_logging(settings.log_level, settings.encryption_keys, settings.log_format)
    import asyncio

    from bot.store import ConnectionStore
    from bot.workspaces.connections import rotate_keys
    from bot.workspaces.keys import KeyVault

    engine = _opened(settings.database_url)
    if engine is None:
        return EXIT_USAGE_ERROR
    rotation = asyncio.run(rotate_keys(ConnectionStore(engine), KeyVault(settings.encryption_keys)))
    engine.dispose()
    for unreadable in rotation.unreadable:
        print(f"starleads-bot: {unreadable}; it was left as it is", file=sys.stderr)
    keys = "key" if rotation.rotated == 1 else "keys"
    print(f"starleads-bot: re-encrypted {rotation.rotated} Starleads {keys} with the newest encryption key")
    return EXIT_UNREADABLE_KEYS if rotation.unreadable else 0


def _check() -> int:
    import asyncio

    from bot.check import Outcome, report, run_checks, settings_failure

    try:
        settings = load_settings()
    except ConfigError as error:
        print(settings_failure(str(error)).line())
        return EXIT_USAGE_ERROR
    configure_logging("WARNING", settings.secrets(), settings.log_format)
    findings = asyncio.run(run_checks(settings))
    print(Redactor(settings.secrets())(report(findings)))
    return EXIT_CHECK_FAILED if any(finding.outcome is Outcome.FAIL for finding in findings) else 0


def _serve() -> int:
    try:
        settings = load_settings()
    except ConfigError as error:
        print(f"starleads-bot: {_CONFIGURATION_ERROR}{error}", file=sys.stderr)
        return EXIT_USAGE_ERROR
    several = settings.web_concurrency > 1
    configure_logging(settings.log_level, settings.secrets(), settings.log_format, process_ids=several)
    metrics_directory.empty_stale()  # bot.metrics is imported after this
    if several:
        return _serve_workers(settings)
    from bot import wiring
    from bot.server import serve

    bot = _unless_unusable(lambda: wiring.build(settings), prefix=_CONFIGURATION_ERROR)
    if bot is None:
        return EXIT_USAGE_ERROR
    serve(bot)
    return 0


def _serve_workers(settings: Settings) -> int:
    """WEB_CONCURRENCY workers behind one port: the schema upgraded here, once, before any starts."""
    engine = _opened(settings.database_url, prefix=_CONFIGURATION_ERROR)
    if engine is None:
        return EXIT_USAGE_ERROR
    engine.dispose()
    from bot.workers import serve_workers

    return serve_workers(settings.web_concurrency, settings.port)


def worker_app() -> Starlette:
    """One of `serve`'s workers (WEB_CONCURRENCY): uvicorn calls this in each worker process, which
    reads the environment the parent has checked and builds a bot of its own on the upgraded schema."""
    from uvicorn.config import STARTUP_FAILURE

    from bot import wiring
    from bot.server import create_web_app

    settings = load_settings()
    configure_logging(settings.log_level, settings.secrets(), settings.log_format, process_ids=True)
    bot = _unless_unusable(lambda: wiring.build(settings), prefix=_CONFIGURATION_ERROR)
    if bot is None:
        sys.exit(STARTUP_FAILURE)  # uvicorn's supervisor then stops every worker rather than retry
    return create_web_app(bot)


def _opened(url: str, prefix: str = "") -> Engine | None:
    """The database, its schema upgraded; None once the reason it can't be used is printed."""
    from bot.store import connect

    return _unless_unusable(lambda: connect(url), prefix)


def _unless_unusable(open_database: Callable[[], _T], prefix: str) -> _T | None:
    """What `open_database` returns; None once the reason the database can't be used is printed."""
    from sqlalchemy.exc import SQLAlchemyError

    from bot.store import SchemaTooNew

    try:
        return open_database()
    except SQLAlchemyError as error:
        print(f"starleads-bot: {prefix}{_unopenable(error)}", file=sys.stderr)
    except SchemaTooNew as error:
        print(f"starleads-bot: {error}", file=sys.stderr)
    return None


def _unopenable(error: Exception) -> str:
    """The database failure in one line: the driver's error class, never the URL (it may hold a password)."""
    return f"DATABASE_URL cannot be opened ({type(getattr(error, 'orig', None) or error).__name__})"
