"""Each person is answered in their own Slack language; a channel hears its campaign creator's, also
after a restart. The real bot, signed requests, Slack's `users.info` played by the stand-in."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.call_results_driver import (
    CAMPAIGN,
    CAMPAIGN_FORM,
    PASCAL,
    WEBHOOK_URL,
    post,
    query,
    subscription_of,
    token_in,
)
from tests.conftest import Crashable, RunningBot, open_form, polled, serving
from tests.french import typeset
from tests.slack_driver import SlackDriver, unique_id
from tests.slack_views import ENGLISH_HELP, FRENCH_HELP, texts
from tests.standins.slack_api import FakeSlack
from tests.standins.starleads_api import FakeStarleads


def person(fake_slack: FakeSlack, locale: str) -> str:
    """A new person (the bot remembers each one's language for an hour) whose Slack speaks `locale`."""
    user_id = unique_id("U")
    fake_slack.set_locale(user_id, locale)
    return user_id


def answered(slack: SlackDriver, text: str, user_id: str, channel_id: str = "C0TEAM01") -> str:
    response = slack.command(text, user_id=user_id, channel_id=channel_id)
    assert response.status_code == 200
    body = response.json()
    assert body["response_type"] == "ephemeral"
    return str(body["text"])


def help_turns_french(slack: SlackDriver, user_id: str) -> None:
    """Once Slack's late answer is in, the person's next request speaks French (no second call needed)."""
    said = polled(lambda: answered(slack, "help", user_id), lambda text: text.startswith(FRENCH_HELP), 10)
    assert said.startswith(FRENCH_HELP), "the late users.info answer was never used"


@pytest.mark.parametrize("locale", ["fr-FR", "fr-CA"])
def test_a_french_speaker_gets_help_and_answers_in_french(
    slack: SlackDriver, fake_slack: FakeSlack, locale: str
) -> None:
    french = person(fake_slack, locale)

    assert answered(slack, "help", french).startswith(FRENCH_HELP)
    assert answered(slack, "subscribe", french).startswith(
        "Quelle campagne\u00a0? Tapez `/starleads subscribe"
    )
    unknown = answered(slack, "launch", french)
    assert unknown.startswith("Je ne connais pas `/starleads launch`.\n\n" + FRENCH_HELP)
    assert [call["include_locale"] for call in fake_slack.calls("users.info")] in (["1"], ["true"])


def test_an_english_speaker_in_the_same_channel_gets_english_and_other_locales_the_default(
    slack: SlackDriver, fake_slack: FakeSlack
) -> None:
    french, english, german = (person(fake_slack, locale) for locale in ("fr-FR", "en-US", "de-DE"))

    assert answered(slack, "help", french).startswith(FRENCH_HELP)
    assert answered(slack, "help", english).startswith(ENGLISH_HELP)
    assert answered(slack, "help", german).startswith(ENGLISH_HELP)  # DEFAULT_LANGUAGE is unset: English
    assert answered(slack, "subscribe", english).startswith("Which campaign? Type `/starleads subscribe")


def test_each_person_costs_one_users_info_an_hour(slack: SlackDriver, fake_slack: FakeSlack) -> None:
    french = person(fake_slack, "fr-FR")

    for _ in range(3):
        assert answered(slack, "help", french).startswith(FRENCH_HELP)

    assert [call["user"] for call in fake_slack.calls("users.info")] == [french]


def test_the_form_opens_in_the_openers_language(slack: SlackDriver, fake_slack: FakeSlack) -> None:
    french, english = person(fake_slack, "fr-FR"), person(fake_slack, "en-US")

    assert "Nom de la campagne" in texts(open_form(slack, fake_slack, user_id=french))
    english_form = texts(open_form(slack, fake_slack, user_id=english))
    assert "Campaign name" in english_form
    assert "Nom de la campagne" not in english_form


def test_a_slow_users_info_opens_the_form_in_the_default_language_and_serves_the_next_request(
    slack: SlackDriver, fake_slack: FakeSlack
) -> None:
    french = person(fake_slack, "fr-FR")
    # Slack answers only once the form is open: the bot waited for it in vain
    with fake_slack.holding("users.info", where=lambda call: call.get("user") == french):
        form = texts(open_form(slack, fake_slack, user_id=french))

    assert "Campaign name" in form  # not waited for: English, the default
    assert "Nom de la campagne" not in form
    # Slack's late answer is kept: the person's next request speaks French, with no second call.
    help_turns_french(slack, french)
    assert len(fake_slack.calls("users.info")) == 1


def test_a_persons_first_command_acks_without_waiting_for_slack_to_say_their_language(
    slack: SlackDriver, fake_slack: FakeSlack
) -> None:
    french = person(fake_slack, "fr-FR")
    # Slack answers only once the ack is in: waiting for it, the ack would be late
    with fake_slack.holding("users.info", where=lambda call: call.get("user") == french):
        acked = slack.command("campaign", user_id=french, channel_id=unique_id("C"))
    assert acked.status_code == 200
    assert not acked.content  # nothing said, so no language needed yet

    # The form waited for the answer, which came right after the ack: French (an ack that had waited
    # for it in vain would have opened the form in English, the default).
    form = texts({**fake_slack.wait_call("views.open")[-1]["view"], "id": unique_id("V")})
    assert "Nom de la campagne" in form


def test_a_persons_first_subscribe_acks_without_waiting_and_answers_in_their_language_after(
    slack: SlackDriver, fake_slack: FakeSlack
) -> None:
    french = person(fake_slack, "fr-FR")
    with fake_slack.holding("users.info", where=lambda call: call.get("user") == french):
        acked = slack.command(f"subscribe {CAMPAIGN}", user_id=french, channel_id=unique_id("C"))
    assert acked.status_code == 200
    assert not acked.content

    answer = fake_slack.wait_response_url()[0]["text"]
    assert answer.startswith(typeset(f"Voici l’adresse webhook de la campagne `{CAMPAIGN}`"))


@pytest.mark.parametrize(
    ("typed", "refusal"),
    [
        ("subscribe", "Quelle campagne ? Tapez `/starleads subscribe"),
        ("subscribe abc/def", "`abc/def` n’est pas un ID de campagne : un ID ne contient ni espace"),
        (f"subscribe {'x' * 201}", "est trop long pour un ID de campagne (200 caractères au plus)."),
    ],
    ids=["no-id", "not-an-id", "too-long"],
)
def test_an_ack_with_words_waits_for_the_persons_language(
    slack: SlackDriver, fake_slack: FakeSlack, typed: str, refusal: str
) -> None:
    french = person(fake_slack, "fr-FR")
    released = fake_slack.hold("users.info", where=lambda call: call.get("user") == french)
    with ThreadPoolExecutor(1) as pool:
        acking = pool.submit(slack.command, typed, user_id=french, channel_id=unique_id("C"))
        fake_slack.wait_timed("users.info", lambda call: call.get("user") == french)
        released.set()  # Slack answers while the ack is waiting for it
        answer = acking.result().json()["text"]
    assert typeset(refusal) in answer


def test_a_french_subscription_answers_in_french_after_the_ack_and_keeps_french_for_its_thread(
    bot: RunningBot, slack: SlackDriver, fake_slack: FakeSlack
) -> None:
    french, english = person(fake_slack, "fr-FR"), person(fake_slack, "en-US")
    french_channel, english_channel = unique_id("C"), unique_id("C")

    slack.command(f"subscribe {CAMPAIGN}", user_id=french, channel_id=french_channel)
    french_answer = fake_slack.wait_response_url()[0]["text"]
    slack.command(f"subscribe {CAMPAIGN}", user_id=english, channel_id=english_channel)
    english_answer = fake_slack.wait_response_url(count=2)[-1]["text"]

    assert french_answer.startswith(
        typeset(f"Voici l’adresse webhook de la campagne `{CAMPAIGN}`, liée à ce canal :")
    )
    assert typeset("Gardez cette adresse privée : quiconque") in french_answer
    assert WEBHOOK_URL.search(french_answer)
    assert english_answer.startswith(f"Here is the webhook address for campaign `{CAMPAIGN}`")
    assert subscription_of(bot, french_channel)["language"] == "fr"
    assert subscription_of(bot, english_channel)["language"] == "en"


@pytest.fixture(scope="module")
def french_by_default(
    fake_slack: FakeSlack, fake_starleads: FakeStarleads, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningBot]:
    yield from serving(fake_slack, fake_starleads, tmp_path_factory.mktemp("french"), DEFAULT_LANGUAGE="fr")


def test_default_language_answers_those_whose_locale_the_bot_does_not_speak(
    french_by_default: RunningBot, fake_slack: FakeSlack
) -> None:
    fake_slack.reset()
    slack = SlackDriver(french_by_default.url, fake_slack.response_url())
    german, english = person(fake_slack, "de-DE"), person(fake_slack, "en-GB")

    assert answered(slack, "help", german).startswith(FRENCH_HELP)
    assert answered(slack, "help", english).startswith(ENGLISH_HELP)
    assert answered(slack, "language fr", english).startswith("This bot's language is set by whoever runs it")


def test_a_card_found_after_a_restart_speaks_its_creators_french(
    restartable: Crashable, fake_slack: FakeSlack, fake_starleads: FakeStarleads
) -> None:
    fake_slack.reset()
    fake_starleads.reset()
    fake_starleads.create_delay_seconds = 0.3
    fake_starleads.answer_late_seconds = 2.5  # no answer in time: the bot looks for the campaign later
    french = person(fake_slack, "fr-FR")
    driver = restartable.driver()
    view = open_form(driver, fake_slack, user_id=french)
    assert driver.submit(view, CAMPAIGN_FORM, user_id=french).json()["response_action"] == "update"
    fake_slack.wait_view_update(view["id"], timeout=15)
    [row] = query(restartable.bot, "select language from campaign_creations")
    assert row == {"language": "fr"}

    restartable.kill_and_restart()  # before the bot looked: the new process doesn't know who asked

    card = fake_slack.wait_call("chat.postMessage", timeout=20)[0]
    assert "lun.–ven. 09:00–12:00, 14:00–17:00" in texts(card)
    assert "Mon–Fri" not in texts(card)


def test_results_after_a_restart_keep_the_cards_language(
    restartable: Crashable, fake_slack: FakeSlack, fake_starleads: FakeStarleads
) -> None:
    fake_slack.reset()
    fake_starleads.reset()
    french = person(fake_slack, "fr-FR")
    driver = restartable.driver()
    channel = unique_id("C")
    view = open_form(driver, fake_slack, channel, user_id=french)
    assert driver.submit(view, CAMPAIGN_FORM, user_id=french).json()["response_action"] == "update"
    token = token_in(fake_starleads.wait_creates()[-1].json())
    card = fake_slack.wait_timed("chat.postMessage", lambda call: call.get("channel") == channel)[0][1]
    assert "lun.–ven. 09:00–12:00, 14:00–17:00" in texts(card)
    card_ts = polled(lambda: subscription_of(restartable.bot, channel)["thread_ts"], bool, 10)
    assert card_ts, "the card never became the results thread"

    restartable.kill_and_restart()
    assert post(restartable.bot, token, PASCAL).json() == {"status": "stored"}

    fake_slack.wait_timed("chat.postMessage", lambda call: call.get("thread_ts") == card_ts)
    assert subscription_of(restartable.bot, channel)["language"] == "fr"
    tally = fake_slack.wait_timed("chat.update", lambda call: call.get("ts") == card_ts, timeout=15)[0][1]
    assert "lun.–ven. 09:00–12:00, 14:00–17:00" in texts(tally)
    assert typeset("*Résultats d’appel :*") in texts(tally)
    assert "Call results" not in texts(tally)


def test_a_french_speaker_gets_french_field_errors_and_a_french_card_an_english_one_english(
    slack: SlackDriver, fake_slack: FakeSlack, fake_starleads: FakeStarleads
) -> None:
    channel = unique_id("C")
    said = {}
    for locale, empty_name, schedule in (
        ("fr-FR", typeset("Donnez un nom à la campagne, par exemple « Relance Q4 »."), "lun.–ven."),
        ("en-US", "Give the campaign a name, e.g. “Relance Q4”.", "Mon–Fri"),
    ):
        speaker = person(fake_slack, locale)
        view = open_form(slack, fake_slack, channel, user_id=speaker)
        refused = slack.submit(view, {**CAMPAIGN_FORM, "name": ""}, user_id=speaker).json()
        assert refused["response_action"] == "errors"
        assert empty_name in refused["errors"].values()

        posted = len(fake_slack.calls("chat.postMessage"))
        assert slack.submit(view, CAMPAIGN_FORM, user_id=speaker).json()["response_action"] == "update"
        card = fake_slack.wait_call("chat.postMessage", count=posted + 1)[-1]
        said[locale] = texts(card)
        assert schedule in said[locale]

    assert "Mon–Fri" not in said["fr-FR"]
    assert "lun.–ven." not in said["en-US"]


def test_a_form_keeps_the_language_it_opened_in_once_its_openers_language_is_learnt(
    slack: SlackDriver, fake_slack: FakeSlack
) -> None:
    french = person(fake_slack, "fr-FR")
    # Slack answers only once the form is open
    with fake_slack.holding("users.info", where=lambda call: call.get("user") == french):
        view = open_form(slack, fake_slack, user_id=french)
    assert "Campaign name" in texts(view)  # Slack was slow: the default language
    help_turns_french(slack, french)  # now the bot knows: French

    refused = slack.submit(view, {**CAMPAIGN_FORM, "name": ""}, user_id=french).json()

    assert list(refused["errors"].values()) == ["Give the campaign a name, e.g. “Relance Q4”."]
