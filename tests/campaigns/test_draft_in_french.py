"""The campaign form's checks, for a French user: every field error in French, quoting what was typed,
with decimals written the French way; English users keep their English."""

from __future__ import annotations

import pytest

from bot.campaigns.draft import CampaignDraft, DraftField, DraftInput, DraftInvalid
from bot.campaigns.timezones import timezone_choices
from bot.i18n import speaking
from bot.schedule import warm_up
from tests.french import typeset


@pytest.fixture(scope="module", autouse=True)
def _dateparser_loaded() -> None:
    warm_up()


def _errors(**typed: str) -> dict[DraftField, str]:
    with pytest.raises(DraftInvalid) as caught:
        CampaignDraft.from_input(DraftInput(**typed))
    return caught.value.errors


EVERYTHING_WRONG = {
    "name": "",
    "agent_id": "agent 12!",
    "phone_number": "12",
    "max_retries": "beaucoup",
    "delay_hours": "deux",
    "webhook_url": "ftp://example.com",
    "timezone": "Mars/Olympus",
    "schedule": "demain",
}


def test_every_field_error_is_in_french_and_quotes_what_was_typed() -> None:
    with speaking("fr"):
        errors = _errors(**EVERYTHING_WRONG)
    assert errors == {
        DraftField.NAME: typeset("Donnez un nom à la campagne, par exemple « Relance Q4 »."),
        DraftField.AGENT_ID: typeset(
            "Un ID d’agent ne contient que des lettres, des chiffres, - et _, pas des espaces, « ! » : "
            "copiez-le depuis la page de l’agent dans Starleads (Agents)."
        ),
        DraftField.PHONE_NUMBER: typeset(
            "« 12 » n’est pas un numéro de téléphone utilisable : saisissez-le au format international "
            "(+33 1 23 45 67 89) ou comme un numéro français (01 23 45 67 89)."
        ),
        DraftField.MAX_RETRIES: typeset(
            "Le nombre maximal de tentatives est un nombre entier de 1 à 4 (limites de Starleads) ; "
            "« beaucoup » n’en est pas un."
        ),
        DraftField.DELAY_HOURS: typeset(
            "Écrivez le délai en heures sous forme de nombre, par exemple 2 ou 1,5 ; "
            "« deux » n’est pas un nombre."
        ),
        DraftField.WEBHOOK_URL: "L’URL du webhook doit commencer par https:// (ou http://), par exemple "
        "https://example.com/hooks/starleads.",
        DraftField.TIMEZONE: typeset(
            "« Mars/Olympus » n’est pas un fuseau horaire que Starleads connaît : "
            "choisissez-en un comme Europe/Paris."
        ),
        DraftField.SCHEDULE: typeset(
            "« demain » est une date ponctuelle : un planning se répète chaque semaine. "
            "Nommez plutôt des jours de la semaine, comme « lun-ven »."
        ),
    }


def test_english_users_keep_their_english() -> None:
    errors = _errors(**EVERYTHING_WRONG)
    assert errors[DraftField.DELAY_HOURS] == (
        "Write the delay in hours as a number, e.g. 2 or 1.5; “deux” is not a number."
    )
    assert errors[DraftField.SCHEDULE].startswith('"demain" is a one-off date')


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ({"delay_hours": ""}, "Saisissez le délai entre les tentatives en heures, par exemple 2 ou 1,5."),
        ({"delay_hours": "0"}, "Le délai doit dépasser 0 heure, par exemple 2, ou 0,5 pour 30 minutes."),
        (
            {"schedule": ""},
            "Dites quand appeler, par exemple « lun.–ven. 09:00–12:00, 14:00–17:00 » "
            "ou « en semaine 9h-12h ».",
        ),
        (
            {"max_retries": "9"},
            "Le nombre maximal de tentatives est un nombre entier de 1 à 4 (limites de Starleads) ; "
            "9 est hors limites.",
        ),
    ],
)
def test_examples_are_written_as_a_french_reader_writes_them(typed: dict[str, str], message: str) -> None:
    with speaking("fr"):
        errors = _errors(name="Relance", agent_id="agent-1", **typed)
    assert list(errors.values()) == [typeset(message)]


def test_a_french_form_starts_from_the_default_hours_in_french_and_reads_them() -> None:
    with speaking("fr"):
        typed = DraftInput(name="Relance", agent_id="agent-1")
        assert typed.schedule == "lun.–ven. 09:00–12:00, 14:00–17:00"
        assert [field.label for field in DraftField] == [
            "Nom de la campagne",
            "ID de l’agent",
            "Numéro d’appel sortant",
            "Nombre maximal de tentatives",
            "Délai entre les tentatives (heures)",
            "URL du webhook",
            "Fuseau horaire",
            "Heures d’appel",
        ]
    assert (
        CampaignDraft.from_input(typed).schedule
        == CampaignDraft.from_input(DraftInput(name="R", agent_id="a")).schedule
    )


def test_the_timezone_menu_names_its_regions_in_french() -> None:
    with speaking("fr"):
        french = timezone_choices()
    english = timezone_choices()
    assert list(french) == [
        "France et outre-mer",
        "Europe",
        "Afrique et Moyen-Orient",
        "Amériques",
        "Asie et Pacifique",
        "Autre",
    ]
    french_zones = [[zone for zone, _label in zones] for zones in french.values()]
    assert french_zones == [[zone for zone, _label in zones] for zones in english.values()]
    assert "France & overseas" in english
