"""Text from outside the bot never pings, links or impersonates, and no value is long enough to lose a
card: what people type, what Starleads says and what contacts say reach Slack inert and within limits."""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.slack.blocks.campaign_card import webhook_origin
from bot.slack.blocks.kit import cut, md
from tests.call_results_driver import PASCAL, create, in_thread, post, subscribe
from tests.conftest import RunningBot, open_form
from tests.slack_driver import SlackDriver, unique_id
from tests.slack_views import texts
from tests.standins.block_limits import MESSAGE_BLOCKS, block_problems
from tests.standins.slack_api import FakeSlack
from tests.standins.starleads_api import LONG_NAME_AGENT, PHONE_AGENT, FakeStarleads

BIDI = "\u202e\u2066"  # right-to-left override, left-to-right isolate
PINGS = ("<!channel>", "<!here>", "<!everyone>", "<https://x|y>")
BROKEN_ENTITY = re.compile(r"&[a-z]{0,3}…?$")


def mrkdwn_objects(node: Any) -> list[dict[str, Any]]:
    """Every mrkdwn text object of a message or view."""
    if isinstance(node, dict):
        own = [node] if node.get("type") == "mrkdwn" else []
        return own + [found for value in node.values() for found in mrkdwn_objects(value)]
    if isinstance(node, list):
        return [found for item in node for found in mrkdwn_objects(item)]
    return []


def assert_inert(message: dict[str, Any]) -> None:
    """No mrkdwn object may be auto-parsed, no mrkdwn (nor the fallback text) can ping or link, and no
    text at all can turn around. (Plain text, such as a header, is never parsed.)"""
    objects = mrkdwn_objects(message["blocks"])
    assert all(o.get("verbatim") is True for o in objects), message["blocks"]
    markup = "\n".join([message["text"], *(o["text"] for o in objects)])
    for ping in PINGS:
        assert ping not in markup
    assert not set(BIDI) & set(json.dumps(message, ensure_ascii=False))


# Fast checks of the one place that makes outside text inert ---------------------------------------


@given(st.text(alphabet="&<>`ab\n@", max_size=80), st.integers(min_value=2, max_value=60))
def test_outside_text_cut_to_any_length_keeps_no_markup_and_no_broken_entity(text: str, limit: int) -> None:
    shown = cut(md("{}", text), limit)

    assert len(shown) <= limit
    assert not set("<>\n") & set(shown)
    assert not BROKEN_ENTITY.search(shown)


def test_a_backtick_cannot_close_a_code_span_and_a_quote_keeps_every_line() -> None:
    assert md("ID {:code}", "a`@channel`b") == "ID `aˋ@channelˋb`"
    assert md("{:quote}", "fine\n*Error*: fake\u202e line") == ">fine\n>*Error*: fake line"


# Through the running bot ------------------------------------------------------------------------


def test_a_call_result_is_posted_inert_with_its_summary_kept_inside_its_quote(
    bot: RunningBot, slack: SlackDriver, fake_slack: FakeSlack
) -> None:
    channel, token = subscribe(slack, fake_slack)
    summary = f"call @everyone back <!channel> <https://x|y> {BIDI}{uuid.uuid4().hex}\n*Error*: not the bot"
    result = {
        **PASCAL,
        "DataBag": {"firstname": "@here <!here>"},
        "Result": {**PASCAL["Result"], "Tag": {"Name": "Call <!everyone>"}, "Summary": summary},
    }

    assert post(bot, token, result).json()["status"] == "stored"

    reply = fake_slack.wait_timed("chat.postMessage", in_thread(channel))[0][1]
    assert_inert(reply)
    quote = next(o["text"] for o in mrkdwn_objects(reply["blocks"]) if "@everyone" in o["text"])
    assert quote.startswith(">call @everyone back &lt;!channel&gt; &lt;https://x|y&gt; ")
    assert quote.endswith("\n>*Error*: not the bot")
    assert "@here &lt;!here&gt;" in texts(reply)
    assert "Call &lt;!everyone&gt;" in reply["text"]


def test_a_campaign_id_with_backticks_stays_inside_its_code_span(
    slack: SlackDriver, fake_slack: FakeSlack
) -> None:
    channel, _ = subscribe(slack, fake_slack, campaign_id="x`@channel`y")

    root = fake_slack.wait_timed("chat.postMessage", lambda c: c.get("channel") == channel)[0][1]
    assert_inert(root)
    assert "campaign `xˋ@channelˋy` will appear" in texts(root)


def test_the_card_shows_what_was_typed_inert_and_the_webhook_as_its_host_only(
    slack: SlackDriver, fake_slack: FakeSlack, fake_starleads: FakeStarleads
) -> None:
    webhook = "https://user:pa55@hooks.example.com/x/y?secret=s3cr3t-value"
    name = f"@here <!channel> {BIDI}Relance"

    channel, _, _ = create(slack, fake_slack, fake_starleads, {"name": name, "webhook_url": webhook})

    card = fake_slack.wait_timed("chat.postMessage", lambda c: c.get("channel") == channel)[0][1]
    assert_inert(card)
    shown = texts(card) + card["text"]
    assert "*Webhook*\nhttps://hooks.example.com" in shown
    for secret in ("pa55", "s3cr3t-value", "/x/y"):
        assert secret not in json.dumps(card)
    assert "New campaign: @here <!channel> Relance" in shown  # the header is plain text: never parsed
    assert "@here &lt;!channel&gt; Relance" in card["text"]


def test_long_values_never_lose_the_card(
    slack: SlackDriver, fake_slack: FakeSlack, fake_starleads: FakeStarleads
) -> None:
    webhook = "https://hooks.example.com/in?" + "&".join(f"k{i}=a&b" for i in range(300))[:1870]
    values = {"name": "&" * 200, "agent_id": LONG_NAME_AGENT, "phone_number": None, "webhook_url": webhook}

    channel, _, view = create(slack, fake_slack, fake_starleads, values)

    assert "The card is posted in" in texts(view), texts(view)
    card = fake_slack.wait_timed("chat.postMessage", lambda c: c.get("channel") == channel)[0][1]
    assert block_problems(card["blocks"], max_blocks=MESSAGE_BLOCKS) == []
    assert "R&amp;D &lt;bot&gt; R&amp;D" in texts(card)
    for text in [*(o["text"] for o in mrkdwn_objects(card["blocks"])), card["text"]]:
        assert not BROKEN_ENTITY.search(text), text[-20:]


def test_an_agent_id_that_could_break_a_code_span_is_refused_next_to_its_field(
    slack: SlackDriver, fake_slack: FakeSlack, fake_starleads: FakeStarleads
) -> None:
    view = open_form(slack, fake_slack)

    answer = slack.submit(view, {"name": "Relance", "agent_id": "a`@channel`b"}).json()

    assert answer["response_action"] == "errors"
    assert set(answer["errors"]) == {"agent_id"}
    assert "letters, digits, - and _" in answer["errors"]["agent_id"]
    assert fake_starleads.creates() == []


def test_a_prefilled_value_too_long_for_its_box_is_cut_and_the_form_says_so(
    slack: SlackDriver, fake_slack: FakeSlack
) -> None:
    slack.command(f'campaign "{"N" * 250}" agent:{PHONE_AGENT}', channel_id=unique_id("C"))

    form = fake_slack.wait_call("views.open")[0]["view"]
    name_box = next(b for b in form["blocks"] if b.get("block_id") == "name")["element"]
    assert name_box["initial_value"] == "N" * 200
    assert "Campaign name was cut to 200 characters" in texts(form["blocks"][0])
    assert block_problems(form["blocks"], max_blocks=100) == []


@pytest.mark.parametrize(
    ("error", "status", "expected"),
    [
        pytest.param("invalid_arguments", 200, "the form could not be built", id="form-refused"),
        pytest.param("ratelimited", 429, "Slack is busy", id="rate-limited"),
        pytest.param("team_is_restricted", 200, "(`team_is_restricted`)", id="other"),
    ],
)
def test_a_form_slack_would_not_open_is_explained_from_slacks_error(
    bot: RunningBot, slack: SlackDriver, fake_slack: FakeSlack, error: str, status: int, expected: str
) -> None:
    fake_slack.fail("views.open", error, status=status)

    slack.command("campaign", channel_id=unique_id("C"))

    note = fake_slack.wait_response_url()[0]
    assert note["response_type"] == "ephemeral"
    assert expected in note["text"]
    assert "took too long" not in note["text"]
    assert f"views_open_failed error={error}" in bot.wait_for_log(f"views_open_failed error={error}")


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("https://user:pass@hooks.example.com:8443/x?secret=1", "https://hooks.example.com"),
        ("http://[2001:db8::1]:8080/in?key=s", "http://[2001:db8::1]"),
        ("https:///no-host", "—"),
    ],
)
def test_the_cards_webhook_is_its_scheme_and_host_only(url: str, shown: str) -> None:
    assert webhook_origin(url) == shown
