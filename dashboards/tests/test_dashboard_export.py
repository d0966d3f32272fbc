"""The dashboard's CSV exports: streamed, UTF-8 with BOM, headers in the visitor's language,
exactly the filtered rows, no employer person, and only for the directorate's manager and
administrators."""

import csv
import io
import re
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import translation

from appointments.models import Appointment, Mode
from consultations.models import ConsultationRequest
from tests import factories
from tests.booking_helpers import local_datetime

PERIOD = {"start": "2026-11-01", "end": "2026-11-30"}

FRENCH_APPOINTMENT_HEADER = [
    "Identifiant",
    "Début",
    "Fin",
    "Statut",
    "Mode de rencontre",
    "Sujet",
    "Conseiller",
    "Point de service",
    "Entreprise",
    "NEQ",
    "Municipalité",
    "Région administrative",
    "Date de création",
    "Motif d’annulation",
]
ENGLISH_APPOINTMENT_HEADER = [
    "Identifier",
    "Starts at",
    "Ends at",
    "Status",
    "Mode",
    "Topic",
    "Adviser",
    "Service point",
    "Company",
    "NEQ",
    "Municipality",
    "Administrative region",
    "Created",
    "Cancellation reason",
]


@dataclass
class Data:
    network: factories.SmallNetwork
    company_a: object
    company_b: object
    other_topic: object
    other_point: object
    other_advisor: object
    appointments: dict
    requests: dict


def appointment(network, *, advisor, start, company, topic=None, mode=Mode.SERVICE_POINT, point="home", **kw):
    booked_by = kw.pop("booked_by", None)
    return Appointment.objects.create(
        advisor=advisor,
        topic=topic or network.topic,
        mode=mode,
        service_point=advisor.home_service_point if point == "home" else point,
        company=company,
        booked_by=booked_by,
        municipality=company.municipality,
        starts_at=start,
        ends_at=start + timedelta(hours=1),
        **kw,
    )


def request(network, *, company, sent, advisor=None, topic=None, mode=Mode.PHONE, **kw):
    row = ConsultationRequest.objects.create(
        company=company,
        topic=topic or network.topic,
        mode=mode,
        municipality=company.municipality,
        assigned_advisor=advisor,
        **kw,
    )
    ConsultationRequest.objects.filter(pk=row.pk).update(created_at=sent)
    return row


@pytest.fixture
def data(network, employer_a) -> Data:
    """Directorate A (Mauricie) with two advisers at two points; one appointment elsewhere."""
    n = network
    company_a = employer_a.employer_profile.company
    company_b = factories.CompanyFactory(municipality=n.municipality_b, legal_name="=HYPERLINK(1)")
    other_topic = factories.TopicFactory(
        code="permanent", name_fr="Immigration permanente", name_en="Permanent"
    )
    other_point = factories.ServicePointFactory(
        code="shawinigan", municipality=n.municipality_a, host_office="Bureau de Shawinigan"
    )
    other_advisor = factories.AdvisorFactory(home_service_point=other_point, knows=[n.topic, other_topic])
    a = {
        "tuesday": appointment(
            n,
            advisor=n.advisor_a,
            start=local_datetime(2026, 11, 24, 10, 30),
            company=company_a,
            booked_by=employer_a,
        ),
        "phone_b": appointment(
            n,
            advisor=n.advisor_a,
            start=local_datetime(2026, 11, 26, 14, 0),
            company=company_b,
            mode=Mode.PHONE,
            point=None,
            status=Appointment.Status.CANCELLED,
            cancellation_reason="-company closed",
        ),
        "other": appointment(
            n,
            advisor=other_advisor,
            start=local_datetime(2026, 11, 10, 9, 0),
            company=company_a,
            topic=other_topic,
            mode=Mode.VIDEO,
        ),
        "october": appointment(
            n, advisor=n.advisor_a, start=local_datetime(2026, 10, 30, 9, 0), company=company_a
        ),
        "montreal": appointment(
            n, advisor=n.advisor_b, start=local_datetime(2026, 11, 24, 9, 0), company=company_a
        ),
    }
    r = {
        "assigned": request(
            n,
            company=company_a,
            sent=local_datetime(2026, 11, 20, 8, 15),
            advisor=n.advisor_a,
            status=ConsultationRequest.Status.ASSIGNED,
            hops=2,
            due_at=local_datetime(2026, 11, 21, 8, 15),
            requested_by=employer_a,
            message="Please call me at 819-555-0100",
        ),
        "booked": request(
            n,
            company=company_a,
            sent=local_datetime(2026, 11, 3, 11, 0),
            advisor=other_advisor,
            topic=other_topic,
            mode=Mode.VIDEO,
            status=ConsultationRequest.Status.BOOKED,
            hops=1,
            appointment=a["other"],
            accepted_at=local_datetime(2026, 11, 3, 15, 0),
        ),
        "december": request(
            n, company=company_a, sent=local_datetime(2026, 12, 2, 9, 0), advisor=n.advisor_a
        ),
        "montreal": request(
            n, company=company_b, sent=local_datetime(2026, 11, 5, 9, 0), advisor=n.advisor_b
        ),
    }
    return Data(n, company_a, company_b, other_topic, other_point, other_advisor, a, r)


def read(response, separator: str | None = None) -> tuple[bytes, list[list[str]]]:
    """The body and the rows; French pages give semicolon-separated files unless told otherwise."""
    assert response.streaming
    body = b"".join(response.streaming_content)
    text = body.decode("utf-8-sig")
    separator = separator or (";" if ";" in text.splitlines()[0] else ",")
    return body, list(csv.reader(io.StringIO(text), delimiter=separator))


def export(client, name: str, *, code: str | None = "mauricie", **params):
    kwargs = {"code": code} if code else {}
    return client.get(reverse(f"midi_regions:{name}", kwargs=kwargs), {**PERIOD, **params})


# --- The file ----------------------------------------------------------------------------------


def test_it_streams_a_french_csv_with_a_bom_for_excel(data, manager, client_for):
    response = export(client_for(manager), "export_appointments")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "no-store" in response["Cache-Control"]
    assert (
        response["Content-Disposition"] == 'attachment; filename="rendez-vous-mauricie-20261101-20261130.csv"'
    )
    body, rows = read(response)
    assert body.startswith(b"\xef\xbb\xbf")
    assert rows[0] == FRENCH_APPOINTMENT_HEADER
    by_uid = {row[0]: row for row in rows[1:]}
    tuesday = by_uid[str(data.appointments["tuesday"].uid)]
    assert tuesday == [
        str(data.appointments["tuesday"].uid),
        "2026-11-24 10:30",  # local time, not UTC (15:30)
        "2026-11-24 11:30",
        "Confirmé",
        "Dans un point de service",
        "Immigration temporaire",
        data.network.advisor_a.user.get_full_name(),
        data.network.point_a.host_office,
        data.company_a.legal_name,
        data.company_a.neq,
        "Trois-Rivières",
        "Mauricie",
        tuesday[12],
        "",
    ]
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d", tuesday[12])
    phone = by_uid[str(data.appointments["phone_b"].uid)]
    assert phone[3:5] == ["Annulé", "Par téléphone"]
    assert phone[7] == ""  # no service point
    # Typed text that Excel would run as a formula stays text.
    assert phone[8] == "'=HYPERLINK(1)"
    assert phone[13] == "'-company closed"


def test_it_speaks_english_under_en(data, manager, client_for):
    client = client_for(manager)
    with translation.override("en"):
        url = reverse("midi_regions:export_appointments", kwargs={"code": "mauricie"})
    assert url.startswith("/en/")
    response = client.get(url, PERIOD)

    assert response.status_code == 200
    assert (
        response["Content-Disposition"]
        == 'attachment; filename="appointments-mauricie-20261101-20261130.csv"'
    )
    body, rows = read(response)
    assert body.startswith(b"\xef\xbb\xbf")
    assert rows[0] == ENGLISH_APPOINTMENT_HEADER
    tuesday = next(row for row in rows if row[0] == str(data.appointments["tuesday"].uid))
    assert tuesday[3:6] == ["Confirmed", "At a service point", "Temporary immigration"]


def test_the_requests_file_has_its_own_columns(data, manager, client_for):
    response = export(client_for(manager), "export_requests")

    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        'attachment; filename="demandes-de-consultation-mauricie-20261101-20261130.csv"'
    )
    body, rows = read(response)
    assert body.startswith(b"\xef\xbb\xbf")
    assert rows[0][:3] == ["Identifiant", "Envoyé le", "Statut"]
    assert len(rows[0]) == 13
    assert [row[0] for row in rows[1:]] == [
        str(data.requests["booked"].uid),
        str(data.requests["assigned"].uid),
    ]
    booked, assigned = rows[1], rows[2]
    assert booked == [
        str(data.requests["booked"].uid),
        "2026-11-03 11:00",
        "Réservée",
        "Immigration permanente",
        "Par visioconférence",
        "Trois-Rivières",
        "Mauricie",
        data.company_a.legal_name,
        data.other_advisor.user.get_full_name(),
        "1",
        "",
        "2026-11-03 15:00",
        "2026-11-10 09:00",
    ]
    assert assigned[2] == "En attente d’une réponse"
    assert assigned[9:11] == ["2", "2026-11-21 08:15"]


# --- The rows follow the filters ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, {"tuesday", "phone_b", "other"}),
        ({"start": "2026-10-01", "end": "2026-11-09"}, {"october"}),
        ({"start": "2026-10-01", "end": "2026-11-10"}, {"october", "other"}),
        ({"service_point": "point_a"}, {"tuesday"}),
        ({"service_point": "other_point"}, {"other"}),
        ({"advisor": "other_advisor"}, {"other"}),
        ({"topic": "other_topic"}, {"other"}),
        ({"topic": "topic"}, {"tuesday", "phone_b"}),
        ({"mode": "phone"}, {"phone_b"}),
        ({"mode": "premises"}, set()),
        ({"region": "region_a"}, {"tuesday", "other"}),
    ],
)
def test_appointment_rows_match_the_filters(data, manager, client_for, params, expected):
    objects = {
        "point_a": data.network.point_a,
        "other_point": data.other_point,
        "other_advisor": data.other_advisor,
        "other_topic": data.other_topic,
        "topic": data.network.topic,
        "region_a": data.network.region_a,
    }
    query = {k: objects[v].pk if v in objects else v for k, v in params.items()}
    _body, rows = read(export(client_for(manager), "export_appointments", **query))

    assert {row[0] for row in rows[1:]} == {str(data.appointments[key].uid) for key in expected}


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, {"assigned", "booked"}),
        ({"start": "2026-12-01", "end": "2026-12-31"}, {"december"}),
        ({"advisor": "other_advisor"}, {"booked"}),
        ({"topic": "other_topic"}, {"booked"}),
        ({"mode": "phone"}, {"assigned"}),
        ({"service_point": "other_point"}, {"booked"}),
    ],
)
def test_request_rows_match_the_filters(data, manager, client_for, params, expected):
    objects = {
        "other_advisor": data.other_advisor,
        "other_topic": data.other_topic,
        "other_point": data.other_point,
    }
    query = {k: objects[v].pk if v in objects else v for k, v in params.items()}
    _body, rows = read(export(client_for(manager), "export_requests", **query))

    assert {row[0] for row in rows[1:]} == {str(data.requests[key].uid) for key in expected}


def test_the_national_export_covers_every_directorate(data, administrator, client_for):
    client = client_for(administrator)
    response = export(client, "national_export_appointments", code=None)

    assert response.status_code == 200
    assert (
        response["Content-Disposition"] == 'attachment; filename="rendez-vous-national-20261101-20261130.csv"'
    )
    _body, rows = read(response)
    assert {row[0] for row in rows[1:]} == {
        str(data.appointments[key].uid) for key in ("tuesday", "phone_b", "other", "montreal")
    }
    _body, rows = read(export(client, "national_export_requests", code=None))
    assert {row[0] for row in rows[1:]} == {
        str(data.requests[key].uid) for key in ("assigned", "booked", "montreal")
    }


def test_no_employer_person_appears_in_either_file(data, manager, employer_a, client_for):
    client = client_for(manager)
    # Names no adviser or company could share by chance.
    employer_a.first_name, employer_a.last_name = "Zéphirine", "Quintal-Vachon"
    employer_a.save()
    profile = employer_a.employer_profile
    profile.phone = "819-555-0100"
    profile.save()
    for name in ("export_appointments", "export_requests"):
        body, _rows = read(export(client, name))
        text = body.decode("utf-8-sig")
        assert data.company_a.legal_name in text
        for secret in (employer_a.email, employer_a.first_name, employer_a.last_name, "819-555-0100"):
            assert secret not in text, (name, secret)


def test_invalid_filters_answer_400_with_the_errors(data, manager, client_for):
    response = export(client_for(manager), "export_appointments", start="2026-12-01", end="2026-11-01")

    assert response.status_code == 400
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert not response.streaming
    assert response.content.decode() == "La fin de la période précède son début.\n"


def test_a_field_error_names_the_field(data, manager, client_for):
    response = export(client_for(manager), "export_appointments", start="yesterday")

    assert response.status_code == 400
    assert response.content.decode() == "De: Saisissez une date valide.\n"


def test_a_service_point_of_another_directorate_is_not_a_choice(data, manager, client_for):
    response = export(client_for(manager), "export_appointments", service_point=data.network.point_b.pk)

    assert response.status_code == 400


# --- Who may export ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["export_appointments", "export_requests"])
@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("manager", 200),
        ("administrator", 200),
        ("other_manager", 404),
        ("advisor", 403),
        ("employer_a", 403),
    ],
)
def test_who_may_export_a_directorate(data, request, client_for, name, persona, status):
    response = export(client_for(request.getfixturevalue(persona)), name)

    assert response.status_code == status


@pytest.mark.parametrize("name", ["national_export_appointments", "national_export_requests"])
@pytest.mark.parametrize(
    ("persona", "status"),
    [("administrator", 200), ("manager", 404), ("advisor", 403), ("employer_a", 403)],
)
def test_only_administrators_export_the_national_view(data, request, client_for, name, persona, status):
    response = export(client_for(request.getfixturevalue(persona)), name, code=None)

    assert response.status_code == status


@pytest.mark.parametrize("name", ["export_appointments", "national_export_requests"])
def test_anonymous_visitors_are_sent_to_sign_in(data, client, name):
    response = export(client, name, code=None if name.startswith("national") else "mauricie")

    assert response.status_code == 302
    assert "next=" in response["Location"]


def test_an_unknown_directorate_is_404_even_for_an_administrator(data, administrator, client_for):
    assert export(client_for(administrator), "export_appointments", code="nowhere").status_code == 404


# --- The separator Excel expects ---------------------------------------------------------------


def header_line(response) -> str:
    return b"".join(response.streaming_content).decode("utf-8-sig").splitlines()[0]


def test_french_pages_export_semicolons_for_excel_in_french(data, manager, client_for):
    """Excel set up in French (Canada) reads ; and puts a comma-separated file in column A."""
    line = header_line(export(client_for(manager), "export_appointments"))
    assert line.startswith("Identifiant;Début;Fin;")


def test_english_pages_export_commas(data, manager, client_for):
    with translation.override("en"):
        url = reverse("midi_regions:export_appointments", kwargs={"code": "mauricie"})
    line = header_line(client_for(manager).get(url, PERIOD))
    assert line.startswith("Identifier,Starts at,Ends at,")


def test_the_separator_chosen_is_remembered(data, manager, client_for):
    client = client_for(manager)
    line = header_line(export(client, "export_requests", separator=","))
    assert line.startswith("Identifiant,Envoyé le,")
    manager.refresh_from_db()
    assert manager.csv_separator == ","
    # The next export, and the dashboard's form, use it without being told.
    assert header_line(export(client, "export_appointments")).startswith("Identifiant,Début,")
    page = client.get(reverse("midi_regions:dashboard", kwargs={"code": "mauricie"}), PERIOD)
    assert re.search(r'name="separator" value=","\s*checked', page.content.decode())


def test_an_unknown_separator_is_refused_with_a_reason(data, manager, client_for):
    response = export(client_for(manager), "export_appointments", separator="|")
    assert response.status_code == 400
    assert "Séparateur" in response.content.decode()
    manager.refresh_from_db()
    assert manager.csv_separator == ""


def test_the_dashboard_offers_both_separators_with_the_filters(data, manager, client_for):
    page = (
        client_for(manager)
        .get(reverse("midi_regions:dashboard", kwargs={"code": "mauricie"}), PERIOD)
        .content.decode()
    )
    assert re.search(r'name="separator" value=";"\s*checked', page)
    assert 'name="separator" value=","' in page
    assert f'name="start" value="{PERIOD["start"]}"' in page
