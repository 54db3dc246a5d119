"""`starleads-bot`: the command line.

- `serve`: run the bot.
- `schedule "TEXT"`: show how the bot reads a calling schedule (JSON in the API's shape on stdout, the
  readable form on stderr), the way support checks what a user typed.
- `db upgrade`: bring the database's schema up to this version (start-up does it too; a release phase
  may want it first). Needs only DATABASE_URL. `db revision "MESSAGE"`, for developers, writes the next
  revision from what the tables gained.
"""

from __future__ import annotations

import argparse
import json
import sys

from bot.config import ConfigError, DatabaseSettings, load_settings
from bot.logs import configure_logging

EXIT_USAGE_ERROR = 2


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="starleads-bot", description="Starleads campaigns from Slack.")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("serve", help="run the bot (HTTP on $PORT; Socket Mode when SLACK_APP_TOKEN is set)")
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
    arguments = parser.parse_args(argv)
    if arguments.command == "schedule":
        return _schedule(arguments.text)
    if arguments.command == "db":
        return _database(getattr(arguments, "message", None))
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
        print(f"starleads-bot: configuration error: {error}", file=sys.stderr)
        return EXIT_USAGE_ERROR
    configure_logging(settings.log_level, [])
    from sqlalchemy.exc import SQLAlchemyError

    from bot.store import SchemaTooNew, connect, new_revision, schema_revision

    try:
        engine = connect(settings.database_url)
    except SQLAlchemyError as error:
        print(f"starleads-bot: {_unopenable(error)}", file=sys.stderr)
        return EXIT_USAGE_ERROR
    except SchemaTooNew as error:
        print(f"starleads-bot: {error}", file=sys.stderr)
        return EXIT_USAGE_ERROR
    if revision_message:
        written = new_revision(engine, revision_message)
        print(f"starleads-bot: wrote {written}: read it over before committing")
    else:
        print(f"starleads-bot: the database schema is at revision {schema_revision(engine)}, this version's")
    engine.dispose()
    return 0


def _serve() -> int:
    try:
        settings = load_settings()
    except ConfigError as error:
        print(f"starleads-bot: configuration error: {error}", file=sys.stderr)
        return EXIT_USAGE_ERROR
    configure_logging(settings.log_level, settings.secrets())
    from sqlalchemy.exc import SQLAlchemyError

    from bot import wiring
    from bot.server import serve
    from bot.store import SchemaTooNew

    try:
        bot = wiring.build(settings)
    except SQLAlchemyError as error:
        print(f"starleads-bot: configuration error: {_unopenable(error)}", file=sys.stderr)
        return EXIT_USAGE_ERROR
    except SchemaTooNew as error:
        print(f"starleads-bot: {error}", file=sys.stderr)
        return EXIT_USAGE_ERROR
    serve(bot)
    return 0


def _unopenable(error: Exception) -> str:
    """The database failure in one line: the driver's error class, never the URL (it may hold a password)."""
    return f"DATABASE_URL cannot be opened ({type(getattr(error, 'orig', None) or error).__name__})"
