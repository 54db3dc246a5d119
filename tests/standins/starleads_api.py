"""Starleads' REST API as documented: it enforces the rules of POST /Campaign and answers problem details.

Each API key belongs to one company (`companies`) and sees only that company's agents and campaigns."""

from __future__ import annotations

import itertools
import re
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urlsplit
from zoneinfo import available_timezones

from tests.standins.http import Recorded, Reply, StandIn, json_reply

API_KEY = "sl-test-key-5f2b9c1d8e7a"
PHONE_AGENT = "66f1b2d0016e6d3e9353ab85"
WEB_AGENT = "agent-123-abc"
COMPANY_NUMBER = "+33123456789"
LONG_NAME_AGENT = "agent-long-name"  # Starleads sets no limit on an agent's name: 2,000 characters of `&<>`
AGENTS = {
    PHONE_AGENT: ("Chloé — Relance", "Phone"),
    WEB_AGENT: ("Web assistant", "Web"),
    LONG_NAME_AGENT: ("R&D <bot> " * 200, "Web"),
}
SECRET_PROMPT = "You are Chloé. PROMPT-MUST-NOT-LEAK"
# A second Starleads company, for workspaces that connect their own accounts: its key sees only its
# own agents, number and campaigns, and the first company's key sees none of them.
OTHER_API_KEY = "sl-other-company-key-77c1e09f3a"
OTHER_AGENT = "77aa00bb11cc22dd33ee44ff"
OTHER_COMPANY_NUMBER = "+33987654321"
OTHER_AGENTS = {OTHER_AGENT: ("Hugo — Rappel", "Phone")}
DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass
class Company:
    """What one Starleads company's API key reaches."""

    agents: dict[str, tuple[str, str]]
    phone_number: str
    campaigns: list[dict[str, Any]] = field(default_factory=list)


class FakeStarleads(StandIn):
    def __init__(self) -> None:
        super().__init__()
        self._scripted: list[tuple[int, Any, dict[str, str]]] = []
        self.create_delay_seconds = 0.0
        self.answer_late_seconds = 0.0
        self.companies = {
            API_KEY: Company(AGENTS, COMPANY_NUMBER),
            OTHER_API_KEY: Company(OTHER_AGENTS, OTHER_COMPANY_NUMBER),
        }
        self.campaigns = self.companies[API_KEY].campaigns  # the first company's, as most tests use one
        self._ids = itertools.count(1)
        self._script_lock = threading.Lock()

    def answer_next_create(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        with self._script_lock:
            self._scripted.append((status, body, headers or {}))

    def reset(self) -> None:
        with self._script_lock:
            self._scripted.clear()
        self.create_delay_seconds = 0.0
        self.answer_late_seconds = 0.0
        self.clear()

    def creates(self) -> list[Recorded]:
        return [r for r in self.requests if r.method == "POST" and r.path == "/Campaign"]

    def wait_creates(self, count: int = 1, timeout: float = 10) -> list[Recorded]:
        return self.wait_for(
            lambda r: r.method == "POST" and r.path == "/Campaign", count=count, timeout=timeout
        )

    def sent_keys(self) -> list[str | None]:
        """The API key of each request, in order."""
        return [r.headers.get("x-api-key") for r in self.requests]

    def handle(self, recorded: Recorded) -> Reply:
        company = self.companies.get(recorded.headers.get("x-api-key") or "")
        if company is None:
            return _problem(401, "Unauthorized", "Invalid API key")
        if recorded.method == "GET" and (match := re.fullmatch(r"/Agent/([^/]+)/prompt", recorded.path)):
            agent_id = unquote(match[1])
            if agent_id not in company.agents:
                return _problem(404, "Not Found", f"No agent exists with agentId : {agent_id}")
            return json_reply(
                200, {"agentId": agent_id, "agentName": company.agents[agent_id][0], "prompt": SECRET_PROMPT}
            )
        if recorded.method == "GET" and recorded.path == "/Campaign":
            return json_reply(200, company.campaigns)
        if recorded.method == "POST" and recorded.path == "/Campaign":
            if self.create_delay_seconds:
                time.sleep(self.create_delay_seconds)
            with self._script_lock:
                scripted = self._scripted.pop(0) if self._scripted else None
            if scripted:
                status, body, headers = scripted
                if isinstance(body, bytes):
                    return status, {"content-type": "application/json", **headers}, body
                return json_reply(status, body, headers)
            reply = self._create(company, recorded.json())
            if self.answer_late_seconds:
                time.sleep(self.answer_late_seconds)  # created, but the answer comes too late
            return reply
        return _problem(404, "Not Found", f"No route {recorded.method} {recorded.path}")

    def _create(self, company: Company, body: Any) -> Reply:
        if not isinstance(body, dict):
            return _problem(400, "Bad Request", "The request body must be a JSON object")
        errors = _check(body)
        if errors:
            return json_reply(
                400,
                {
                    "type": "https://tools.ietf.org/html/rfc9110#section-15.5.1",
                    "title": "One or more validation errors occurred.",
                    "status": 400,
                    "errors": errors,
                },
            )
        agent = company.agents.get(body["agentId"])
        if agent is None:
            return _problem(404, "Not Found", f"No agent exists with agentId : {body['agentId']}")
        phone = body.get("phoneNumber")
        if agent[1] == "Phone" and not phone:
            return _problem(400, "Bad Request", "A phone number is required for agents of channel Phone")
        if phone and phone != company.phone_number:
            return json_reply(
                400,
                {
                    "title": "Bad Request",
                    "status": 400,
                    "errors": {"PhoneNumber": [f"{phone} is not one of your company's phone numbers"]},
                },
            )
        campaign = {
            "id": f"{next(self._ids):024x}",
            "name": body["name"],
            "agentId": body["agentId"],
            "phoneNumber": phone,
            "maxRetries": body.get("maxRetries", 3),
            "delayBetweenRetries": body.get("delayBetweenRetries", 2),
            "webhookUrl": body.get("webhookUrl"),
            "country": "FR",
            "timezone": body.get("timezone", "Europe/Paris"),
            "schedule": body.get("schedule"),
            "isActive": False,
        }
        company.campaigns.append(campaign)
        return json_reply(200, campaign)


def _check(body: dict[str, Any]) -> dict[str, list[str]]:
    """The documented rules of POST /Campaign, as an ASP.NET back end would report them."""
    errors: dict[str, list[str]] = {}
    if not isinstance(body.get("name"), str) or not body["name"].strip():
        errors["Name"] = ["The Name field is required."]
    if not isinstance(body.get("agentId"), str) or not body["agentId"]:
        errors["AgentId"] = ["The AgentId field is required."]
    retries = body.get("maxRetries", 3)
    if not isinstance(retries, int) or not 1 <= retries <= 4:
        errors["MaxRetries"] = ["MaxRetries must be between 1 and 4."]
    delay = body.get("delayBetweenRetries", 2)
    if not isinstance(delay, int | float) or delay <= 0:
        errors["DelayBetweenRetries"] = ["DelayBetweenRetries must be greater than 0."]
    url = body.get("webhookUrl")
    if url is not None and (urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).hostname):
        errors["WebhookUrl"] = ["WebhookUrl must be a valid HTTP/HTTPS URL."]
    if body.get("timezone", "Europe/Paris") not in available_timezones():
        errors["Timezone"] = ["Timezone is not a valid IANA identifier."]
    for index, day in enumerate(body.get("schedule") or []):
        if day.get("day") not in DAYS:
            errors[f"Schedule[{index}].Day"] = ["Unknown day."]
        for window in day.get("timeRanges") or []:
            if (
                not re.fullmatch(r"\d{2}:\d{2}:\d{2}", str(window.get("startTime")))
                or not re.fullmatch(r"\d{2}:\d{2}:\d{2}", str(window.get("endTime")))
                or window["startTime"] >= window["endTime"]
            ):
                errors[f"Schedule[{index}].TimeRanges"] = ["Each time range must start before it ends."]
    return errors


def _problem(status: int, title: str, detail: str) -> Reply:
    return json_reply(status, {"type": "about:blank", "title": title, "status": status, "detail": detail})


def documented_call_result(item_id: str, campaign_id: str) -> dict[str, Any]:
    """A call result as Starleads POSTs it to a webhook: the example of its documentation (PascalCase)."""
    return {
        "Id": item_id,
        "CampaignId": campaign_id,
        "CreatedAt": "2024-09-13T17:04:03.515Z",
        "ProcessedAt": "2024-09-13T17:04:05.795Z",
        "LastCallDate": "2024-09-13T17:04:05.795Z",
        "RunningStatus": "Processed",
        "AttemptCount": 1,
        "PhoneNumber": "+33612345678",
        "NextTryDate": "2024-09-13T17:04:03.515Z",
        "DataBag": {"firstname": "Paul", "email": "paul@example.com"},
        "Result": {
            "Tag": {"_id": "Appointment_88B8DB86", "Name": "Appointment", "Color": "#1ee5a6"},
            "Conversation": {"_id": "24ef5fc9-9d20-4dcb-bd8b-f83e4929d36d", "Messages": []},
            "Summary": "Paul agreed to a demo on Tuesday at 10:00.",
            "Metadata": {},
        },
        "IsArchived": False,
    }
