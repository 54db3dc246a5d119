"""Everything the Slack side shows, in French: the form (its field errors, the timezone menu, the
schedule picker), the status views, the card, call-result replies, the tally and the thread's notes,
the connect form, and the private notes of a create.

Each one is rendered in English and in French from the same inputs, text by text (titles, labels,
hints, placeholders, options, buttons, message texts): a text a person reads that is the same in both
languages is English left, unless it is only outside values (a campaign's name, IDs, code) or a word
French writes the same way. No English message of the catalog may appear in a French rendering either.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from babel.messages.pofile import read_po
from slack_sdk.web.async_client import AsyncWebClient

from bot.call_results import CallResult, forward_problems
from bot.campaigns.create_flow import Earlier, Replay
from bot.campaigns.creation import locate_problem
from bot.campaigns.draft import CampaignDraft, DraftField, DraftInput, DraftInvalid
from bot.campaigns.outcome import Created, Unavailable
from bot.campaigns.publication import Delivery, Publication, ResultsRoute
from bot.campaigns.submission import Submission
from bot.campaigns.timezones import CURATED_ZONE_NAMES, timezone_choices
from bot.i18n import LOCALES_DIR, Language, _, speaking
from bot.schedule import parse_schedule, warm_up
from bot.schedule.controls import ScheduleControls
from bot.slack.blocks import call_result, campaign_card, campaign_form, connect_form, schedule_picker
from bot.slack.blocks.kit import TITLE_LIMIT, Card
from bot.slack.creation_report import ModalReport
from bot.slack.origin import Origin
from bot.starleads.errors import StarleadsRejected
from bot.starleads.models import Campaign, Problem
from bot.workspaces.connections import Connection
from tests.campaigns.test_draft_in_french import EVERYTHING_WRONG
from tests.french import NBSP, typeset
from tests.standins.slack_api import FakeSlack

NAME = "Relance Q4"
AGENT_NAME = "Camille"
CAMPAIGN_ID = "66f1b2d0016e6d3e9353ab99"
STARLEADS_SAYS = "The agent does not exist"
"""Starleads' own words: outside text, shown as it came."""
OUTSIDE = (NAME, AGENT_NAME, CAMPAIGN_ID, STARLEADS_SAYS, "Rendez-vous", "Rappel", "hooks.example.com")
SAME_IN_BOTH = ("Agent", "Webhook", "Europe")
"""Words French writes as English does."""
ENGLISH_ONLY = frozenset(
    re.findall(
        r"\w+",
        "the is are and or of to in this that your you will be with was it its call calls results result "
        "campaign created create try again pick days hours first second window starts ends key paste here "
        "connect connected workspace posted thread none yet each tag attempt error cancel close back done "
        "status retries phone number apart up could not after kept time timezone when say",
    )
)
"""Words of the English texts that French never uses: any of them in a French text is English left."""
_INERT = re.compile(r"`[^`]*`|<[^>]*>|:[a-z0-9_+-]+:|^>.*$|https?://\S+", re.MULTILINE)
WINTER = datetime(2026, 1, 15, 12, tzinfo=UTC)

Rendering = dict[str, Any] | Card | tuple[str, list[dict[str, Any]]]


@pytest.fixture(scope="module", autouse=True)
def _dateparser_loaded() -> None:
    warm_up()


def _texts(rendering: Rendering) -> list[str]:
    """Every text a person reads, in order: a message's fallback text, then each plain_text and mrkdwn
    object (titles, buttons, labels, hints, placeholders, options and their groups, sections)."""
    if isinstance(rendering, tuple):
        rendering = Card(*rendering)
    if isinstance(rendering, Card):
        rendering = {"text": {"type": "plain_text", "text": rendering.text}, "blocks": rendering.blocks}
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") in ("plain_text", "mrkdwn") and isinstance(node.get("text"), str):
                found.append(node["text"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(rendering)
    return found


def _words(text: str) -> str:
    """The text's own words: without code, Slack's tokens, emoji, quotes, links, outside values and
    the words French writes as English does."""
    text = _INERT.sub(" ", text)
    for value in (*OUTSIDE, *SAME_IN_BOTH):
        text = text.replace(value, " ")
    return text


def _english_fragments() -> list[str]:
    """The catalog's English messages, cut at their `{fields}`: each piece of two words or more."""
    with (LOCALES_DIR / "messages.pot").open("rb") as template:
        messages = [message for message in read_po(template) if message.id]
    pieces: set[str] = set()
    for message in messages:
        for text in message.id if isinstance(message.id, tuple) else (message.id,):
            for piece in re.split(r"\{[^}]*\}", text):
                words = piece.strip(" *“”():.,;`<>@#")
                if len(re.findall(r"[A-Za-z]{2,}", words)) >= 2:
                    pieces.add(words)
    return sorted(pieces)


ENGLISH_FRAGMENTS = _english_fragments()


def _english_left(render: Callable[[], Rendering]) -> list[str]:
    with speaking("en"):
        english = render()
    with speaking("fr"):
        french = render()
    return _english_left_between(english, french)


def _english_left_between(english_rendering: Rendering, french_rendering: Rendering) -> list[str]:
    """The French texts that are still English: the same as in English though they have words of
    their own, with words French never uses, or with a piece of an English message of the catalog."""
    english, french = _texts(english_rendering), _texts(french_rendering)
    assert len(french) == len(english), "the French rendering has other texts than the English one"
    left = []
    for english_text, french_text in zip(english, french, strict=True):
        own = _words(french_text)
        same = english_text == french_text and re.search(r"[A-Za-z]{2,}", own)
        words = set(re.findall(r"\w+", own.lower())) & ENGLISH_ONLY
        pieces = [piece for piece in ENGLISH_FRAGMENTS if piece in french_text]
        if same or words or pieces:
            left.append(french_text)
    return left


# The renderings ---------------------------------------------------------------------------------


def _typed(**changes: Any) -> DraftInput:
    return DraftInput(
        name=NAME,
        agent_id="agent-123",
        phone_number="01 23 45 67 89",
        max_retries="3",
        delay_hours="1.5",
        webhook_url="https://hooks.example.com/starleads/abc",
        timezone="Europe/Paris",
        schedule="lun-ven 9h-12h, 14h-17h",
        post_results=True,
    ).model_copy(update=changes)


def _draft(**changes: Any) -> CampaignDraft:
    return CampaignDraft.from_input(_typed(**changes))


def _field_errors() -> dict[DraftField, str]:
    """Every field wrong at once, as the form's checks word it in the current language."""
    with pytest.raises(DraftInvalid) as caught:
        CampaignDraft.from_input(DraftInput(**EVERYTHING_WRONG))
    return caught.value.errors


def _result(**changes: Any) -> CallResult:
    body = {
        "id": 7,
        "campaignid": CAMPAIGN_ID,
        "runningstatus": "done",
        "attemptcount": 2,
        "phonenumber": "+33612345678",
        "databag": {"firstname": AGENT_NAME},
        "result": {"tag": {"name": "Rendez-vous", "color": "#2ecc71"}, "summary": "Rappeler mardi."},
    }
    return CallResult.read({**body, **changes})


def _preview(text: str, timezone: str | None) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": campaign_form.schedule_preview(text, timezone)}


def _connection(connected_by: str) -> Connection:
    return Connection(masked_key="…9f3a", connected_by=connected_by, connected_at=WINTER)


BUILDERS: dict[str, Callable[[], Rendering]] = {
    "the empty form": lambda: campaign_form.campaign_form(DraftInput(post_results=False), "{}"),
    "the form without results": lambda: campaign_form.campaign_form(_typed(post_results=None), "{}"),
    "the form with every field error and a banner": lambda: campaign_form.campaign_form(
        DraftInput(**EVERYTHING_WRONG, post_results=True),
        "{}",
        problems=_field_errors(),
        banner=locate_problem(StarleadsRejected(422, Problem(detail=STARLEADS_SAYS))).general,
    ),
    "the form with a timezone outside the menu": lambda: campaign_form.campaign_form(
        _typed(timezone="America/Argentina/Buenos_Aires"), "{}"
    ),
    "the schedule preview, empty": lambda: _preview("", None),
    "the schedule preview, read": lambda: _preview("Mon-Fri 9-12", "UTC"),
    "the schedule preview, wrong": lambda: _preview("demain 9h", None),
    "the schedule picker": lambda: schedule_picker.schedule_picker(
        ScheduleControls.from_schedule(parse_schedule("Mon-Fri 9-12, 14-17"))[0], "{}", shows_whole=True
    ),
    "the schedule picker over uneven hours": lambda: schedule_picker.schedule_picker(
        ScheduleControls.from_schedule(parse_schedule("Mon 9-12; Tue 10-11"))[0], "{}", shows_whole=False
    ),
    "the card": lambda: campaign_card.campaign_card(
        _draft(),
        campaign_id=CAMPAIGN_ID,
        agent_name=AGENT_NAME,
        created_by="U0001",
        starleads_app_url="https://app.example.com",
    ),
    "the card of a late, bare campaign": lambda: campaign_card.campaign_card(
        _draft(phone_number=None, webhook_url=None, max_retries="1"),
        campaign_id=CAMPAIGN_ID,
        agent_name=None,
        created_by="U0001",
        starleads_app_url="https://app.example.com",
        note=_("Starleads answered late: this campaign was created after all."),
    ),
    "the card with its tally": lambda: call_result.with_tally(
        Card(
            *campaign_card.campaign_card(
                _draft(),
                campaign_id=CAMPAIGN_ID,
                agent_name=None,
                created_by="U0001",
                starleads_app_url="https://app.example.com",
            )
        ),
        {"Rendez-vous": 3, None: 2, "Rappel": 1},
    ),
    "a subscription's root": lambda: call_result.results_root(CAMPAIGN_ID),
    "a subscription's root without an ID": lambda: call_result.results_root(None),
    "a call result": lambda: call_result.result_reply(_result()),
    "a failed call without tag or attempt": lambda: call_result.result_reply(
        _result(runningstatus="Error", attemptcount=None, result={"summary": "Injoignable."})
    ),
    "the undeliverable note": call_result.undeliverable_note,
    "the forwarding note, one result": lambda: call_result.forward_failed_note(
        "hooks.example.com", 1, "HTTP 500", WINTER
    ),
    "the forwarding note, several results, no host": lambda: call_result.forward_failed_note(
        "", 3, "HTTP 500", WINTER
    ),
    **{
        f"the forwarding note, {name}": (
            lambda problem=problem: call_result.forward_failed_note(
                "hooks.example.com", 2, forward_problems.said(problem, "hooks.example.com"), WINTER
            )
        )
        for name, problem in (
            ("no DNS answer", forward_problems.NOT_RESOLVED),
            ("an unusable URL", forward_problems.UNUSABLE_URL),
            ("an unexpected error", forward_problems.UNEXPECTED),
            ("a private address", forward_problems.INSIDE_THE_NETWORK),
        )
    },
    "the connect form": lambda: connect_form.connect_form(None),
    "the connect form, connected": lambda: connect_form.connect_form(_connection("U0001")),
    "the connect form, connected by nobody known": lambda: connect_form.connect_form(_connection("")),
    "the connected view": lambda: connect_form.connected_view(_connection("U0001")),
}


@pytest.mark.parametrize("name", BUILDERS)
def test_no_english_left_in_french(name: str) -> None:
    assert _english_left(BUILDERS[name]) == []


@pytest.mark.parametrize("name", BUILDERS)
def test_the_check_finds_an_untranslated_rendering(name: str) -> None:
    """Were nothing translated, the check would say so: English compared with itself is English left."""
    with speaking("en"):
        english = BUILDERS[name]()
    assert _english_left_between(english, english) != []


# The private notes and views of a create, through Slack's Web API -----------------------------------


@pytest.fixture
def slack_api(fake_slack: FakeSlack) -> Iterator[FakeSlack]:
    fake_slack.reset()
    yield fake_slack
    fake_slack.reset()


def _report_in(language: Language, fake_slack: FakeSlack, key: str) -> ModalReport:
    with speaking(language):
        submission = Submission.of(key, _typed(), user_id="U0001", channel_id="C0001")
    origin = Origin(channel_id="C0001", user_id="U0001", response_url=fake_slack.response_url(key))
    client = AsyncWebClient(token="xoxb-test", base_url=fake_slack.api_url)
    return ModalReport(client, submission, origin, starleads_app_url="https://app.example.com")


CREATED = Created(Campaign(id=CAMPAIGN_ID, name=NAME), agent_name=AGENT_NAME)


def _publication(delivery: Delivery, results: ResultsRoute, *, late: bool = False) -> Publication:
    return Publication(CREATED, late=late, delivery=delivery, results=results, invite_tip=False)


REPORTS: dict[str, Callable[[ModalReport], Any]] = {
    "waiting": lambda report: report.waiting(_("Starleads is receiving too many requests right now.")),
    "creating": lambda report: report.creating(),
    "not saved": lambda report: report.not_saved(),
    "already created": lambda report: report.earlier(Earlier(Replay.CREATED, CAMPAIGN_ID)),
    "never answered": lambda report: report.earlier(Earlier(Replay.UNKNOWN)),
    "rejected": lambda report: report.failed(
        locate_problem(StarleadsRejected(404, Problem(detail=STARLEADS_SAYS)))
    ),
    "unavailable": lambda report: report.failed(
        Unavailable(
            _("Starleads is unavailable right now (HTTP 503)."),
            outcome_unknown=False,
            cause="Starleads answered 503",
        )
    ),
    "outcome unknown": lambda report: report.failed(
        Unavailable(
            _("Starleads did not answer in time, so the campaign may or may not have been created."),
            outcome_unknown=True,
            cause="Starleads did not answer in time",
        )
    ),
    "card posting, late": lambda report: report.post_card(CREATED, late=True, results_here=True),
    **{
        f"published {delivery.value}, results {results.value}": (
            lambda report, delivery=delivery, results=results: report.published(
                _publication(delivery, results)
            )
        )
        for delivery in Delivery
        for results in ResultsRoute
    },
    "published late": lambda report: report.published(
        _publication(Delivery.POSTED, ResultsRoute.THREAD, late=True)
    ),
}


def _shown(fake_slack: FakeSlack, key: str) -> list[dict[str, Any]]:
    """Every view, message and private note the report sent for `key`, in order."""
    views = [call["view"] for call in fake_slack.calls("views.update") if call.get("view_id") == key]
    messages = [
        Card(call["text"], call["blocks"] if isinstance(call["blocks"], list) else [])
        for call in fake_slack.calls("chat.postMessage")
        if call.get("channel") == "C0001"
    ]
    notes = [
        {"text": {"type": "mrkdwn", "text": post["text"]}} for post in fake_slack.response_url_posts(key)
    ]
    return [*views, *messages, *notes]


MODAL_GONE = ("rejected", "unavailable")
"""Outcomes that reach the user privately when the modal is gone (closed, or Slack failed)."""


def _reported(fake_slack: FakeSlack, language: Language, name: str, *, modal_gone: bool) -> list[Rendering]:
    key = f"V{language.upper()}{list(REPORTS).index(name):04d}{'G' if modal_gone else ''}"
    if modal_gone:
        fake_slack.fail("views.update", "not_found", where=lambda call: call.get("view_id") == key)
    report = _report_in(language, fake_slack, key)

    async def run() -> None:
        with speaking(language):
            await REPORTS[name](report)

    asyncio.run(run())
    return _shown(fake_slack, key)


@pytest.mark.parametrize(
    ("name", "modal_gone"), [*((name, False) for name in REPORTS), *((name, True) for name in MODAL_GONE)]
)
def test_a_create_reports_in_french_with_no_english_left(
    slack_api: FakeSlack, name: str, modal_gone: bool
) -> None:
    english = _reported(slack_api, "en", name, modal_gone=modal_gone)
    slack_api.reset()
    french = _reported(slack_api, "fr", name, modal_gone=modal_gone)
    assert len(french) == len(english) > 0
    for english_shown, french_shown in zip(english, french, strict=True):
        assert _english_left_between(english_shown, french_shown) == []


# What a French user checks by eye --------------------------------------------------------------------


def test_the_french_schedule_picker() -> None:
    controls, whole = ScheduleControls.from_schedule(parse_schedule("Mon-Fri 9-12, 14-17"))
    with speaking("fr"):
        picker = schedule_picker.schedule_picker(controls, "{}", shows_whole=whole)
    days, *windows = [block for block in picker["blocks"] if block["type"] == "input"]
    assert picker["title"]["text"] == "Jours et heures"
    assert (picker["submit"]["text"], picker["close"]["text"]) == ("Utiliser ces heures", "Retour")
    assert days["label"]["text"] == "Jours"
    assert [option["text"]["text"] for option in days["element"]["options"]] == [
        "lundi",
        "mardi",
        "mercredi",
        "jeudi",
        "vendredi",
        "samedi",
        "dimanche",
    ]
    assert [option["value"] for option in days["element"]["initial_options"]] == [
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
    ]
    assert [window["label"]["text"] for window in windows] == [
        "Début de la première plage",
        "Fin de la première plage",
        "Début de la seconde plage",
        "Fin de la seconde plage",
    ]
    assert {window["element"]["placeholder"]["text"] for window in windows} == {"Choisissez une heure"}


def test_the_french_form_shows_each_field_error_under_its_field() -> None:
    with speaking("fr"):
        form = campaign_form.campaign_form(DraftInput(**EVERYTHING_WRONG), "{}", problems=_field_errors())
    notes = {
        block["block_id"]: block["elements"][0]["text"]
        for block in form["blocks"]
        if block["type"] == "context"
    }
    assert notes["name_problem"] == typeset(
        ":warning: Donnez un nom à la campagne, par exemple « Relance Q4 »."
    )
    assert notes["delay_hours_problem"].startswith(":warning: Écrivez le délai en heures")
    assert notes["schedule_problem"].startswith(typeset(":warning: « demain » est une date ponctuelle :"))
    assert notes["schedule_preview"].startswith(typeset(":warning: « demain » est une date ponctuelle :"))
    assert len([block_id for block_id in notes if block_id.endswith("_problem")]) == len(EVERYTHING_WRONG)
    assert form["title"]["text"] == "Nouvelle campagne"
    assert (form["submit"]["text"], form["close"]["text"]) == ("Créer la campagne", "Annuler")


def test_the_french_timezone_menu_names_places_as_french_does() -> None:
    """Regions and values: tests/campaigns/test_draft_in_french.py."""
    with speaking("en"):
        english = timezone_choices(WINTER)
    with speaking("fr"):
        french = timezone_choices(WINTER)
    labels = {zone: label for zones in french.values() for zone, label in zones}
    assert labels["Europe/Paris"] == "Paris (UTC+01:00)"
    assert labels["Europe/London"] == "Londres (UTC+00:00)"
    assert labels["Indian/Reunion"] == "La Réunion (UTC+04:00)"
    assert labels["America/Montreal"] == "Montréal (UTC-05:00)"
    assert labels["UTC"] == "Temps universel coordonné (UTC+00:00)"
    english_labels = {zone: label for zones in english.values() for zone, label in zones}
    assert english_labels["Europe/Paris"] == "Europe/Paris (UTC+01:00)"
    assert set(labels) == CURATED_ZONE_NAMES


@pytest.mark.parametrize("name", BUILDERS)
def test_french_titles_and_buttons_fit_without_a_cut(name: str) -> None:
    with speaking("fr"):
        rendering = BUILDERS[name]()
    if isinstance(rendering, dict):
        for key in ("title", "submit", "close"):
            if key in rendering:
                assert not rendering[key]["text"].endswith("…"), f"cut at {TITLE_LIMIT} characters"


def test_the_french_examples_of_calling_hours_read_as_the_default_hours() -> None:
    with speaking("fr"):
        hint = campaign_form.schedule_preview("", None)
    examples = re.findall(f"«{NBSP}(.+?){NBSP}»", hint)
    assert len(examples) == 2
    assert {parse_schedule(example).render() for example in examples} == {"Mon–Fri 09:00–12:00, 14:00–17:00"}
