"""Slack Web API metrics, taken where every client's call passes without wrapping any client: the
shared aiohttp session times each call (a trace), and a retry handler that never retries reads each
answer for Slack's error code and 429s. Bolt copies the app client's retry handlers and session into
each request's client, and workspace clients use both too, so every call is seen."""

from __future__ import annotations

import time
from types import SimpleNamespace

import aiohttp
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState

from bot.metrics import SLACK_API_ERRORS, SLACK_API_RATE_LIMITED, SLACK_API_SECONDS


def slack_api_timing(api_url: str) -> aiohttp.TraceConfig:
    """Times the session's calls to the Web API at `api_url` by method; other addresses (a
    response_url, a file upload) are not timed, so the labels stay the API's method names."""
    trace = aiohttp.TraceConfig()

    async def started(_: aiohttp.ClientSession, context: SimpleNamespace, __: object) -> None:
        context.started = time.perf_counter()

    async def ended(
        _: aiohttp.ClientSession,
        context: SimpleNamespace,
        params: aiohttp.TraceRequestEndParams | aiohttp.TraceRequestExceptionParams,
    ) -> None:
        url = str(params.url)
        if url.startswith(api_url):
            SLACK_API_SECONDS.labels(_method(url)).observe(time.perf_counter() - context.started)

    trace.on_request_start.append(started)
    trace.on_request_end.append(ended)
    trace.on_request_exception.append(ended)
    return trace


class SlackApiErrors(AsyncRetryHandler):
    """Counts failed calls by method and Slack's error code (an exception's type when no answer came),
    and 429s by method. It never asks for a retry: the poster and the flows decide what to do."""

    async def can_retry_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        method = _method(request.url)
        if error is not None:
            SLACK_API_ERRORS.labels(method, type(error).__name__).inc()
        elif response is not None:
            if response.status_code == 429:
                SLACK_API_RATE_LIMITED.labels(method).inc()
            body = response.body
            if isinstance(body, dict) and body.get("ok") is False:
                SLACK_API_ERRORS.labels(method, str(body.get("error"))[:64]).inc()
            elif response.status_code >= 400:
                SLACK_API_ERRORS.labels(method, f"http_{response.status_code}").inc()
        return False


def _method(url: str) -> str:
    return url.split("?")[0].rstrip("/").rpartition("/")[2]
