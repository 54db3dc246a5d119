"""The Bolt app: Slack's side of the bot."""

from __future__ import annotations

import logging
import time
from typing import Any

from aiohttp import ClientConnectorError, ClientOSError, ServerDisconnectedError
from slack_bolt.async_app import AsyncApp
from slack_bolt.logger.messages import warning_client_prioritized_and_token_skipped
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import async_default_handlers
from slack_sdk.http_retry.builtin_interval_calculators import FixedValueRetryIntervalCalculator
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.oauth.state_store.async_state_store import AsyncOAuthStateStore
from slack_sdk.web.async_client import AsyncWebClient

from bot.config import Settings
from bot.logs import bind_request
from bot.metrics import ACK_SECONDS
from bot.slack.api_metrics import SlackApiErrors
from bot.slack.installations import ROTATE_MINUTES_BEFORE_EXPIRY, InstalledAuthorize, InstalledBots
from bot.slack.payload_shape import refuse_malformed
from bot.slack.request_middleware import Next, RequestMiddleware

logger = logging.getLogger(__name__)

_SLACK_API_TIMEOUT_SECONDS = 10
# A pooled connection Slack has just closed fails a call at once; the next pooled one may be as old.
_DROPPED_CONNECTION_RETRIES = 2


BOT_SCOPES = (
    "commands",
    "chat:write",
    "chat:write.public",
    "channels:history",
    "groups:history",
    "usergroups:read",
    "users:read",
)
"""What an install asks Slack for: manifest.yml's bot scopes (a test holds the two together)."""
INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"
OAUTH_STATE_SECONDS = 600  # how long an "Add to Slack" link stays good


def slack_client(settings: Settings) -> AsyncWebClient:
    """The app's Web API client, on the configured Web API: `oauth.v2.access` and every other call.
    Without a token in distribution mode; each request's and each workspace's copy carries one."""
    return AsyncWebClient(
        token=settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None,
        base_url=str(settings.slack_api_url),
        timeout=_SLACK_API_TIMEOUT_SECONDS,
        logger=logging.getLogger("bot.slack.web"),
        retry_handlers=[SlackApiErrors(), DroppedConnectionRetry(), *async_default_handlers()],
    )


class DroppedConnectionRetry(AsyncRetryHandler):
    """A call whose kept-alive connection Slack had just closed (HTTP/1.1 lets a server drop an idle one
    at any moment: the call meets a disconnect or a reset) goes again at once on another connection,
    rather than after slack_sdk's backoff of 0.5-1.5 s: a form's trigger lives 3 s. A connection that
    can't be opened at all (`ClientConnectorError`) is not this: it keeps the backoff."""

    def __init__(self) -> None:
        super().__init__(_DROPPED_CONNECTION_RETRIES, FixedValueRetryIntervalCalculator(0.0))

    async def _can_retry_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        dropped = isinstance(error, ServerDisconnectedError | ClientOSError)
        return dropped and not isinstance(error, ClientConnectorError)


def create_bolt_app(
    settings: Settings,
    client: AsyncWebClient,
    installed: tuple[InstalledBots, AsyncOAuthStateStore] | None = None,
) -> AsyncApp:
    """Bolt's app on `client`, with the payload check and the error handler; in distribution mode
    (`installed`: the installations and the OAuth states) with Slack's OAuth install flow. The
    listeners are registered by the wiring."""
    signing_secret = settings.slack_signing_secret
    bolt_logger = logging.getLogger("bot.slack.bolt")
    bolt_logger.addFilter(_not_the_token_warning)
    app = _TimedApp(
        # Named, or Bolt reads the whole call stack's source at start-up (inspect.stack) to name it.
        name="starleads-bot",
        client=client,
        signing_secret=signing_secret.get_secret_value() if signing_secret else "",
        # HTTP requests are verified at the door (bot.slack.signature) before Bolt parses them.
        request_verification_enabled=False,
        # Answer Slack as soon as a listener returns (no polling); listeners hand slow work to AfterAck.
        process_before_response=True,
        logger=bolt_logger,
        **(_oauth(settings, *installed) if installed else {}),
    )
    # First, so that every line logged for the request (and the work it hands off) carries its ids.
    app.use(RequestMiddleware(_bind_request_ids))
    app.use(RequestMiddleware(refuse_malformed))

    @app.error
    async def report_error(error: Exception, body: dict[str, Any]) -> BoltResponse:
        """A bug must never show a traceback to a user: log it, answer Slack plainly."""
        logger.exception("listener_failed type=%s", body.get("type"), exc_info=error)
        return BoltResponse(status=500, body="")

    return app


def _not_the_token_warning(record: logging.LogRecord) -> bool:
    """Bolt reads SLACK_BOT_TOKEN from the environment itself and, given the client that already
    carries it, warns at every start that it "will be unused": true, and nothing for an operator to do."""
    return record.getMessage() != warning_client_prioritized_and_token_skipped()


class _TimedApp(AsyncApp):
    """Bolt's app, each answer to Slack timed by the kind of request it answers (listeners answer
    first, then work): around the whole dispatch, as Bolt's middleware chain is flat and cannot wrap
    a listener."""

    async def async_dispatch(self, req: AsyncBoltRequest) -> BoltResponse:
        started = time.perf_counter()
        try:
            return await super().async_dispatch(req)
        finally:
            ACK_SECONDS.labels(_ack_kind(req.body)).observe(time.perf_counter() - started)


_ACK_KINDS = {
    "view_submission": "submission",
    "block_actions": "action",
    "block_suggestion": "options",
    "view_closed": "view_closed",
    "shortcut": "shortcut",
    "message_action": "shortcut",
    "event_callback": "event",
}


async def _bind_request_ids(request: AsyncBoltRequest, proceed: Next) -> None:
    context, body = request.context, request.body
    view = body.get("view") if isinstance(body, dict) else None
    bind_request(
        workspace=context.enterprise_id if context.is_enterprise_install else context.team_id,
        channel=context.channel_id,
        view=view.get("id") if isinstance(view, dict) else None,
    )
    await proceed()


def _ack_kind(body: object) -> str:
    if not isinstance(body, dict):
        return "other"
    return "command" if "command" in body else _ACK_KINDS.get(str(body.get("type")), "other")


def _oauth(settings: Settings, bots: InstalledBots, states: AsyncOAuthStateStore) -> dict[str, Any]:
    """AsyncApp's arguments for distribution: the install flow, and the authorize that reads the
    cached installations."""
    public_url = str(settings.public_url).rstrip("/") if settings.public_url else None
    secret = settings.slack_client_secret
    oauth_settings = AsyncOAuthSettings(
        client_id=settings.slack_client_id,
        client_secret=secret.get_secret_value() if secret else None,
        scopes=list(BOT_SCOPES),
        user_scopes=[],
        redirect_uri=f"{public_url}{REDIRECT_PATH}" if public_url else None,
        install_path=INSTALL_PATH,
        redirect_uri_path=REDIRECT_PATH,
        installation_store=bots,
        state_store=states,
        state_expiration_seconds=OAUTH_STATE_SECONDS,
        token_rotation_expiration_minutes=ROTATE_MINUTES_BEFORE_EXPIRY,
        logger=logging.getLogger("bot.slack.oauth"),
    )
    return {"oauth_settings": oauth_settings, "authorize": InstalledAuthorize(bots)}
