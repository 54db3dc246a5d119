"""A small async client for the Starleads REST API.

Every call has explicit timeouts, logs one line (method, path, status, duration; never the key),
and turns every failure into one of the `bot.starleads.errors` types.
"""

from __future__ import annotations

import logging
import time
from typing import Any, TypeVar
from urllib.parse import quote

import httpx
from pydantic import BaseModel, ValidationError

from bot.starleads.errors import (
    StarleadsAuthError,
    StarleadsRejected,
    StarleadsTimeout,
    StarleadsUnavailable,
)
from bot.starleads.models import Agent, Campaign, CampaignRequest, Problem

logger = logging.getLogger(__name__)

_Model = TypeVar("_Model", bound=BaseModel)
_CONNECT_TIMEOUT_SECONDS = 5.0


class StarleadsClient:
    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        timeout_seconds: float = 20.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._http = httpx.AsyncClient(
            base_url=base_url,
            headers={"X-Api-Key": api_key, "Accept": "application/json", "User-Agent": "starleads-bot"},
            timeout=httpx.Timeout(timeout_seconds, connect=min(timeout_seconds, _CONNECT_TIMEOUT_SECONDS)),
            transport=transport,
            follow_redirects=False,
        )

    async def create_campaign(self, request: CampaignRequest) -> Campaign:
        """`POST /Campaign`. The campaign is created inactive; switching it on happens in Starleads."""
        return await self._call("POST", "/Campaign", Campaign, json=request.to_json())

    async def get_agent(self, agent_id: str) -> Agent:
        """`GET /Agent/{id}/prompt`, the only documented way to learn an agent's name."""
        return await self._call("GET", f"/Agent/{quote(agent_id, safe='')}/prompt", Agent)

    async def aclose(self) -> None:
        await self._http.aclose()

    async def _call(self, method: str, path: str, model: type[_Model], **kwargs: Any) -> _Model:
        started = time.perf_counter()
        status: int | str = "-"
        try:
            response = await self._http.request(method, path, **kwargs)
            status = response.status_code
            return _read(response, model)
        except httpx.ConnectError:
            status = "ConnectError"
            raise StarleadsUnavailable("Starleads could not be reached", may_have_created=False) from None
        except httpx.TimeoutException as error:
            status = type(error).__name__
            if isinstance(error, httpx.ConnectTimeout | httpx.PoolTimeout):
                raise StarleadsUnavailable(
                    "Starleads could not be reached in time", may_have_created=False
                ) from None
            raise StarleadsTimeout("Starleads did not answer in time") from None
        except httpx.HTTPError as error:
            status = type(error).__name__
            raise StarleadsUnavailable("the connection to Starleads broke") from None
        finally:
            logger.info(
                "starleads_call method=%s path=%s status=%s duration_ms=%.0f",
                method,
                path.split("?")[0],
                status,
                (time.perf_counter() - started) * 1000,
            )


def _read(response: httpx.Response, model: type[_Model]) -> _Model:
    status = response.status_code
    if status in (401, 403):
        raise StarleadsAuthError(status)
    if status == 429 or status >= 500:
        # Starleads reports a failure: it should not have acted on the request.
        raise StarleadsUnavailable(f"Starleads answered {status}", status=status, may_have_created=False)
    if 400 <= status < 500:
        raise StarleadsRejected(status, _problem(response))
    if not 200 <= status < 300:
        raise StarleadsUnavailable(f"Starleads answered {status}", status=status)
    try:
        return model.model_validate(response.json())
    except (ValueError, ValidationError):
        raise StarleadsUnavailable(
            f"Starleads answered {status} with a body that is not the expected {model.__name__}",
            status=status,
        ) from None


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
