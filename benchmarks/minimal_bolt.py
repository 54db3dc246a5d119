"""The yardstick: a minimal Bolt app that acks `/starleads campaign` and opens the bot's own modal.

What a bare Slack app costs, to measure starleads-bot against (`benchmarks/load.py` runs both in one
run): slack_bolt's `AsyncApp` on uvicorn, Bolt's own signature check, `process_before_response` as the
bot runs, and one pooled aiohttp session for the Web API, as the bot has. The modal is read once at
start from `MODAL_FILE` (the JSON of a form the bot opened), so the app builds nothing per request:
the ack, then `views.open` with that view. `GET /healthz` answers 200 for cold-start timing.

    SLACK_BOT_TOKEN=… SLACK_SIGNING_SECRET=… SLACK_API_URL=… PORT=… MODAL_FILE=… \
        python benchmarks/minimal_bolt.py
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import uvicorn
from slack_bolt.adapter.starlette.async_handler import AsyncSlackRequestHandler
from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route


def create_app(modal: dict[str, Any]) -> Starlette:
    # Taken out of the environment, or Bolt warns that it is unused next to `client`.
    client = AsyncWebClient(token=os.environ.pop("SLACK_BOT_TOKEN"), base_url=os.environ["SLACK_API_URL"])
    bolt = AsyncApp(
        client=client, signing_secret=os.environ["SLACK_SIGNING_SECRET"], process_before_response=True
    )
    opening: set[asyncio.Task[Any]] = set()

    @bolt.command("/starleads")
    async def open_modal(ack: AsyncAck, command: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        task = asyncio.create_task(client.views_open(trigger_id=command["trigger_id"], view=modal))
        opening.add(task)
        task.add_done_callback(opening.discard)

    slack = AsyncSlackRequestHandler(bolt)

    async def events(request: Request) -> Response:
        return await slack.handle(request)

    async def healthz(_: Request) -> Response:
        return PlainTextResponse("ok")

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        client.session = aiohttp.ClientSession()
        try:
            yield
        finally:
            await client.session.close()

    routes = [Route("/slack/events", events, methods=["POST"]), Route("/healthz", healthz, methods=["GET"])]
    return Starlette(routes=routes, lifespan=lifespan)


def main() -> None:
    modal = json.loads(Path(os.environ["MODAL_FILE"]).read_text())
    app = create_app(modal)
    uvicorn.run(app, host="127.0.0.1", port=int(os.environ["PORT"]), log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
