"""The employers' verdict on the manager's dashboard and in its CSV: mean satisfaction and the
share who got what they came for, by topic, mode, service point and adviser, with answers and the
response rate; groups of fewer than 5 answers named only; the directorate's scope kept."""

import csv
import io
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from appointments.models import Appointment, Mode
from feedback.models import Survey
from tests import factories
from tests.clients import signed_in

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]

TZ = ZoneInfo("America/Toronto")
PERIOD = {"start": "2026-11-01", "end": "2026-11-30"}


def held(network, *, advisor, mode=Mode.SERVICE_POINT, n: int):
    start = datetime(2026, 11, 2, 9, tzinfo=TZ) + timedelta(days=n // 6, hours=n % 6)
    company = factories.CompanyFactory(municipality=network.municipality_a)
    return Appointment.objects.create(
        advisor=advisor,
        topic=network.topic,
        mode=mode,
        service_point=advisor.home_service_point if mode == Mode.SERVICE_POINT else None,
        company=company,
        municipality=network.municipality_a,
        starts_at=start,
        ends_at=start + timedelta(minutes=30),
        status=Appointment.Status.COMPLETED,
    )


def surveyed(appointment, answer: tuple | None, comment=""):
    sent = appointment.ends_at
    fields = {"invited_at": sent}
    if answer:
        fields.update(
            satisfaction=answer[0], outcome=answer[1], comment=comment, answered_at=sent, changed_at=sent
        )
    return Survey.objects.create(appointment=appointment, **fields)


@pytest.fixture
def verdicts(network):
    """Adviser A: 6 answered at the point (5, 4, 4, 3, 5, 2; yes ×4, partly, no) and 2 unanswered;
    3 by phone, answered (below the threshold); adviser B (Montréal): 5 answered, all 1 and "no"."""
    a, b = network.advisor_a, network.advisor_b
    n = iter(range(100))
    answers = [(5, "yes"), (4, "yes"), (4, "yes"), (3, "partly"), (5, "yes"), (2, "no")]
    for answer in answers:
        surveyed(held(network, advisor=a, n=next(n)), answer, comment="Commentaire privé")
    for _ in range(2):
        surveyed(held(network, advisor=a, n=next(n)), None)
    for _ in range(3):
        surveyed(held(network, advisor=a, mode=Mode.PHONE, n=next(n)), (1, "no"))
    for _ in range(5):
        surveyed(held(network, advisor=b, n=next(n)), (1, "no"))
    return network


def page(user, network, **params):
    url = reverse("midi_regions:dashboard", kwargs={"code": network.directorate_a.code})
    response = signed_in(user).get(url, {**PERIOD, **params})
    assert response.status_code == 200
    return response


def test_the_manager_sees_the_verdict_of_their_directorate_only(manager, verdicts):
    verdict = page(manager, verdicts).context["satisfaction"]
    total = verdict["total"]
    # 9 answered of 11 sent in Mauricie; Montréal's 5 are not counted.
    assert (total.answers, total.sent) == (9, 11)
    assert total.mean == pytest.approx((5 + 4 + 4 + 3 + 5 + 2 + 1 + 1 + 1) / 9)
    assert total.yes_share == pytest.approx(4 / 9)
    modes = dict(next(s for s in verdict["sections"] if s.key == "mode").rows)
    at_point, by_phone = modes["Dans un point de service"], modes["Par téléphone"]
    assert (at_point.answers, at_point.sent, at_point.hidden) == (6, 8, False)
    assert at_point.mean == pytest.approx(23 / 6) and at_point.response_rate == pytest.approx(6 / 8)
    assert by_phone.hidden  # 3 answers


def test_a_group_under_five_answers_shows_its_name_only(manager, verdicts):
    html = page(manager, verdicts).content.decode()
    section = html.split('id="satisfaction-title"', 1)[1].split("</section>", 1)[0]
    assert "Moins de 5 réponses" in section and "Par téléphone" in section
    assert "Commentaire privé" not in html  # comments are the adviser's to read, never here


def test_filters_under_five_answers_hide_even_the_total(manager, verdicts):
    response = page(manager, verdicts, mode=Mode.PHONE)
    assert response.context["satisfaction"]["total"].hidden
    assert "rien n’est affiché" in response.content.decode()


def test_the_csv_follows_the_same_rule(manager, verdicts):
    url = reverse("midi_regions:export_satisfaction", kwargs={"code": verdicts.directorate_a.code})
    response = signed_in(manager).get(url, {**PERIOD, "separator": ","})
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0][:3] == ["Ventilation", "Groupe", "Réponses"]
    total = rows[1]
    assert total[2:4] == ["9", "11"] and total[6] == "44 %"
    phone = next(row for row in rows if row[1] == "Par téléphone")
    assert phone[2] == "moins de 5 réponses" and phone[3:] == [""] * 5
    point = next(row for row in rows if row[1] == "Dans un point de service")
    assert point[2:6] == ["6", "8", "75 %", "3,8"]
    assert not any("Montréal" in cell for row in rows for cell in row)


def test_another_directorate_s_manager_cannot_export_it(other_manager, verdicts):
    url = reverse("midi_regions:export_satisfaction", kwargs={"code": verdicts.directorate_a.code})
    assert signed_in(other_manager).get(url, PERIOD).status_code == 404


def test_the_national_view_adds_up_every_directorate(administrator, verdicts):
    response = signed_in(administrator).get(reverse("midi_regions:national"), PERIOD)
    assert response.context["satisfaction"]["total"].answers == 14
