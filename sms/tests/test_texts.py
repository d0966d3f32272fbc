"""Every text, in French and in English, fits one GSM-7 segment with the longest real places,
Atlantic time named, a realistic short link and the longest dates and times."""

from datetime import UTC, datetime

import pytest
from django.utils import translation

from accounts.models import Company
from appointments.models import Appointment, Mode, Topic
from service_points.models import Municipality, ServicePoint
from sms import texts
from sms.segments import count, is_gsm7

LINK = "https://rdv.mifi.gouv.qc.ca/t/k3R9xQaB1z9"  # SMS_LINK_BASE_URL + a code of a 14-million-th text
# (name, zone): the longest names of Québec's municipalities, and those on Atlantic time.
PLACES = [
    ("Sainte-Madeleine-de-la-Rivière-Madeleine", "America/Toronto"),
    ("Saint-Louis-de-Gonzague-du-Cap-Tourmente", "America/Toronto"),
    ("Notre-Dame-du-Sacré-Coeur-d'Issoudun", "America/Toronto"),
    ("Les Îles-de-la-Madeleine", "America/Halifax"),
    ("Grosse-Île", "America/Halifax"),
    ("Côte-Nord-du-Golfe-du-Saint-Laurent", "America/Blanc-Sablon"),
    ("Bonne-Espérance", "America/Blanc-Sablon"),
]
# Long dates and times: « 1er sept. », "Sept. 30", « 10 h 30 », "10:30 a.m."
WHEN = [datetime(2027, 9, 1, 14, 30, tzinfo=UTC), datetime(2027, 9, 30, 14, 30, tzinfo=UTC)]


def appointment_at(name: str, zone: str, mode: str, starts_at: datetime) -> Appointment:
    municipality = Municipality(name=name, time_zone=zone)
    point = ServicePoint(pk=1, municipality=municipality)
    return Appointment(
        mode=mode,
        service_point=point if mode == Mode.SERVICE_POINT else None,
        municipality=municipality,
        topic=Topic(name_fr="Immigration temporaire", name_en="Temporary immigration"),
        company=Company(legal_name="Usinage Laviolette inc."),
        starts_at=starts_at,
        ends_at=starts_at,
    )


@pytest.mark.parametrize("language", ["fr-ca", "en"])
@pytest.mark.parametrize("kind", texts.KINDS)
@pytest.mark.parametrize(("name", "zone"), PLACES)
@pytest.mark.parametrize("mode", [Mode.SERVICE_POINT, Mode.PHONE, Mode.VIDEO, Mode.PREMISES])
def test_every_text_fits_one_gsm7_segment(language, kind, name, zone, mode):
    for starts_at in WHEN:
        text = texts.render(kind, appointment_at(name, zone, mode, starts_at), language=language, link=LINK)
        assert text.segments == 1, (len(text.body), text.body)
        assert text.encoding == "GSM-7"
        assert is_gsm7(text.body)
        assert count(text.body).units <= 160
        assert text.body.endswith(LINK)


@pytest.mark.parametrize("language", ["fr-ca", "en"])
@pytest.mark.parametrize("kind", ["confirmation", "reminder", "change"])
def test_the_islands_keep_their_name_and_atlantic_time_in_one_segment(language, kind):
    appointment = appointment_at("Les Îles-de-la-Madeleine", "America/Halifax", Mode.SERVICE_POINT, WHEN[1])
    text = texts.render(kind, appointment, language=language, link=LINK)
    assert "Les Iles-de-la-Madeleine" in text.body
    assert ("heure de l'Atlantique" if language == "fr-ca" else "Atlantic time") in text.body
    assert text.segments == 1


def test_the_french_texts_read_as_quebec_writes_them():
    appointment = appointment_at("Trois-Rivières", "America/Toronto", Mode.SERVICE_POINT, WHEN[0])
    body = texts.render("confirmation", appointment, language="fr-ca", link=LINK).body
    assert (
        body
        == f"MIFI : rendez-vous confirmé le 1er sept. à 10 h 30, Trois-Rivières. Détails ou STOP : {LINK}"
    )
    body = texts.render("reminder", appointment, language="en", link=LINK).body
    assert body == f"MIFI reminder: appointment on Sept. 1 at 10:30 a.m., Trois-Rivières. Details: {LINK}"


def test_a_place_too_long_for_the_segment_is_left_to_the_link():
    appointment = appointment_at(
        "Saint-" + "Très-Long-Nom" * 8, "America/Halifax", Mode.SERVICE_POINT, WHEN[1]
    )
    text = texts.render("confirmation", appointment, language="fr-ca", link=LINK)
    assert "Long-Nom" not in text.body
    assert text.segments == 1


def test_a_name_in_another_script_would_cost_two_ucs2_segments_so_it_is_left_to_the_link():
    appointment = appointment_at("東京", "America/Toronto", Mode.SERVICE_POINT, WHEN[0])
    with translation.override("en"):
        with_place = " ".join(texts.values(appointment, link=LINK).values())
    assert count(with_place).encoding == "UCS-2"
    text = texts.render("reminder", appointment, language="en", link=LINK)
    assert "東京" not in text.body
    assert (text.encoding, text.segments) == ("GSM-7", 1)
