"""The OpenAPI schema documents every answer an operation can give, and the filters refuse what
the schema says is invalid (issue 18: 31 undocumented status codes; empty or non-ISO filters and
`page_size=abc` silently ignored)."""

import pytest
from django.test import Client
from django.urls import reverse

from tests.clients import bearer

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now", "commits_at_once")]

METHODS = ("get", "post", "put", "patch", "delete")


def operations(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield f"{method.upper()} {path}", method, operation


def test_every_operation_documents_the_errors_it_can_answer(db):
    schema = Client().get(reverse("api:schema"), {"format": "json"}).json()
    undocumented = []
    for label, method, operation in operations(schema):
        parameters = operation.get("parameters", [])
        expected = {"401", "429", "503"}
        if parameters or method == "post":
            expected.add("400")
        if {} not in operation.get("security", [{}]):
            expected.add("403")
        if any(p["in"] == "path" or p["name"] == "page" for p in parameters):
            expected.add("404")
        if method == "post":
            expected |= {"413", "415"}
        responses = operation["responses"]
        undocumented += [f"{label} {code}" for code in sorted(expected - set(responses))]
        for code, response in responses.items():
            if code[0] in "45":
                assert "application/json" in response.get("content", {}), f"{label} {code}"
                assert response["description"], f"{label} {code}"
    assert undocumented == []
    assert set(schema["components"]["schemas"]["Error"]["required"]) == {"detail"}


def test_the_reference_page_lists_an_operations_errors(db):
    html = Client().get(reverse("api_reference")).content.decode()
    booking = html[html.index('id="operation-appointments_create"') :]
    booking = booking[: booking.index("</section>")]
    for code in ("201", "400", "401", "403", "409", "413", "415", "429"):
        assert f"<dt>{code}</dt>" in booking, code
    assert "Trop d’appels" in booking


@pytest.mark.parametrize(
    ("role", "url_name", "query", "field"),
    [
        ("employer_a", "api:appointment-list", {"status": ""}, "status"),
        ("employer_a", "api:appointment-list", {"after": ""}, "after"),
        ("employer_a", "api:appointment-list", {"after": "2026-12-01"}, "after"),
        ("employer_a", "api:appointment-list", {"after": "20261201"}, "after"),
        ("employer_a", "api:appointment-list", {"before": "2026-W49"}, "before"),
        ("employer_a", "api:appointment-list", {"page_size": "abc"}, "page_size"),
        ("employer_a", "api:appointment-list", {"page_size": "0"}, "page_size"),
        ("employer_a", "api:appointment-list", {"page_size": "201"}, "page_size"),
        ("employer_a", "api:request-list", {"status": ""}, "status"),
        (None, "api:municipality-list", {"search": ""}, "search"),
        (None, "api:municipality-list", {"region": ""}, "region"),
        (None, "api:service-point-list", {"region": ""}, "region"),
        (None, "api:service-point-list", {"near": ""}, "near"),
        ("manager", "api:caseload", {"region": ""}, "region"),
    ],
)
def test_an_invalid_filter_is_a_400_naming_it(world, role, url_name, query, field):
    _args, _query, people = world
    client = bearer(people[role]) if role else Client()
    kwargs = {"code": _args["directorate"]["code"]} if url_name == "api:caseload" else {}
    response = client.get(reverse(url_name, kwargs=kwargs), query)
    assert response.status_code == 400, response.content[:300]
    assert field in response.json()


@pytest.mark.parametrize(
    "query",
    [
        {"after": "2026-12-01T00:00:00-05:00", "before": "2027-01-01T00:00:00Z", "status": "confirmed"},
        {"after": "2026-12-01T00:00:00.5"},
        {"page_size": "200", "page": "1"},
    ],
)
def test_valid_filters_are_still_accepted(world, query):
    _args, _query, people = world
    response = bearer(people["employer_a"]).get(reverse("api:appointment-list"), query)
    assert response.status_code == 200, response.content[:300]
