"""The HTTP server: Slack's requests, health checks and Starleads' call-result webhooks, under uvicorn."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import hmac
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TYPE_CHECKING

import aiohttp
import uvicorn
from prometheus_client import CONTENT_TYPE_LATEST
from slack_bolt.adapter.starlette.async_handler import AsyncSlackRequestHandler
from slack_sdk.errors import SlackApiError
from starlette.applications import Starlette
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from bot.call_results.address import WEBHOOK_PATH
from bot.http_body import BodyTooLarge, read_at_most, with_body
from bot.logs import bind_request
from bot.metrics import database_registry, exposition
from bot.schedule import warm_up as warm_up_schedule_language
from bot.slack.api_metrics import slack_api_timing
from bot.slack.signature import SlackSignature
from bot.wiring import Bot
from bot.workers import HOST, UVICORN_OPTIONS

if TYPE_CHECKING:
    from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

logger = logging.getLogger(__name__)

MAX_SLACK_BODY_BYTES = 256 * 1024
_SHUTDOWN_GRACE_SECONDS = 25.0
_DATABASE_PROBE_SECONDS = 3.0
_SOCKET_MODE_RETRY_SECONDS = 10.0  # slack_sdk's ping interval, which is also its wait between attempts


def create_web_app(bot: Bot) -> Starlette:
    """Slack at `POST /slack/events` (HTTP mode), Starleads' call results at their webhook addresses,
    `GET /healthz` for load balancers; the workers start and stop with the app."""
    settings = bot.settings

    readiness = _Readiness(bot)

    async def healthz(_: Request) -> Response:
        missing = await readiness.missing()
        body: dict[str, object] = {
            "status": "unavailable" if missing else "ok",
            "mode": "socket" if settings.socket_mode else "http",
            "background_work": bot.after_ack.in_flight,
        }
        if missing:
            body["missing"] = missing
        return JSONResponse(body, status_code=503 if missing else 200)

    database_counts = database_registry(bot.stored_counts)
    metrics_token = settings.metrics_token.get_secret_value().encode() if settings.metrics_token else None

    async def metrics(request: Request) -> Response:
        if metrics_token is not None and not _bearer_matches(request, metrics_token):
            return PlainTextResponse(
                "Unauthorized", status_code=401, headers={"WWW-Authenticate": 'Bearer realm="metrics"'}
            )
        # The database's counts are read while rendering: in a worker thread, off the event loop.
        text = await asyncio.to_thread(exposition, database_counts)
        return Response(text, media_type=CONTENT_TYPE_LATEST)

    async def receive_result(request: Request) -> Response:
        bind_request()
        return await bot.receive_result(request)

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        # What start-up left out, then the schedule language's dateparser tables (only rare time forms
        # need them), loaded in the background: neither start-up nor a user waits for them.
        loading = asyncio.create_task(bot.load_later(), name="load_later")
        loading.add_done_callback(_log_load_failure)
        warming = asyncio.create_task(_warm_up(loading))
        client = bot.bolt.client
        # One pooled session for every Web API call: slack_sdk otherwise opens a connection (and a TLS
        # handshake) per call, which `views.open` cannot afford inside its 3-second trigger window.
        client.session = aiohttp.ClientSession(trace_configs=[slack_api_timing(str(settings.slack_api_url))])
        resuming = asyncio.create_task(_resume_late_lookups(bot, loading))
        socket_mode, connecting = None, None
        groups = asyncio.create_task(bot.access.keep_groups_fresh(client)) if bot.access.has_groups else None
        if settings.socket_mode and settings.slack_app_token:
            # Imported here: an HTTP-mode bot never loads the WebSocket client.
            from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

            socket_mode = AsyncSocketModeHandler(
                bot.bolt,
                settings.slack_app_token.get_secret_value(),
                logger=_socket_mode_logger(),
                ping_interval=_SOCKET_MODE_RETRY_SECONDS,
            )
            readiness.socket_mode = socket_mode
            # In the background: slack_sdk retries until Slack answers, and start-up must not wait for it.
            connecting = asyncio.create_task(socket_mode.connect_async())
        posting = asyncio.create_task(bot.poster.run(), name="result_poster")
        forwarding = asyncio.create_task(_forward(bot, loading), name="result_forwarder")
        for worker in (posting, forwarding):
            worker.add_done_callback(_log_worker_end)
        logger.info("ready mode=%s", "socket" if socket_mode else "http")
        try:
            yield
        finally:
            # A reply in flight when the poster stops leaves its result `posting`: taken again once
            # its lease runs out, after reading the thread back for a reply that did get through.
            for task in (posting, forwarding, connecting, groups, warming, resuming, loading):
                if task:
                    task.cancel()
            if socket_mode:
                await socket_mode.close_async()
            await bot.after_ack.drain(_SHUTDOWN_GRACE_SECONDS)
            await client.session.close()
            await bot.close()

    routes = [
        Route("/healthz", healthz, methods=["GET"]),
        Route("/metrics", metrics, methods=["GET"]),
        Route(WEBHOOK_PATH, receive_result, methods=["POST"]),
    ]
    if not settings.socket_mode and settings.slack_signing_secret:
        signature = SlackSignature(settings.slack_signing_secret.get_secret_value())
        slack = AsyncSlackRequestHandler(bot.bolt)
        routes.append(Route("/slack/events", _slack_events(slack, signature), methods=["POST"]))
        oauth = bot.bolt.oauth_flow
        if oauth is not None:  # distribution: "Add to Slack", and Slack's redirect back (Bolt serves both)
            routes += [
                Route(path, slack.handle, methods=["GET"])
                for path in (oauth.install_path, oauth.redirect_uri_path)
            ]
    return Starlette(routes=routes, lifespan=lifespan)


class _Readiness:
    """What keeps Slack's traffic from reaching the bot now: the database not answering, or (Socket
    Mode) the WebSocket to Slack not connected. Empty when all is well."""

    def __init__(self, bot: Bot) -> None:
        self._bot = bot
        self.socket_mode: AsyncSocketModeHandler | None = None

    async def missing(self) -> dict[str, str]:
        missing = {}
        if self._bot.settings.socket_mode and not (
            self.socket_mode and await self.socket_mode.client.is_connected()
        ):
            missing["slack_connection"] = (
                "Socket Mode is not connected to Slack (the log's slack_connection_failed lines say why)"
            )
        if not await self._database_answers():
            missing["database"] = "the database does not answer (DATABASE_URL)"
        return missing

    async def _database_answers(self) -> bool:
        try:
            return await asyncio.wait_for(
                asyncio.to_thread(self._bot.database_answers), _DATABASE_PROBE_SECONDS
            )
        except TimeoutError:
            return False


def _bearer_matches(request: Request, token: bytes) -> bool:
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token)


class _ConnectFailureInOneLine(logging.Filter):
    """slack_sdk logs a traceback each time Socket Mode fails to connect (every `retry_seconds`): one
    line instead, with the cause and when it tries again."""

    def __init__(self, retry_seconds: float) -> None:
        super().__init__()
        self._retry_seconds = retry_seconds

    def filter(self, record: logging.LogRecord) -> bool:
        if str(record.msg).startswith("Failed to retrieve WSS URL"):
            return False  # said again, with its traceback, by the "Failed to connect" that follows
        if record.exc_info and str(record.msg).startswith("Failed to connect"):
            error = record.exc_info[1]
            cause = error.response.get("error") if isinstance(error, SlackApiError) else type(error).__name__
            record.msg, record.args = (
                "slack_connection_failed error=%s retry_in=%gs",
                (
                    cause,
                    self._retry_seconds,
                ),
            )
            record.exc_info, record.exc_text = None, None
            record.levelno, record.levelname = logging.WARNING, "WARNING"
        return True


def _socket_mode_logger() -> logging.Logger:
    socket_logger = logging.getLogger("bot.slack.socket")
    if not socket_logger.filters:
        socket_logger.addFilter(_ConnectFailureInOneLine(_SOCKET_MODE_RETRY_SECONDS))
    return socket_logger


def _slack_events(
    slack: AsyncSlackRequestHandler, signature: SlackSignature
) -> Callable[[Request], Awaitable[Response]]:
    """`POST /slack/events`: size-limited, verified before anything parses the body, then Bolt."""

    async def slack_events(request: Request) -> Response:
        try:
            body = await read_at_most(request, MAX_SLACK_BODY_BYTES)
        except BodyTooLarge:
            return PlainTextResponse("Request body too large", status_code=413)
        except ClientDisconnect:
            return PlainTextResponse("Request body cut short", status_code=400)
        refusal = signature.refusal(body, request.headers)
        if refusal:
            logger.warning("slack_request_unverified reason=%s bytes=%d", refusal, len(body))
            return PlainTextResponse("Invalid request", status_code=401)
        try:
            return await slack.handle(with_body(request, body))
        except (ValueError, KeyError, TypeError, AttributeError, RecursionError) as error:
            # Bolt trusts the payload's shape while parsing it; a malformed one ends here.
            logger.warning("slack_request_malformed error=%s", type(error).__name__)
            return PlainTextResponse("Malformed request", status_code=400)

    return slack_events


def _log_worker_end(worker: asyncio.Task[None]) -> None:
    """A worker runs for the life of the process: one that ends otherwise than cancelled at shutdown has
    stopped posting or forwarding results, which the operator must hear of."""
    if worker.cancelled():
        return
    error = worker.exception()
    error_name = type(error).__name__ if error else "none"
    logger.error("worker_stopped worker=%s error=%s", worker.get_name(), error_name)


async def _forward(bot: Bot, loading: asyncio.Task[None]) -> None:
    """The forwarder, once `load_later` has built it after the Starleads connections (so that its own
    client finds httpx's transport loaded, rather than loading it on the event loop)."""
    await asyncio.wait([loading])
    await (await bot.forwarder.get()).run()


def _log_load_failure(loading: asyncio.Task[None]) -> None:
    """What start-up left out could not be loaded: the first request that needs it will fail too."""
    error = None if loading.cancelled() else loading.exception()
    if error is not None:
        logger.error("load_later_failed error=%s", type(error).__name__)


async def _resume_late_lookups(bot: Bot, loading: asyncio.Task[None]) -> None:
    """A campaign whose create got no answer is looked for a while; a restart resumes the search, once
    `load_later` has built the creator (what the first form needs goes first)."""
    await asyncio.wait([loading])
    bot.after_ack.start(bot.campaigns.resume_late_lookups(bot.clients_for), "resume_late_lookups")


async def _warm_up(loading: asyncio.Task[None]) -> None:
    await asyncio.wait([loading])
    await asyncio.to_thread(warm_up_schedule_language)
    # Start-up objects live as long as the process: keep them out of the garbage collector's scans.
    gc.freeze()
    logger.info("schedule_language_warm")


def serve(bot: Bot) -> None:
    """One process (WEB_CONCURRENCY unset or 1; `bot.workers` runs several)."""
    config = uvicorn.Config(create_web_app(bot), host=HOST, port=bot.settings.port, **UVICORN_OPTIONS)
    uvicorn.Server(config).run()
