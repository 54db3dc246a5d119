"""The schedule language answers a French reader in French: schedules rendered as French writes them,
and every error naming the words at fault, with no English sentence left."""

from __future__ import annotations

import re
from typing import Any

import pytest

from bot.i18n import speaking
from bot.schedule import ScheduleError, WeeklySchedule, parse_schedule, warm_up
from bot.schedule.controls import Control, ControlsInvalid, ScheduleControls
from tests.french import NBSP, typeset
from tests.schedule.test_language import PHRASES

EN_DASH = "\u2013"
_QUOTED = re.compile(f"«{NBSP}(.+?){NBSP}»")
_ENGLISH_WORDS = frozenset(
    re.findall(
        r"\w+",
        "the an is are and or to of in at it which with write like instead not day days time times hours "
        "window start end no has have be can must pick tick",
    )
)
"""Words of the English messages that French never uses: any of them outside quotes is English left."""


@pytest.fixture(scope="module", autouse=True)
def _dateparser_loaded() -> None:
    warm_up()


def _french(rendered: str) -> str:
    """Expected renders are written with "-" and ";" here, as in the English tests."""
    return rendered.replace("-", EN_DASH).replace("; ", f"{NBSP}; ")


def _error_in_french(text: str) -> str:
    with speaking("fr"), pytest.raises(ScheduleError) as caught:
        parse_schedule(text)
    return str(caught.value)


def _english_words_outside_quotes(message: str) -> set[str]:
    return set(re.findall(r"[a-z]+", _QUOTED.sub("", message).lower())) & _ENGLISH_WORDS


@pytest.mark.parametrize(
    ("text", "rendered"),
    [
        ("Mon-Fri 9-12, 14-17", "lun.-ven. 09:00-12:00, 14:00-17:00"),
        ("samedi 10h-13h", "sam. 10:00-13:00"),
        ("lun-ven 9-12, 14-17; sam 10-13", "lun.-ven. 09:00-12:00, 14:00-17:00; sam. 10:00-13:00"),
        ("Mon, Wed, Fri 10-12", "lun., mer., ven. 10:00-12:00"),
        ("Mon, Tue, Sun 10-12", "lun., mar., dim. 10:00-12:00"),
        ("every day 9-12", "lun.-dim. 09:00-12:00"),
        ("Tue-Thu 7am-9; Fri 12:30-18:45", "mar.-jeu. 07:00am-09:00; ven. 12:30-18:45"),
    ],
)
def test_schedules_are_rendered_in_french_and_read_back(text: str, rendered: str) -> None:
    schedule = parse_schedule(text)
    with speaking("fr"):
        assert schedule.render() == _french(rendered)
    assert parse_schedule(_french(rendered)) == schedule


@pytest.mark.parametrize(
    ("text", "fragments"),
    [
        ("demain 9h-12h", ["« demain » est une date ponctuelle : un planning se répète chaque semaine"]),
        ("", ["Le planning est vide : écrivez les jours et les heures comme « lun-ven 9h-12h et 14h-17h »"]),
        ("banane 9h-12h", ["Je ne comprends pas « banane »."]),
        ("Mon-Fri 9-12 foo bar", ["Je ne comprends pas « foo », « bar »."]),
        ("Mon 9-12 pm pm", ["Je ne comprends pas « pm » à cet endroit."]),
        ("le", ["Je ne trouve ni jour ni heure dans « le »."]),
        ("jours 9h-12h", ["« jours » seul ne dit pas quels jours : écrivez « tous les jours »"]),
        ("lundi à 9h", ["« 9h » est une heure seule, pas une plage"]),
        ("Monday 22h-2h", ["« 22h-2h » se lit 22:00–14:00, qui finit avant de commencer"]),
        ("lundi 20h-minuit", ["« minuit » termine la journée : finissez plutôt à 23:59."]),
        ("9-24h", ["« 24h » n’est pas une heure : la journée finit à 23:59"]),
        ("25:00-26:00", ["« 25:00 » n’est pas une heure : les heures vont de 0 à 23"]),
        ("14pm-16pm", ["« 14pm » n’est pas une heure : am/pm ne va qu’avec les heures de 1 à 12"]),
        ("9:30:15-12", ["« 9:30:15 » a des secondes : les appels se planifient à la minute près"]),
        ("Mon 1:2-1:3, 1:4-1:5, 1:6-1:7", ["Trop d’heures inhabituelles, comme « 1:6 »"]),
        ("lun 9-", ["« 9- » n’a pas de fin : écrivez les plages comme « lun-ven » ou « 9h-12h »."]),
        ("-12", ["« -12 » n’a pas de début"]),
        ("lun-", ["« lun- » demande un jour à chaque bout"]),
        ("entre", ["« entre » demande une heure à chaque bout"]),
        ("sauf", ["« sauf » doit être suivi des jours à retirer, comme « sauf mercredi »."]),
        ("quarter past", ["« quarter past » doit être suivi d’une heure"]),
        ("le week-end sauf samedi et dimanche", ["« sauf samedi et dimanche » ne laisse aucun jour d’appel"]),
        ("sauf dimanche", ["« sauf dimanche » retire dimanche", "« tous les jours sauf dimanche »", "« ; »"]),
        ("Mon-Fri 9-12 except Fri 14-17", ["« except Fri 14-17 » ne retire rien le vendredi"]),
        ("x" * 3_001, ["Ce texte fait 3001 caractères ; un planning tient en 3000"]),
    ],
)
def test_french_error_messages_name_the_words_at_fault(text: str, fragments: list[str]) -> None:
    message = _error_in_french(text)
    for fragment in fragments:
        assert (
            fragment.replace("« ", f"«{NBSP}")
            .replace(" »", f"{NBSP}»")
            .replace(" :", f"{NBSP}:")
            .replace(" ;", f"{NBSP};")
            in message
        ), message
    assert _english_words_outside_quotes(message) == set(), message


@pytest.mark.parametrize(
    "phrase", [p for p in PHRASES if p.get("error")], ids=lambda p: p["text"] or "<empty text>"
)
def test_every_shared_error_phrase_is_refused_in_french_quoting_its_words(phrase: dict[str, Any]) -> None:
    message = _error_in_french(phrase["text"])
    if phrase["text"]:
        assert any(quoted.lower() in phrase["text"].lower() for quoted in _QUOTED.findall(message)), message
    assert _english_words_outside_quotes(message) == set(), message


@pytest.mark.parametrize(
    ("text", "group_hours", "default_hours"),
    [
        (
            "en semaine sauf mercredi après-midi",
            "lun., mar., jeu., ven. 14:00-17:00",
            "lun., mar. 09:00-12:00, 14:00-17:00; mer. 09:00-12:00; jeu., ven. 09:00-12:00, 14:00-17:00",
        ),
        (
            "lundi 9h-12h le mardi",
            "lun. 09:00-12:00; mar. 09:00-12:00, 14:00-17:00",
            "lun. 09:00-12:00, 14:00-17:00; mar. 09:00-12:00",
        ),
    ],
)
def test_an_ambiguous_schedule_shows_both_readings_in_french(
    text: str, group_hours: str, default_hours: str
) -> None:
    """The words at fault, then each phrasing the user can type with what it calls, in French."""
    message = _error_in_french(text)
    assert "peut se lire de deux façons" in message
    _at_fault, first, second = _QUOTED.findall(message)
    assert f"{first}{NBSP}» pour appeler {_french(group_hours)}" in message
    assert f"{second}{NBSP}» pour appeler {_french(default_hours)}" in message
    with speaking("fr"):
        assert parse_schedule(first).render() == _french(group_hours)
        assert parse_schedule(second).render() == _french(default_hours)
    assert _english_words_outside_quotes(message) == set(), message


def _picker_errors(**picked: Any) -> dict[Control, str]:
    with speaking("fr"), pytest.raises(ControlsInvalid) as caught:
        ScheduleControls(**picked).to_schedule()
    return caught.value.errors


def test_the_picker_explains_in_french() -> None:
    assert _picker_errors(days=()) == {
        Control.DAYS: "Cochez au moins un jour d’appel.",
        Control.WINDOW_1_START: "Choisissez quand commence la première plage d’appel.",
        Control.WINDOW_1_END: "Choisissez quand finit la première plage d’appel.",
    }
    assert _picker_errors(
        days=("Monday", "Funday"), window_1_start="12:00", window_1_end="09:00", window_2_start="25:00"
    ) == {
        Control.DAYS: typeset("« Funday » n’est pas un jour : cochez des jours du lundi au dimanche."),
        Control.WINDOW_1_END: typeset(
            "Cette plage finit (09:00) avant de commencer (12:00) : choisissez une fin après le début."
        ),
        Control.WINDOW_2_START: typeset(
            "« 25:00 » n’est pas une heure de la journée : choisissez-en une comme 09:00."
        ),
    }
    assert _picker_errors(
        days=("Monday",), window_1_start="09:00", window_1_end="12:00", window_2_end="13:00"
    ) == {Control.WINDOW_2_START: "Choisissez un début et une fin pour la deuxième plage, ou videz les deux."}
    overlap = _picker_errors(
        days=("Monday",),
        window_1_start="09:00",
        window_1_end="12:00",
        window_2_start="11:00",
        window_2_end="13:00",
    )
    assert overlap == {
        Control.WINDOW_2_START: typeset(
            "La deuxième plage (11:00–13:00) chevauche la première (09:00–12:00) : "
            "faites finir l’une avant que l’autre commence, ou videz la deuxième."
        )
    }


def test_french_schedules_compare_equal_to_the_english_ones() -> None:
    with speaking("fr"):
        french = parse_schedule("du lundi au vendredi de 9h à 12h et de 14h à 17h")
    assert french == parse_schedule("Mon-Fri 9-12 and 14-17") == WeeklySchedule.from_api(french.to_api())
