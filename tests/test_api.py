"""The REST API: personal tokens, booking through the same services as the pages, requests,
the adviser's calendar and inbox, the manager's caseload, throttling and bad input."""

import json
import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from accounts.models import ApiToken
from accounts.tokens import create_token, revoke_token
from appointments.models import Appointment, Mode
from consultations.models import ConsultationRequest
from dashboards import selectors as dashboard
from tests.booking_helpers import tuesday
from tests.clients import bearer, booking_body, post

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now", "commits_at_once")]


# --- Tokens ------------------------------------------------------------------------------------


def test_token_created_on_the_page_is_shown_once_stored_hashed_and_works(bookable, employer_a):
    page = Client()
    page.force_login(employer_a)
    response = page.post(reverse("accounts:api_tokens"), {"name": "HR system", "lifetime": "90"})
    assert response.status_code == 201
    raw = response.context["created"]
    assert raw.startswith("midi_") and raw.encode() in response.content
    token = ApiToken.objects.get(user=employer_a)
    assert raw not in (token.digest, token.prefix) and token.prefix in raw
    assert token.expires_at == timezone.now() + timedelta(days=90)
    # The list never shows the secret again.
    assert raw.encode() not in page.get(reverse("accounts:api_tokens")).content

    api = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert api.get(reverse("api:appointment-list")).status_code == 200
    token.refresh_from_db()
    assert token.last_used_at == timezone.now()

    assert page.post(reverse("accounts:api_token_revoke", args=[token.pk])).status_code == 302
    response = api.get(reverse("api:appointment-list"))
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


@pytest.mark.parametrize(
    "header",
    [
        "Bearer",
        "Bearer a b",
        "Bearer midi_nothing",
        "Bearer midi_abc_def",
        "Bearer ünïcode",
        "Bearer " + "x" * 300,
    ],
)
def test_a_bad_token_is_401_with_a_reason(bookable, employer_a, header):
    create_token(user=employer_a, name="real")
    response = Client(HTTP_AUTHORIZATION=header).get(reverse("api:appointment-list"))
    assert response.status_code == 401
    assert response.json()["detail"]


def test_expired_revoked_and_inactive_tokens_are_refused(bookable, employer_a, frozen_now):
    token, raw = create_token(user=employer_a, name="short", expires_at=timezone.now() + timedelta(days=1))
    api = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert api.get(reverse("api:appointment-list")).status_code == 200
    frozen_now.shift(timedelta(days=1, seconds=1))
    assert api.get(reverse("api:appointment-list")).status_code == 401

    token, raw = create_token(user=employer_a, name="other")
    api = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    employer_a.is_active = False
    employer_a.save()
    assert api.get(reverse("api:appointment-list")).status_code == 401


def test_a_token_cannot_be_revoked_by_someone_else(bookable, employer_a, employer_b):
    token, raw = create_token(user=employer_a, name="mine")
    assert revoke_token(user=employer_b, pk=token.pk) is False
    page = Client()
    page.force_login(employer_b)
    page.post(reverse("accounts:api_token_revoke", args=[token.pk]))
    token.refresh_from_db()
    assert token.revoked_at is None


def test_token_limits_and_bad_form(bookable, employer_a, new_user):
    page = Client()
    page.force_login(employer_a)
    for n in range(10):
        create_token(user=employer_a, name=f"t{n}")
    response = page.post(reverse("accounts:api_tokens"), {"name": "eleventh", "lifetime": "30"})
    assert response.status_code == 409
    assert page.post(reverse("accounts:api_tokens"), {"name": "", "lifetime": "7"}).status_code == 400
    assert ApiToken.objects.filter(user=employer_a).count() == 10
    page.force_login(new_user)
    assert page.get(reverse("accounts:api_tokens")).status_code == 403


# --- Booking -----------------------------------------------------------------------------------


def test_employer_searches_books_reschedules_and_cancels(bookable, employer_a, mailoutbox):
    network = bookable
    api = bearer(employer_a)
    search = api.get(
        reverse("api:slots"),
        {
            "topic": network.topic.code,
            "mode": Mode.SERVICE_POINT,
            "municipality": int(network.municipality_a.code),
        },
    )
    assert search.status_code == 200
    group = search.json()["groups"][0]
    assert group["advisor"]["id"] == network.advisor_a.pk and group["distance_km"] < 1
    assert group["outside_territory"] is False
    slot = group["slots"][0]

    response = post(
        api,
        reverse("api:appointment-list"),
        booking_body(
            network,
            tuesday(0),
            starts_at=slot["starts_at"],
            service_point=slot["service_point"],
            message="Hi",
        ),
    )
    assert response.status_code == 201, response.content
    booked = response.json()
    assert booked["status"] == "confirmed" and booked["changeable"] is True and booked["message"] == "Hi"
    appointment = Appointment.objects.get(uid=booked["uid"])
    assert appointment.booked_by == employer_a and appointment.company == employer_a.employer_profile.company
    assert len(mailoutbox) == 1  # the same confirmation email as the page sends

    listed = api.get(reverse("api:appointment-list")).json()
    assert [row["uid"] for row in listed["results"]] == [booked["uid"]] and listed["count"] == 1

    later = tuesday(14, 0)
    response = post(
        api,
        reverse("api:appointment-reschedule", args=[appointment.uid]),
        {"starts_at": later.isoformat(), "service_point": network.point_a.pk},
    )
    assert response.status_code == 200, response.content
    appointment.refresh_from_db()
    assert appointment.starts_at == later and appointment.sequence == 1

    response = post(
        api, reverse("api:appointment-cancel", args=[appointment.uid]), {"reason": "Plans changed"}
    )
    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    again = post(api, reverse("api:appointment-cancel", args=[appointment.uid]), {})
    assert again.status_code == 409 and again.json()["detail"]


def test_same_key_books_once_and_a_taken_slot_is_409(bookable, employer_a, employer_b):
    network = bookable
    body = booking_body(network, tuesday(10, 30), key="6f1c2a4e-1111-4a4a-8a8a-123456789abc")
    api = bearer(employer_a)
    first = post(api, reverse("api:appointment-list"), body)
    second = post(api, reverse("api:appointment-list"), body)
    assert first.status_code == second.status_code == 201
    assert first.json()["uid"] == second.json()["uid"]
    taken = post(bearer(employer_b), reverse("api:appointment-list"), {**body, "key": None})
    assert taken.status_code == 409
    assert taken.json()["detail"]
    assert Appointment.objects.count() == 1


def test_another_companys_appointment_does_not_exist(world):
    args, _query, people = world
    api = bearer(people["employer_b"])
    uid = args["appointment"]["uid"]
    assert api.get(reverse("api:appointment-detail", args=[uid])).status_code == 404
    assert post(api, reverse("api:appointment-cancel", args=[uid]), {}).status_code == 404
    assert Appointment.objects.get(uid=uid).status == Appointment.Status.CONFIRMED


@pytest.mark.parametrize(
    "change, field",
    [
        ({"starts_at": "99999-01-01T00:00:00Z"}, "starts_at"),
        ({"starts_at": "-0001-01-01T00:00:00Z"}, "starts_at"),
        ({"municipality": 1}, "municipality"),
        ({"municipality": -5}, "municipality"),
        ({"topic": "nope"}, "topic"),
        ({"mode": "teleport"}, "mode"),
        ({"advisor": "x"}, "advisor"),
        ({"advisor": 10**20}, "advisor"),
        ({"message": "x" * 2001}, "message"),
        ({"key": "not-a-uuid"}, "key"),
    ],
)
def test_bad_booking_bodies_are_400_and_write_nothing(bookable, employer_a, change, field):
    response = post(
        bearer(employer_a), reverse("api:appointment-list"), booking_body(bookable, tuesday(10, 30), **change)
    )
    assert response.status_code == 400
    assert field in response.json()
    assert Appointment.objects.count() == 0


def test_a_time_not_offered_is_409(bookable, employer_a):
    response = post(
        bearer(employer_a), reverse("api:appointment-list"), booking_body(bookable, tuesday(3, 0))
    )
    assert response.status_code == 409
    assert response.json()["detail"]


# --- Bodies and content types ------------------------------------------------------------------


def test_malformed_huge_nested_and_wrong_type_bodies_are_4xx(bookable, employer_a, settings):
    api = bearer(employer_a)
    url = reverse("api:appointment-list")
    cases = [
        ("{not json", "application/json", 400),
        ("[" * 50_000 + "]" * 50_000, "application/json", 413),
        ("[" * 20_000 + "]" * 20_000, "application/json", 400),  # nested past the parser's recursion limit
        (b"\xff\xfe\x00", "application/json", 400),
        ("[1, 2, 3]", "application/json", 400),
        ("null", "application/json", 400),
        ("topic=x&mode=y", "application/x-www-form-urlencoded", 415),
        ("<xml/>", "application/xml", 415),
        (json.dumps({"message": "x" * 70_000}), "application/json", 413),
    ]
    for body, content_type, status in cases:
        response = api.post(url, body, content_type=content_type)
        assert response.status_code == status, (body[:20], response.status_code, response.content[:200])
        assert response.json()  # a reason, in JSON
    assert Appointment.objects.count() == 0


# --- Requests ----------------------------------------------------------------------------------


def test_employer_files_follows_and_withdraws_a_request(bookable, employer_a, employer_b):
    network = bookable
    api = bearer(employer_a)
    body = {
        "topic": network.topic.code,
        "mode": Mode.PHONE,
        "municipality": int(network.municipality_a.code),
        "language": "fr",
        "preferred_weekdays": [0, 2],
        "preferred_time": "morning",
        "message": "Nous recrutons trois soudeurs.",
        "phone": "819 555-0101",
    }
    response = post(api, reverse("api:request-list"), body)
    assert response.status_code == 201, response.content
    uid = response.json()["uid"]
    consultation = ConsultationRequest.objects.get(uid=uid)
    assert consultation.requested_by == employer_a
    assert consultation.status == ConsultationRequest.Status.ASSIGNED  # routed after commit
    assert api.get(reverse("api:request-list"), {"status": "assigned"}).json()["count"] == 1
    assert bearer(employer_b).get(reverse("api:request-detail", args=[uid])).status_code == 404

    assert post(api, reverse("api:request-withdraw", args=[uid])).status_code == 200
    again = post(api, reverse("api:request-withdraw", args=[uid]))
    assert again.status_code == 409 and again.json()["detail"]

    bad = post(api, reverse("api:request-list"), {**body, "preferred_weekdays": [6], "language": "xx"})
    assert bad.status_code == 400 and set(bad.json()) == {"preferred_weekdays", "language"}


def test_adviser_inbox_and_calendar(world):
    args, query, people = world
    api = bearer(people["advisor"])
    inbox = api.get(reverse("api:inbox-list")).json()
    assert [row["uid"] for row in inbox["results"]] == [str(args["request"]["uid"])]
    assert bearer(people["other_advisor"]).get(reverse("api:inbox-list")).json()["count"] == 0

    events = api.get(reverse("api:calendar"), {"start": "2026-11-23", "end": "2026-11-30"}).json()
    appointments = [e for e in events if e["kind"] == "appointment"]
    assert [e["id"] for e in appointments] == [f"appointment-{args['appointment']['uid']}"]
    assert {e["kind"] for e in events} >= {"appointment", "availability"}
    # Another adviser's calendar has nothing of adviser A's.
    other = bearer(people["other_advisor"]).get(
        reverse("api:calendar"), {"start": "2026-11-23", "end": "2026-11-30"}
    )
    assert all(e["kind"] != "appointment" for e in other.json())

    for params in (
        {"start": "2026-11-30", "end": "2026-11-23"},
        {"start": "x", "end": "y"},
        {},
        {"start": "2026-01-01", "end": "2026-12-31"},
    ):
        response = api.get(reverse("api:calendar"), params)
        assert response.status_code == 400, params


def test_manager_caseload_matches_the_dashboard(world):
    args, _query, people = world
    manager = people["manager"]
    api = bearer(manager)
    code = args["directorate"]["code"]
    response = api.get(reverse("api:caseload", args=[code]))
    assert response.status_code == 200
    body = response.json()
    catalogue = dashboard.Catalogue.for_user(manager, code)
    form = dashboard.FilterForm({}, catalogue=catalogue)
    assert form.is_valid()
    expected = dashboard.figures(form.filters(), catalogue=catalogue)
    assert body["appointments"] == expected["appointments"]
    assert body["requests"]["open"] == expected["requests"]["open"] == 1
    assert [a["id"] for a in body["advisors"]] == [row.advisor.pk for row in expected["advisors"]]
    assert [d["code"] for d in api.get(reverse("api:directorates")).json()] == [code]

    assert bearer(people["other_manager"]).get(reverse("api:caseload", args=[code])).status_code == 404
    for params in (
        {"start": "2026-12-01", "end": "2026-01-01"},
        {"start": "9999-12-31"},
        {"advisor": "x"},
        {"start": "2020-01-01", "end": "2026-01-01"},
    ):
        assert api.get(reverse("api:caseload", args=[code]), params).status_code == 400, params


# --- Public resources --------------------------------------------------------------------------


def test_service_points_by_distance(bookable):
    network = bookable
    api = Client()
    near_a = api.get(reverse("api:service-point-list"), {"near": int(network.municipality_a.code)}).json()
    codes = [row["code"] for row in near_a["results"]]
    assert codes[0] == network.point_a.code and network.point_b.code in codes
    distances = [row["distance_km"] for row in near_a["results"]]
    assert distances == sorted(distances)
    close = api.get(
        reverse("api:service-point-list"), {"near": int(network.municipality_a.code), "max_km": 20}
    )
    assert [row["code"] for row in close.json()["results"]] == [network.point_a.code]
    for params in ({"near": 1}, {"max_km": 10}, {"near": "x"}, {"region": "99"}):
        assert api.get(reverse("api:service-point-list"), params).status_code == 400, params
    assert api.get(reverse("api:service-point-detail", args=["nope"])).status_code == 404
    assert api.get(reverse("api:service-point-list"), {"page": 99}).status_code == 404


def operations_in(schema: dict) -> set[str]:
    return {operation["operationId"] for item in schema["paths"].values() for operation in item.values()}


def test_the_reference_page_lists_every_operation_of_the_schema_in_the_page_language(db):
    client = Client()
    schema = client.get(reverse("api:schema"), {"format": "json"}, HTTP_ACCEPT_LANGUAGE="en").json()
    assert "/api/v1/appointments/" in schema["paths"] and "/api/v1/slots/" in schema["paths"]
    assert "personalToken" in schema["components"]["securitySchemes"]
    operations = operations_in(schema)
    assert len(operations) >= 21
    for language, prefix, book in (("fr-ca", "", "Réserver une plage"), ("en", "/en", "Book a time")):
        with translation.override(language):
            url = reverse("api_reference")
        assert url.startswith(prefix + "/")
        page = client.get(url)
        assert page.status_code == 200
        html = page.content.decode()
        ids = set(re.findall(r'id="operation-([^"]+)"', html))
        assert ids == operations, language  # every operation, none made up
        # Every in-page link lands on a heading of the page (objects included).
        anchors = set(re.findall(r'href="#([^"]+)"', html))
        assert anchors and anchors <= set(re.findall(r'id="([^"]+)"', html)), language
        assert f">{book}</h3>" in html
        assert "<code>/api/v1/appointments/{uid}/reschedule/</code>" in html
    with translation.override("fr-ca"):
        french = client.get(reverse("api_reference")).content.decode()
    # Help texts, enum labels and 409 reasons come translated from the schema.
    assert "Clé d’idempotence" in french  # the schema’s text, as the page shows it
    assert "Dans un point de service" in french
    assert "La plage a été prise entre-temps" in french and "The time was taken meanwhile" not in french
    assert 'href="#object-Appointment"' in french


def test_the_schema_follows_accept_language_and_api_docs_leads_to_the_reference(db):
    client = Client()
    french = client.get(reverse("api:schema"), {"format": "json"}).json()
    english = client.get(reverse("api:schema"), {"format": "json"}, HTTP_ACCEPT_LANGUAGE="en").json()
    summaries = {
        language: schema["paths"]["/api/v1/appointments/"]["post"]["summary"]
        for language, schema in (("fr", french), ("en", english))
    }
    assert summaries == {"fr": "Réserver une plage", "en": "Book a time"}
    for accept, language in (("fr-CA,fr;q=0.9", "fr-ca"), ("en-US,en;q=0.9", "en")):
        response = client.get(reverse("api:docs"), HTTP_ACCEPT_LANGUAGE=accept)
        with translation.override(language):
            assert response.status_code == 302 and response["Location"] == reverse("api_reference")


# --- Throttling --------------------------------------------------------------------------------


def test_api_calls_are_throttled_with_retry_after(bookable, employer_a, settings):
    settings.API_RATE_LIMITS = {"user": "3/min", "anonymous": "2/min"}
    api = bearer(employer_a)
    statuses = [api.get(reverse("api:appointment-list")).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    response = api.get(reverse("api:appointment-list"))
    assert 0 < int(response["Retry-After"]) <= 60
    anonymous = [Client().get(reverse("api:topic-list")).status_code for _ in range(3)]
    assert anonymous == [200, 200, 429]


def test_bookings_share_the_pages_write_limit(bookable, employer_a, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "booking": {"user": "2/h", "ip": "100/h"}}
    api = bearer(employer_a)
    url = reverse("api:appointment-list")
    statuses = [post(api, url, booking_body(bookable, tuesday(3, 0))).status_code for _ in range(3)]
    assert statuses == [409, 409, 429]
    page = Client()
    page.force_login(employer_a)
    # The browser's booking form counts against the same limit.
    assert page.post(reverse("appointments:confirm"), {}).status_code == 429


def test_nul_characters_are_400_everywhere_and_write_nothing(world):
    """PostgreSQL text cannot hold NUL: found by schemathesis as a 500 on the requests API."""
    _args, _query, people = world
    api = bearer(people["employer_a"])
    body = {"topic": "a\x00b", "mode": "phone", "municipality": 1, "message": "x"}
    response = post(api, reverse("api:request-list"), body)
    assert response.status_code == 400 and "NUL" in response.json()["detail"]
    assert api.get(reverse("api:municipality-list"), {"search": "Tr\x00"}).status_code == 400
    page = Client()
    page.force_login(people["employer_a"])
    assert page.get(reverse("service_points:directory"), {"q": "\x00"}).status_code == 400
    assert page.post(reverse("appointments:request_new"), {"message": "a\x00"}).status_code == 400
    assert ConsultationRequest.objects.count() == 1  # the world's own


def test_api_messages_follow_accept_language(bookable, employer_a):
    api = bearer(employer_a)
    url = reverse("api:appointment-list")
    english = api.post(url, "{", content_type="application/json", HTTP_ACCEPT_LANGUAGE="en")
    french = api.post(url, "{", content_type="application/json", HTTP_ACCEPT_LANGUAGE="fr-CA,fr;q=0.9")
    assert english.json()["detail"] == "The body is not valid JSON."
    assert french.json()["detail"] == "Le corps de la requête n’est pas du JSON valide."
