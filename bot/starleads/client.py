"""A small async client for the Starleads REST API.

Every call has explicit timeouts, logs one line (method, path, status, duration; never the key),
and turns every failure into one of the `bot.starleads.errors` types.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import quote

from pydantic import BaseModel, ValidationError

from bot.i18n import N_
from bot.later import Later
from bot.metrics import STARLEADS_CALL_SECONDS
from bot.starleads.errors import (
    StarleadsAuthError,
    StarleadsRejected,
    StarleadsTimeout,
    StarleadsUnavailable,
)
from bot.starleads.models import Agent, Campaign, CampaignRequest, Problem

if TYPE_CHECKING:
    import ssl

    import httpx

logger = logging.getLogger(__name__)

_Model = TypeVar("_Model", bound=BaseModel)
_CONNECT_TIMEOUT_SECONDS = 5.0
_DNS_FAILURE = re.compile(
    r"name or service not known|nodename nor servname|name resolution|getaddrinfo", re.I
)


class StarleadsPool(Later["httpx.AsyncClient"]):
    """The connections to Starleads, shared by every key's client: one pool, however many workspaces.
    It carries no key (each client sends its own with every request). Opened by its first `get()`:
    httpx and its transport cost start-up ~100 ms that no first answer to Slack needs."""

    async def aclose(self) -> None:
        """Its owner closes it (if it was ever opened)."""
        http = self.built()
        if http is not None:
            await http.aclose()


def starleads_pool(
    base_url: str, *, timeout_seconds: float = 20.0, tls: Callable[[], ssl.SSLContext] | None = None
) -> StarleadsPool:
    """The pool for Starleads at `base_url`. `tls`: gives a TLS context to share (httpx otherwise
    loads the certificate authorities again, ~20 ms)."""

    def connections() -> httpx.AsyncClient:
        import httpx

        return httpx.AsyncClient(
            base_url=base_url,
            verify=tls() if tls else True,
            headers={"Accept": "application/json", "User-Agent": "starleads-bot"},
            timeout=httpx.Timeout(timeout_seconds, connect=min(timeout_seconds, _CONNECT_TIMEOUT_SECONDS)),
            follow_redirects=False,
        )

    return StarleadsPool(connections)


class StarleadsClient:
    def __init__(self, pool: Later[httpx.AsyncClient], api_key: str) -> None:
        """Calls Starleads with `api_key` over `pool` (see `starleads_pool`), which others may share."""
        self._pool = pool
        self._key_header = {"X-Api-Key": api_key}

    async def create_campaign(self, request: CampaignRequest) -> Campaign:
        """`POST /Campaign`. The campaign is created inactive; switching it on happens in Starleads."""
        return await self._call("POST", "/Campaign", Campaign, json=request.to_json())

    async def get_agent(self, agent_id: str) -> Agent:
        """`GET /Agent/{id}/prompt`, the only documented way to learn an agent's name."""
        path = f"/Agent/{quote(agent_id, safe='')}/prompt"
        return await self._call("GET", path, Agent, route="/Agent/{id}/prompt")

    async def list_campaigns(self) -> list[Campaign]:
        """`GET /Campaign` ("Get all campaigns": documented only in part, so read leniently).

        Used to find out whether a create whose answer never came did happen after all.
        """
        body = await self._call("GET", "/Campaign", None)
        items = (body.get("items") or body.get("data")) if isinstance(body, dict) else body
        campaigns = []
        for item in items if isinstance(items, list) else []:
            try:
                campaigns.append(Campaign.model_validate(item))
            except ValidationError:
                continue
        return campaigns

    async def _call(
        self, method: str, path: str, model: type[_Model] | None, *, route: str | None = None, **kwargs: Any
    ) -> Any:
        """`route` is `path` as a template (`/Agent/{id}/prompt`) where it holds an ID: metrics name
        the endpoint, never the ID."""
        http = await self._pool.get()
        import httpx  # loaded with the pool

        started = time.perf_counter()
        outcome = "-"
        try:
            response = await http.request(method, path, headers=self._key_header, **kwargs)
            outcome = str(response.status_code)
            return _read(response, model)
        except httpx.ConnectError as error:
            dns = _DNS_FAILURE.search(str(error)) is not None
            outcome = "dns-failure" if dns else "connection-refused"
            reason = (
                N_("Starleads' address could not be found (DNS)")
                if dns
                else N_("Starleads refused the connection")
            )
            raise StarleadsUnavailable(reason, may_have_created=False) from None
        except httpx.TimeoutException as error:
            outcome = type(error).__name__
            if isinstance(error, httpx.ConnectTimeout | httpx.PoolTimeout):
                raise StarleadsUnavailable(
                    N_("Starleads could not be reached in time"), may_have_created=False
                ) from None
            raise StarleadsTimeout(N_("Starleads did not answer in time")) from None
        except httpx.HTTPError as error:
            outcome = type(error).__name__
            raise StarleadsUnavailable(N_("the connection to Starleads broke before it answered")) from None
        finally:
            seconds = time.perf_counter() - started
            STARLEADS_CALL_SECONDS.labels(f"{method} {route or path}", outcome).observe(seconds)
            logger.info(
                "starleads_call method=%s path=%s outcome=%s duration_ms=%.0f",
                method,
                path.split("?")[0],
                outcome,
                seconds * 1000,
            )


def _read(response: httpx.Response, model: type[_Model] | None) -> Any:
    status = response.status_code
    if status in (401, 403):
        raise StarleadsAuthError(status)
    if status == 429 or status >= 500:
        # Starleads reports a failure: it should not have acted on the request.
        raise StarleadsUnavailable(
            N_("Starleads answered {status}"),
            status=status,
            may_have_created=False,
            retry_after=_retry_after(response.headers.get("retry-after")),
        )
    if 400 <= status < 500:
        raise StarleadsRejected(status, _problem(response))
    if not 200 <= status < 300:
        raise StarleadsUnavailable(N_("Starleads answered {status}"), status=status)
    try:
        body = response.json()
    except ValueError:
        raise StarleadsUnavailable(
            N_("Starleads answered {status} with something that is not JSON"),
            status=status,
        ) from None
    if model is None:
        return body
    try:
        return model.model_validate(body)
    except ValidationError:
        raise StarleadsUnavailable(
            N_("Starleads answered {status} without the expected {model} fields"),
            status=status,
            model=model.__name__,
        ) from None


def _retry_after(header: str | None) -> float | None:
    """Seconds to wait, from `Retry-After` as seconds or as an HTTP date; None if absent or unreadable."""
    if not header:
        return None
    if header.strip().isdigit():
        return float(header.strip())
    try:
        moment = parsedate_to_datetime(header)
    except (TypeError, ValueError):
        return None
    return max(0.0, (moment - datetime.now(UTC)).total_seconds())


def _problem(response: httpx.Response) -> Problem:
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        return Problem(status=response.status_code, title=response.reason_phrase)
    try:
        return Problem.model_validate(body)
    except ValidationError:
        return Problem(status=response.status_code, title=response.reason_phrase)
