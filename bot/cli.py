"""`starleads-bot`: the command line (`serve`)."""

from __future__ import annotations

import argparse
import sys

from sqlalchemy.exc import SQLAlchemyError

from bot.config import ConfigError, load_settings
from bot.logs import configure_logging

EXIT_CONFIG_ERROR = 2


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="starleads-bot", description="Starleads campaigns from Slack.")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("serve", help="run the bot (HTTP on $PORT; Socket Mode when SLACK_APP_TOKEN is set)")
    arguments = parser.parse_args(argv)
    if arguments.command == "serve":
        return _serve()
    parser.error(f"unknown command {arguments.command}")
    return EXIT_CONFIG_ERROR


def _serve() -> int:
    try:
        settings = load_settings()
    except ConfigError as error:
        print(f"starleads-bot: configuration error: {error}", file=sys.stderr)
        return EXIT_CONFIG_ERROR
    configure_logging(settings.log_level, settings.secrets())
    from bot.server import serve
    from bot.services import Services

    try:
        services = Services.build(settings)
    except SQLAlchemyError as error:
        reason = type(getattr(error, "orig", None) or error).__name__
        print(
            f"starleads-bot: configuration error: DATABASE_URL cannot be opened ({reason})", file=sys.stderr
        )
        return EXIT_CONFIG_ERROR
    serve(services)
    return 0
