"""The Bolt app: Slack's side of the bot."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.response import BoltResponse

from bot.config import Settings
from bot.slack.payload_shape import refuse_malformed

logger = logging.getLogger(__name__)

_SLACK_API_TIMEOUT_SECONDS = 10


def create_bolt_app(settings: Settings) -> AsyncApp:
    """Bolt's app, pointed at the configured Web API, with the payload check and the error handler;
    the listeners are registered by the wiring."""
    signing_secret = settings.slack_signing_secret
    app = AsyncApp(
        token=settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None,
        signing_secret=signing_secret.get_secret_value() if signing_secret else "",
        # HTTP requests are verified at the door (bot.slack.signature) before Bolt parses them.
        request_verification_enabled=False,
        # Answer Slack as soon as a listener returns (no polling); listeners hand slow work to AfterAck.
        process_before_response=True,
        logger=logging.getLogger("bot.slack.bolt"),
    )
    # Bolt builds its own client (user agent, logger); point it at the configured Web API.
    app.client.base_url = str(settings.slack_api_url)
    app.client.timeout = _SLACK_API_TIMEOUT_SECONDS
    app.middleware(refuse_malformed)

    @app.error
    async def report_error(error: Exception, body: dict[str, Any]) -> BoltResponse:
        """A bug must never show a traceback to a user: log it, answer Slack plainly."""
        logger.exception("listener_failed type=%s", body.get("type"), exc_info=error)
        return BoltResponse(status=500, body="")

    return app
