"""`starleads-bot`: the command line.

- `serve`: run the bot.
- `schedule "TEXT"`: show how the bot reads a calling schedule (JSON in the API's shape on stdout, the
  readable form on stderr), the way support checks what a user typed.
"""

from __future__ import annotations

import argparse
import json
import sys

from bot.config import ConfigError, load_settings
from bot.logs import configure_logging

EXIT_USAGE_ERROR = 2


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="starleads-bot", description="Starleads campaigns from Slack.")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("serve", help="run the bot (HTTP on $PORT; Socket Mode when SLACK_APP_TOKEN is set)")
    schedule = commands.add_parser("schedule", help="show how a calling schedule written in words is read")
    schedule.add_argument("text", help='e.g. "weekdays 9-12 and 2-5pm" or "du lundi au vendredi 9h-12h"')
    arguments = parser.parse_args(argv)
    if arguments.command == "schedule":
        return _schedule(arguments.text)
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


def _serve() -> int:
    try:
        settings = load_settings()
    except ConfigError as error:
        print(f"starleads-bot: configuration error: {error}", file=sys.stderr)
        return EXIT_USAGE_ERROR
    configure_logging(settings.log_level, settings.secrets())
    from sqlalchemy.exc import SQLAlchemyError

    from bot.server import serve
    from bot.services import Services

    try:
        services = Services.build(settings)
    except SQLAlchemyError as error:
        reason = type(getattr(error, "orig", None) or error).__name__
        print(
            f"starleads-bot: configuration error: DATABASE_URL cannot be opened ({reason})", file=sys.stderr
        )
        return EXIT_USAGE_ERROR
    serve(services)
    return 0
