"""Fuzzing the running bot's modal handlers with generated payloads, through signed HTTP requests.

Slack sends `state.values` as the user left them, and a payload is input like any other: whatever it
holds (wrong types, huge or strange text, missing or unknown blocks, garbage options), the user must
get errors next to fields or a polite view, and Slack a 200, never a 500 or a traceback. The last test
reads the bot's log for failures the answers alone would not show (work done after the ack).
"""

from __future__ import annotations

import json
import time
from functools import cache
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from hypothesis import HealthCheck, Phase, event, given, settings
from hypothesis import strategies as st

from tests.conftest import RunningBot, open_form
from tests.slack_driver import SlackDriver, form_state, unique_id
from tests.standins.slack_api import FakeSlack
from tests.standins.starleads_api import COMPANY_NUMBER, PHONE_AGENT, WEB_AGENT, FakeStarleads

# The stand-ins are shared by the whole session and none of these properties depends on their records,
# so resetting them for every generated example (what a function-scoped fixture inside @given would
# imply) buys nothing: the `slack` fixture is used once per test, on purpose.
FUZZ = settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    database=None,
    phases=[Phase.explicit, Phase.generate, Phase.shrink],  # no "explain": it reruns a failure for long
    # too_slow: every example is an HTTP round trip to the bot, by design.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
# The bot refuses bodies over 256 KiB with a 413 before reading them; Slack never sends that much.
MAX_BODY_BYTES = 256 * 1024
MAX_ERROR_LENGTH = 2000
FORM_VIEW_ID = "VFUZZFORM0001"  # one key for every submission: at most one campaign is really created
PICKER_VIEW_ID = "VFUZZPICK0001"
FILLED = {"name": "Relance fuzz", "agent_id": WEB_AGENT}  # with the form's defaults, a valid form
SCHEDULE_BLOCK_IDS = ("schedule", "schedule.2", "schedule.17")
DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
FAILURE_MARKERS = ("Traceback", "listener_failed", "background_work_failed")


# Strategies ---------------------------------------------------------------------------------------

_CHARS = st.characters(exclude_characters="\x00", exclude_categories=("Cs",))
_TRICKY = (
    "\u202e",  # right-to-left override
    "\u200f",
    "שלום",
    "مرحبا",
    "\u200b",
    "\ufeff",
    "🚀",
    "👩‍👩‍👧",
    "🇫🇷",
    "ﷺ",  # one character, eighteen once normalised
    "e\u0301",
    "\u2028",
    "\u0085",
    "\x07",
    "\x1b[31m",
    "\t",
    "\r\n",
    "<!channel>",
    "&amp;",
    "%s%n",
    "{0}",
    "\\",
    '"',
    "'; DROP TABLE creations;--",
    "9-12",
    "Mon",
    "lundi",
    "h",
    ":",
    "٣",
    "１",
)
_short_text = st.text(_CHARS, max_size=40)
_tricky_text = st.lists(st.one_of(st.sampled_from(_TRICKY), _short_text), max_size=6).map("".join)
# Huge texts from a short seed: the size is what matters, and it keeps Hypothesis' buffer small.
_huge_text = st.builds(
    lambda seed, size: (seed * (size // len(seed) + 1))[:size],
    st.text(_CHARS, min_size=1, max_size=8) | st.sampled_from(_TRICKY),
    st.integers(min_value=1000, max_value=5000),
)
any_text = st.one_of(_short_text, _tricky_text, _huge_text)
_scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), any_text)
junk = st.recursive(
    _scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(_CHARS, max_size=10), inner, max_size=3)
    ),
    max_leaves=6,
)


def _plausible(*samples: str) -> st.SearchStrategy[str]:
    """Values near the field's rules (valid, boundary, invalid) mixed with any text."""
    return st.sampled_from(samples) | any_text


FIELD_VALUES: dict[str, st.SearchStrategy[str]] = {
    "name": _plausible("Relance Q4", "x" * 200, "x" * 201, "   "),
    "agent_id": _plausible(PHONE_AGENT, WEB_AGENT, "my agent", "../Campaign", "a?b", "a" * 129),
    "phone_number": _plausible(
        COMPANY_NUMBER, "01 23 45 67 89", "12345", "+999", "０１２３", "+" + "9" * 300
    ),
    "schedule": _plausible(
        "Mon-Fri 9-12 and 14-17",
        "Saturday morning",
        "tomorrow 9-12",
        "Mon 17h-9h",
        "Mon 9-25",
        "half past nine to noon",
        "du lundi au vendredi 9h-12h",
        "Mon 9-12 " * 400,
    ),
    "timezone": _plausible("Europe/Paris", "America/Martinique", "Mars/Olympus_Mons", "../../etc/passwd", ""),
    "max_retries": _plausible("0", "1", "4", "5", "2.5", "-1", "+3", "٣", "１", "1e3", "9999999")
    | st.integers().map(str),
    "delay_hours": _plausible("0", "-2", "nan", "inf", "1e308", "1e-400", "1_000", "1,5", "0x10", "8761")
    | st.floats().map(str),
    "webhook_url": _plausible(
        "https://example.com/hooks/starleads",
        "ftp://example.com/x",
        "https://",
        "http://[::1",
        "http://exa mple.com",
        "https://[::1]:99999/",
        "javascript:alert(1)",
        "https://" + "a" * 2100 + ".com",
    ),
}


def _element(kind: str, value: Any) -> dict[str, Any]:
    """An element's state as Slack shapes it, with `value` wherever the value goes."""
    if kind == "static_select":
        return {"type": kind, "selected_option": value}
    if kind == "timepicker":
        return {"type": kind, "selected_time": value}
    if kind == "checkboxes":
        return {"type": kind, "selected_options": value}
    return {"type": kind, "value": value}


def _option(value: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """A `selected_option`: well formed around `value`, half-formed, or garbage."""
    return st.one_of(
        value.map(lambda v: {"text": {"type": "plain_text", "text": "x"}, "value": v}),
        st.none(),
        value.map(lambda v: {"value": v}),
        junk,
    )


@cache
def block_state(action_id: str, kind: str, values: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """One block of `state.values`: fuzzed inside a correct shape, or misshapen.

    Cached: building and validating strategies anew for every example costs more than drawing them.
    """
    value = _option(values) if kind == "static_select" else values | junk
    right_shape = value.map(lambda v: {action_id: _element(kind, v)})
    return st.one_of(
        right_shape,
        right_shape,  # twice: the likeliest case, and the one that reaches the validation rules
        junk,  # no element at all
        junk.map(lambda j: {action_id: j}),  # the element replaced
        st.tuples(st.text(_CHARS, max_size=20), value).map(lambda t: {t[0]: _element(kind, t[1])}),
        st.dictionaries(st.text(_CHARS, max_size=12), junk, max_size=3).map(
            lambda extra: {action_id: {"type": kind, **extra}}
        ),
    )


@cache
def unknown_blocks() -> st.SearchStrategy[dict[str, Any]]:
    """Blocks the view doesn't have (those that collide with the view's own are dropped when drawn)."""
    key = st.sampled_from(["schedule_preview", "schedule_tools", "", "name_problem"]) | st.text(
        _CHARS, max_size=20
    )
    return st.dictionaries(key, junk, max_size=3)


@st.composite
def fuzzed_state(
    draw: st.DrawFn,
    view: dict[str, Any],
    filled: dict[str, Any],
    values: dict[str, st.SearchStrategy[Any]],
    *,
    at_least: int = 1,
) -> dict[str, Any]:
    """`state.values` for `view` filled as `filled` says, then some blocks fuzzed, dropped or added.

    Starting from a valid form keeps valid submissions possible; fuzzing `at_least` one block makes
    most answers errors, so few campaigns are created.
    """
    inputs = [b for b in view["blocks"] if b["type"] == "input"]
    block_ids = st.sampled_from([b["block_id"] for b in inputs])
    state = form_state(view, filled)
    fuzzed = draw(st.sets(block_ids, min_size=at_least), label="fuzzed blocks")
    for block in inputs:
        block_id, element = block["block_id"], block["element"]
        if block_id in fuzzed:
            field = block_id.partition(".")[0]
            values_of = values.get(field, any_text)
            state[block_id] = draw(block_state(element["action_id"], element["type"], values_of))
    for block_id in draw(st.sets(block_ids, max_size=2), label="dropped blocks"):
        del state[block_id]
    # Slack echoes only the view's own blocks; an unknown `schedule.…` block would be a second
    # schedule text, which no view has (the `schedule.N` case is the view's own block ID).
    known = {b.get("block_id") for b in view["blocks"]}
    extra = {
        k: v for k, v in draw(unknown_blocks()).items() if k not in known and not k.startswith("schedule.")
    }
    if draw(st.booleans()):
        return {**extra, **state}
    return {**state, **extra}


def with_schedule_block(view: dict[str, Any], block_id: str) -> dict[str, Any]:
    """The form as it is after the picker wrote the hours (`schedule.N`), or as first opened."""
    blocks = [{**b, "block_id": block_id} if b.get("block_id") == "schedule" else b for b in view["blocks"]]
    return {**view, "blocks": blocks}


# Sending ------------------------------------------------------------------------------------------


def send(slack: SlackDriver, payload: dict[str, Any], *, ascii_only: bool) -> httpx.Response | None:
    """POST the payload as Slack would (escaped or raw UTF-8 JSON); None when the bot's size limit,
    which Slack never reaches, would refuse it before reading it."""
    body = urlencode({"payload": json.dumps(payload, ensure_ascii=ascii_only)})
    if len(body.encode()) > MAX_BODY_BYTES:
        event("skipped: over the body limit")
        return None
    return slack.post(body)


def interaction(kind: str, view: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "type": kind,
        "team": {"id": "T0001"},
        "user": {"id": "U0ALICE"},
        "api_app_id": "A0001",
        "trigger_id": unique_id("trigger."),
        "view": view,
        **extra,
    }


def answer_of(response: httpx.Response) -> Any:
    """The ack's JSON (None when empty), once it is a 200 without a traceback."""
    assert response.status_code == 200, (response.status_code, response.text[:500])
    assert "Traceback" not in response.text
    return response.json() if response.content else None


def assert_field_errors(answer: dict[str, Any], block_ids: set[str]) -> None:
    errors = answer["errors"]
    assert isinstance(errors, dict)
    assert errors
    assert set(errors) <= block_ids, f"errors on blocks the view doesn't have: {set(errors) - block_ids}"
    for message in errors.values():
        assert isinstance(message, str)
        assert message.strip()
        assert len(message) < MAX_ERROR_LENGTH, message[:200]
        assert "Traceback" not in message


def input_block_ids(view: dict[str, Any]) -> set[str]:
    return {b["block_id"] for b in view["blocks"] if b["type"] == "input"}


# Fixtures -----------------------------------------------------------------------------------------


@pytest.fixture(scope="module", autouse=True)
def log_start(bot: RunningBot) -> int:
    """Where the bot's log stood before this module, so the last test reads only what it caused."""
    return len(bot.log())


@pytest.fixture(scope="module")
def driver(bot: RunningBot, fake_slack: FakeSlack) -> SlackDriver:
    return SlackDriver(bot.url, fake_slack.response_url())


@pytest.fixture(scope="module")
def form(driver: SlackDriver, fake_slack: FakeSlack) -> dict[str, Any]:
    """A campaign form the bot really opened: its `private_metadata` is genuine."""
    return {**open_form(driver, fake_slack), "id": FORM_VIEW_ID}


@pytest.fixture(scope="module")
def picker(driver: SlackDriver, fake_slack: FakeSlack, form: dict[str, Any]) -> dict[str, Any]:
    """The schedule picker the bot really pushed over that form (its metadata points back at it)."""
    already = len(fake_slack.calls("views.push"))
    assert driver.click(form, "schedule_picker_open").status_code == 200
    pushed = fake_slack.wait_call("views.push", count=already + 1)[-1]
    return {**pushed["view"], "id": PICKER_VIEW_ID}


# Properties ---------------------------------------------------------------------------------------


@FUZZ
@given(data=st.data(), schedule_block=st.sampled_from(SCHEDULE_BLOCK_IDS), ascii_only=st.booleans())
def test_any_form_submission_gets_field_errors_or_a_view(
    slack: SlackDriver, form: dict[str, Any], data: st.DataObject, schedule_block: str, ascii_only: bool
) -> None:
    view = with_schedule_block(form, schedule_block)
    state = data.draw(fuzzed_state(view, FILLED, FIELD_VALUES), label="state.values")

    response = send(
        slack, interaction("view_submission", {**view, "state": {"values": state}}), ascii_only=ascii_only
    )
    if response is None:
        return

    answer = answer_of(response)
    assert isinstance(answer, dict), answer
    event(f"answer: {answer.get('response_action')}")
    if answer.get("response_action") == "errors":
        assert_field_errors(answer, input_block_ids(view))
    else:
        assert answer.get("response_action") == "update", answer
        assert isinstance(answer["view"], dict)
        assert answer["view"]["type"] == "modal"
        assert answer["view"]["blocks"]


_day = st.sampled_from(DAY_NAMES) | any_text
_clock = st.sampled_from(["09:00", "12:00", "9:00", "23:59", "24:00", "12:60", "09:00:00", "", " 09:00 "])
PICKER_VALUES: dict[str, st.SearchStrategy[Any]] = {
    "days": st.lists(_day, max_size=9).map(
        lambda days: [{"text": {"type": "plain_text", "text": d}, "value": d} for d in days]
    )
    | st.lists(_option(_day), max_size=4),
    **{
        f"window_{n}_{end}": _clock | st.from_regex(r"\d{1,3}:\d{1,3}", fullmatch=True) | any_text
        for n in (1, 2)
        for end in ("start", "end")
    },
}


@cache
def _picker_metadata(genuine: str) -> st.SearchStrategy[Any]:
    """The picker's `private_metadata`: as the bot wrote it, with its parts fuzzed, not JSON, or not
    even a string (the campaign form's metadata is held to that standard: see `Origin.decode`)."""
    parent = json.loads(genuine)
    fuzzed_parent = st.fixed_dictionaries(
        {
            "view_id": st.sampled_from([parent["view_id"], "V12", "V" + "A" * 41, "v123", ""]) | junk,
            "schedule_block": st.sampled_from([*SCHEDULE_BLOCK_IDS, "schedule.1234567", "schedule."]) | junk,
            "timezone": st.sampled_from([None, "Europe/Paris", "Mars/Olympus_Mons"]) | any_text | junk,
            "form_metadata": st.sampled_from([parent["form_metadata"]]) | any_text | junk,
        }
    ).map(json.dumps)
    return st.one_of(fuzzed_parent, any_text, junk.map(json.dumps), junk)


@FUZZ
@given(data=st.data(), ascii_only=st.booleans())
def test_any_picker_submission_gets_errors_on_its_controls_or_goes_back_politely(
    slack: SlackDriver, picker: dict[str, Any], data: st.DataObject, ascii_only: bool
) -> None:
    state = data.draw(fuzzed_state(picker, {}, PICKER_VALUES, at_least=0), label="state.values")
    metadata = picker["private_metadata"]
    if data.draw(st.booleans(), label="fuzz the metadata"):
        metadata = data.draw(_picker_metadata(metadata), label="private_metadata")
    view = {**picker, "private_metadata": metadata, "state": {"values": state}}

    response = send(slack, interaction("view_submission", view), ascii_only=ascii_only)
    if response is None:
        return

    answer = answer_of(response)
    event(f"answer: {answer.get('response_action') if answer else 'ack'}")
    if answer is None:
        return
    assert isinstance(answer, dict), answer
    if answer.get("response_action") == "errors":
        assert_field_errors(answer, input_block_ids(picker))
    else:
        assert answer == {"response_action": "clear"}, answer


@FUZZ
@given(
    data=st.data(),
    text=FIELD_VALUES["schedule"] | junk,
    schedule_block=st.sampled_from(SCHEDULE_BLOCK_IDS),
    ascii_only=st.booleans(),
)
def test_enter_in_any_calling_hours_text_is_acknowledged(
    slack: SlackDriver,
    form: dict[str, Any],
    data: st.DataObject,
    text: Any,
    schedule_block: str,
    ascii_only: bool,
) -> None:
    view = with_schedule_block(form, schedule_block)
    state = {
        **data.draw(fuzzed_state(view, FILLED, FIELD_VALUES), label="state.values"),
        schedule_block: {"schedule_input": {"type": "plain_text_input", "value": text}},
    }
    action = {
        "type": "plain_text_input",
        "block_id": schedule_block,
        "action_id": "schedule_input",
        "value": text,
        "action_ts": str(time.time()),
    }
    payload = interaction(
        "block_actions",
        {**view, "hash": "h-fuzz", "state": {"values": state}},
        container={"type": "view", "view_id": view["id"]},
        actions=[action],
    )

    response = send(slack, payload, ascii_only=ascii_only)
    if response is None:
        return

    assert answer_of(response) is None


# Minimal cases the fuzzing found ----------------------------------------------------------------


def test_a_form_sent_without_its_renamed_schedule_block_gets_errors_only_on_blocks_it_has(
    slack: SlackDriver, form: dict[str, Any]
) -> None:
    """After the picker the schedule text's block is `schedule.2`: Slack can only show an error under
    an input the view has, so "Say when to call" must land there, not on `schedule`."""
    view = with_schedule_block(form, "schedule.2")
    state = form_state(view, FILLED)
    del state["schedule.2"]

    response = slack.interact(interaction("view_submission", {**view, "state": {"values": state}}))

    answer = answer_of(response)
    assert answer["response_action"] == "errors"
    assert set(answer["errors"]) <= input_block_ids(view)


@pytest.mark.parametrize("metadata", [["x"], 5])
def test_picker_metadata_that_is_not_a_string_is_refused_politely(
    slack: SlackDriver, picker: dict[str, Any], metadata: Any
) -> None:
    """As the campaign form's own metadata is (`Origin.decode`): closed, not a 500."""
    view = {**picker, "private_metadata": metadata, "state": {"values": form_state(picker, {})}}

    response = slack.interact(interaction("view_submission", view))

    assert answer_of(response) == {"response_action": "clear"}


# What the answers don't show ----------------------------------------------------------------------


def _settled(*stand_ins: FakeSlack | FakeStarleads, timeout: float = 10) -> None:
    """Wait for the work the bot does after its acks (views.update, creates) to finish."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not all(s.quiet_for(0.3) for s in stand_ins):
        time.sleep(0.05)


def test_the_bot_logged_no_failure_while_fuzzed(
    bot: RunningBot, log_start: int, fake_slack: FakeSlack, fake_starleads: FakeStarleads
) -> None:
    """Work after the ack (previews, creates, cards) fails only in the log: it must not fail at all."""
    _settled(fake_slack, fake_starleads)
    written = bot.log()[log_start:]
    lines = written.splitlines()
    bad = [i for i, line in enumerate(lines) if any(marker in line for marker in FAILURE_MARKERS)]
    assert not bad, "\n".join(lines[max(bad[0] - 2, 0) : bad[0] + 40])
    assert httpx.get(f"{bot.url}/healthz").status_code == 200
