"""The HTTP server: Slack's requests, health checks and Starleads' call-result webhooks, under uvicorn."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import AsyncIterator, Awaitable, Callable

import aiohttp
import uvicorn
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.adapter.starlette.async_handler import AsyncSlackRequestHandler
from starlette.applications import Starlette
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from bot.call_results.address import WEBHOOK_PATH
from bot.call_results.leases import Lease
from bot.http_body import BodyTooLarge, read_at_most, with_body
from bot.schedule import warm_up as warm_up_schedule_language
from bot.services import Services
from bot.slack.access import AccessPolicy
from bot.slack.app import create_bolt_app
from bot.slack.background import AfterAck
from bot.slack.campaign_flow import CampaignFlow
from bot.slack.forwarding import ForwardNotes
from bot.slack.result_poster import PosterPacing, ResultPoster
from bot.slack.signature import SlackSignature
from bot.webhooks.forwarder import Forwarder, ForwardPacing
from bot.webhooks.receiver import webhook_endpoint

logger = logging.getLogger(__name__)

MAX_SLACK_BODY_BYTES = 256 * 1024
_SHUTDOWN_GRACE_SECONDS = 25.0


def create_web_app(services: Services) -> Starlette:
    """Slack at `POST /slack/events` (HTTP mode), `GET /healthz` for load balancers."""
    after_ack, access = AfterAck(), AccessPolicy.from_settings(services.settings)
    campaigns = CampaignFlow(services, after_ack, access)
    bolt = create_bolt_app(services, after_ack, access, campaigns)
    slack = AsyncSlackRequestHandler(bolt)
    settings = services.settings
    lease = Lease(settings.result_claim_lease_seconds)
    pacing = PosterPacing(lease=lease)
    forward_notes = ForwardNotes(bolt.client, services.forward_notes, pacing.backoff_seconds)
    poster = ResultPoster(bolt.client, services.results, pacing, forward_notes=forward_notes)
    forwarder = Forwarder(
        services.forwards,
        ForwardPacing(
            backoff_seconds=settings.result_forward_backoff_seconds,
            private_addresses=settings.result_forward_private_addresses,
            lease=lease,
        ),
        on_dead=poster.wake,
    )

    def result_stored() -> None:
        poster.wake()
        forwarder.wake()

    async def healthz(_: Request) -> Response:
        return JSONResponse(
            {
                "status": "ok",
                "mode": "socket" if settings.socket_mode else "http",
                "background_work": after_ack.in_flight,
            }
        )

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        # Load the schedule language's dateparser tables in the background, so neither start-up nor a
        # user waits for them (only rare time forms need them at all).
        warming = asyncio.create_task(_warm_up())
        cleaned = await services.creator.forget_stored_tokens()
        if cleaned:
            logger.info("stored_results_tokens_removed campaigns=%d", cleaned)
        # One pooled session for every Web API call: slack_sdk otherwise opens a connection (and a TLS
        # handshake) per call, which `views.open` cannot afford inside its 3-second trigger window.
        bolt.client.session = aiohttp.ClientSession()
        # A campaign whose create got no answer is looked for a while; a restart resumes the search.
        after_ack.start(campaigns.resume_late_lookups(bolt.client), "resume_late_lookups")
        socket_mode, connecting = None, None
        groups = asyncio.create_task(access.keep_groups_fresh(bolt.client)) if access.has_groups else None
        if settings.socket_mode and settings.slack_app_token:
            socket_mode = AsyncSocketModeHandler(bolt, settings.slack_app_token.get_secret_value())
            # In the background: slack_sdk retries until Slack answers, and start-up must not wait for it.
            connecting = asyncio.create_task(socket_mode.connect_async())
        posting = asyncio.create_task(poster.run(), name="result_poster")
        forwarding = asyncio.create_task(forwarder.run(), name="result_forwarder")
        logger.info("ready mode=%s", "socket" if socket_mode else "http")
        try:
            yield
        finally:
            # A reply in flight when the poster stops leaves its result `posting`: taken again once
            # its lease runs out, after reading the thread back for a reply that did get through.
            for task in (posting, forwarding, connecting, groups, warming):
                if task:
                    task.cancel()
            if socket_mode:
                await socket_mode.close_async()
            await after_ack.drain(_SHUTDOWN_GRACE_SECONDS)
            await bolt.client.session.close()
            await services.aclose()

    routes = [
        Route("/healthz", healthz, methods=["GET"]),
        Route(
            WEBHOOK_PATH,
            webhook_endpoint(services.subscriptions, services.results, result_stored),
            methods=["POST"],
        ),
    ]
    if not settings.socket_mode and settings.slack_signing_secret:
        signature = SlackSignature(settings.slack_signing_secret.get_secret_value())
        routes.append(Route("/slack/events", _slack_events(slack, signature), methods=["POST"]))
    return Starlette(routes=routes, lifespan=lifespan)


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


async def _warm_up() -> None:
    await asyncio.to_thread(warm_up_schedule_language)
    # Start-up objects live as long as the process: keep them out of the garbage collector's scans.
    gc.freeze()
    logger.info("schedule_language_warm")


def serve(services: Services, host: str = "0.0.0.0") -> None:  # noqa: S104 - a server listens on all interfaces
    config = uvicorn.Config(
        create_web_app(services),
        host=host,
        port=services.settings.port,
        log_config=None,
        access_log=False,
        lifespan="on",
        timeout_graceful_shutdown=30,
    )
    uvicorn.Server(config).run()
