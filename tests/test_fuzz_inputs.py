"""Bad input never gives a 500: every page of the authorization matrix, as a person allowed to see
it, with fuzzed query strings (and the main forms with fuzzed POST bodies).

Since issue 18, the class of each defect found there, not only its case, deterministically:
every query parameter a page reads (recorded while it answers) and every parameter of every API
operation (from the OpenAPI schema) at the extremes of dates and integers (years 1 and 9999,
±14 h offsets, a time that does not exist in Québec, 0, negative, 2**63); every form and JSON body
with the digits of other scripts; every signed link with a correctly signed, malformed payload.
"""

import json
import re
from contextlib import contextmanager
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from django.core import signing
from django.forms.forms import BaseForm
from django.http import QueryDict
from django.urls import NoReverseMatch, reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from appointments import links
from appointments.models import Mode
from tests.booking_helpers import tuesday
from tests.clients import signed_in
from tests.inputs import MALFORMED_PAYLOADS, OTHER_DIGITS, to_script, valid_profile
from tests.test_authorization_matrix import MATRIX, PEOPLE
from waitlist import services as waitlist

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now", "commits_at_once")]

PARAMS = [
    "topic",
    "mode",
    "municipality",
    "language",
    "start",
    "end",
    "at",
    "advisor",
    "point",
    "key",
    "region",
    "service_point",
    "page",
    "reschedule",
    "message",
    "reason",
    "times",
    "action",
]
NASTY = st.one_of(
    st.text(max_size=40),
    st.sampled_from(
        [
            "-1",
            "0",
            "9999999999999999999999",
            "2026-02-30",
            "0000-01-01",
            "9999-12-31T25:61",
            "NaN",
            "1e308",
            "../../etc/passwd",
            "' OR 1=1 --",
            "<script>",
            "\x00",
            "ÉÉÉ" * 500,
            "2026-11-24T15:00:00Z",
            "permanent-immigration",
            "service_point",
            "premises",
        ]
    ),
)
QUERIES = st.dictionaries(st.sampled_from(PARAMS), NASTY, max_size=6)


def allowed(expected):
    """The first person the matrix lets see the page (200), else the first whose request reaches
    the view (400, 405, a POST-only redirect), else any signed-in person."""
    for wanted in ((200,), (400, 405), (302,)):
        for person, status in zip(PEOPLE, expected, strict=True):
            if status in wanted and person != "anonymous":
                return person
    for person, status in zip(PEOPLE, expected, strict=True):
        if status == 200:
            return person
    return "admin"


# The random walk; the extremes below are tried one by one (issue 18).
@pytest.mark.long(65)
@settings(
    max_examples=10,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(query=QUERIES)
def test_no_page_answers_a_fuzzed_query_string_with_a_server_error(world, query):
    args, _query, people = world
    clients = {}
    for name, (builder, expected) in MATRIX.items():
        person = allowed(expected)
        if person not in clients:
            clients[person] = signed_in(people[person], raise_request_exception=False)
        url = reverse(name, kwargs=args.get(builder))
        status = clients[person].get(url, query).status_code
        assert status < 500, (name, person, query, status)


@pytest.mark.long(16)
@settings(
    max_examples=10,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(data=QUERIES)
def test_the_main_forms_answer_fuzzed_posts_with_a_client_error(world, data):
    args, _query, people = world
    posts = {
        "employer_a": ["appointments:confirm", "appointments:request_new", "accounts:profile"],
        "advisor": ["advisors:block_add", "advisors:exception_add", "advisors:time_off_add"],
        "manager": [],
    }
    for person, names in posts.items():
        client = signed_in(people[person], raise_request_exception=False)
        for name in names:
            assert client.post(reverse(name), data).status_code < 500, (name, data)
    client = signed_in(people["advisor"], raise_request_exception=False)
    for name in ("advisors:appointment_action", "advisors:appointment_note"):
        url = reverse(name, kwargs=args["appointment"])
        assert client.post(url, data).status_code < 500, (name, data)
    assert client.post(reverse("appointments:decline", kwargs=args["request"]), data).status_code < 500


# --- Extremes, other scripts' digits, malformed signed payloads (issue 18) ----------------------

EXTREMES = [
    "0001-01-01",
    "9999-12-31",
    "0001-01-01T00:00:00+14:00",
    "9999-12-31T23:59:59-14:00",
    "2026-03-08T02:30",  # does not exist in Québec: clocks jump from 2:00 to 3:00
    "0",
    "-1",
    str(2**63),
    "１２",
]


@contextmanager
def keys_read(monkeypatch):
    """The names a view reads from its query string or POST body, directly or through a form."""
    keys = set()

    def recording(name):
        original = getattr(QueryDict, name)

        def read(self, key, *args, **kwargs):
            keys.add(key)
            return original(self, key, *args, **kwargs)

        return read

    with monkeypatch.context() as patch:
        for name in ("get", "__getitem__", "getlist", "__contains__"):
            patch.setattr(QueryDict, name, recording(name))
        original = BaseForm._widget_data_value
        patch.setattr(
            BaseForm,
            "_widget_data_value",
            lambda form, widget, html_name: keys.add(html_name) or original(form, widget, html_name),
        )
        yield keys


def with_param(url: str, name: str, value: str) -> str:
    path, _, query = url.partition("?")
    params = QueryDict(query, mutable=True)
    params[name] = value
    return f"{path}?{params.urlencode()}"


@pytest.mark.long(105)
def test_every_query_parameter_of_every_page_at_its_extremes(world, monkeypatch):
    args, query, people = world
    failures = []
    for name, (builder, expected) in MATRIX.items():
        if name.startswith("api:"):
            continue  # the API's parameters come from its schema (next test)
        person = allowed(expected)
        client = signed_in(people[person], raise_request_exception=False)
        url = reverse(name, kwargs=args.get(builder)) + query.get(builder, "")
        with keys_read(monkeypatch) as keys:
            client.get(url)
        for key in sorted(k for k in keys if isinstance(k, str)):
            for value in EXTREMES:
                status = client.get(with_param(url, key, value)).status_code
                if status >= 500:
                    failures.append((name, person, key, value, status))
    assert failures == []


def api_operations():
    """(path regex, method, operation) of the live OpenAPI schema."""
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    for path, methods in schema["paths"].items():
        pattern = re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", path) + "$")
        for method, operation in methods.items():
            yield pattern, method, operation


@pytest.mark.long(18)
def test_every_parameter_of_every_api_operation_at_its_extremes(world):
    args, query, people = world
    operations = list(api_operations())
    failures, tried = [], set()
    for name, (builder, expected) in MATRIX.items():
        if not name.startswith("api:") or name in ("api:schema", "api:docs"):
            continue
        person = allowed(expected)
        client = signed_in(people[person], raise_request_exception=False)
        url = reverse(name, kwargs=args.get(builder)) + query.get(builder, "")
        path = url.partition("?")[0]
        for pattern, method, operation in operations:
            if method != "get" or not pattern.match(path) or (path, operation["operationId"]) in tried:
                continue
            tried.add((path, operation["operationId"]))
            for parameter in operation.get("parameters", []):
                if parameter["in"] != "query":
                    continue
                for value in EXTREMES:
                    status = client.get(with_param(url, parameter["name"], value)).status_code
                    if status >= 500:
                        failures.append((name, parameter["name"], value, status))
    assert len(tried) > 15 and failures == []
    # Integer path parameters at their extremes.
    client = signed_in(people["employer_a"], raise_request_exception=False)
    for number in ("0", "2147483648", "9" * 10):  # the pattern takes 10 digits at most
        url = reverse("api:municipality-detail", kwargs={"id": number})
        assert client.get(url).status_code < 500, number
    for number in (0, 2**31, 2**63):
        for name in ("accounts:api_token_revoke", "accounts:invitation_revoke", "advisors:block_delete"):
            url = reverse(name, kwargs={"pk": number})
            for person in ("employer_a", "advisor"):
                assert signed_in(people[person], raise_request_exception=False).post(url).status_code < 500, (
                    name,
                    number,
                )


def in_script(value, script: str):
    """`value` with its digits written in another script (numbers become such strings)."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, list):
        return [in_script(item, script) for item in value]
    return to_script(str(value), script)


def each_field_in_other_digits(body: dict):
    """The body with one field at a time, then all of them, in each other script's digits."""
    for script in OTHER_DIGITS:
        for field in body:
            yield {**body, field: in_script(body[field], script)}
        yield {field: in_script(value, script) for field, value in body.items()}


def test_every_api_body_with_other_scripts_digits(world, bookable):
    args, _query, people = world
    client = signed_in(people["employer_a"], raise_request_exception=False)
    network = bookable
    bodies = {
        reverse("api:appointment-list"): {
            "topic": network.topic.code,
            "mode": Mode.SERVICE_POINT,
            "municipality": int(network.municipality_a.code),
            "advisor": network.advisor_a.pk,
            "service_point": network.point_a.pk,
            "starts_at": (tuesday(13) + timedelta(days=7)).isoformat(),
            "key": "12345678-1234-1234-1234-123456789012",
        },
        reverse("api:appointment-reschedule", kwargs=args["appointment"]): {
            "service_point": network.point_a.pk,
            "starts_at": (tuesday(14) + timedelta(days=7)).isoformat(),
        },
        reverse("api:request-list"): {
            "topic": network.topic.code,
            "mode": Mode.SERVICE_POINT,
            "municipality": int(network.municipality_a.code),
            "language": "fr",
            "preferred_weekdays": [1, 3],
            "preferred_time": "any",
            "message": "Rendez-vous le 12 à 10 h",
        },
        reverse("api:appointment-cancel", kwargs=args["appointment"]): {"reason": "Le 12, 3 personnes"},
        reverse("api:request-withdraw", kwargs=args["request"]): {},
    }
    failures = []
    for url, body in bodies.items():
        for variant in each_field_in_other_digits(body):
            response = client.post(url, json.dumps(variant), content_type="application/json")
            if response.status_code >= 500:
                failures.append((url, variant, response.status_code))
    assert failures == []


def test_every_form_with_other_scripts_digits(world, bookable):
    from tests.factories import UserFactory

    args, query, people = world
    network = bookable
    people = {**people, "new_user": UserFactory()}
    day = (tuesday(0) + timedelta(days=14)).date()
    forms = {
        "new_user": {
            reverse("accounts:profile"): valid_profile(network.municipality_a, neq="1143987654"),
        },
        "employer_a": {
            reverse("accounts:profile"): valid_profile(
                network.municipality_a, neq=people["employer_a"].employer_profile.company.neq
            ),
            reverse("accounts:api_tokens"): {"name": "RH 2026", "lifetime": "90"},
            reverse("accounts:invite"): {"email": "collegue2026@example.org"},
            reverse("appointments:confirm") + query["search"]: {
                "advisor": network.advisor_a.pk,
                "point": network.point_a.pk,
                "at": (tuesday(15) + timedelta(days=7)).isoformat(),
                "message": "12",
            },
            reverse("appointments:request_new"): {
                "topic": network.topic.code,
                "mode": Mode.SERVICE_POINT,
                "municipality": network.municipality_a.name,
                "language": "fr",
                "preferred_weekdays": ["1"],
                "preferred_time": "any",
                "message": "Le 12 à 10 h",
            },
            reverse("appointments:waitlist_join"): {
                "topic": network.topic.code,
                "mode": Mode.SERVICE_POINT,
                "municipality": network.municipality_a.name,
                "max_distance_km": "100",
                "time_of_day": "any",
                "until": (day + timedelta(days=30)).isoformat(),
            },
        },
        "advisor": {
            reverse("advisors:block_add"): {
                "block-weekday": "2",
                "block-start_time": "17:00",
                "block-end_time": "18:00",
                "block-service_point": network.point_a.pk,
            },
            reverse("advisors:exception_add"): {
                "date-date": day.isoformat(),
                "date-kind": "closed",
                "date-start_time": "09:00",
                "date-end_time": "10:00",
            },
            reverse("advisors:time_off_add"): {
                "off-starts_at": f"{day.isoformat()}T09:00",
                "off-ends_at": f"{day.isoformat()}T10:00",
            },
            reverse("advisors:appointment_note", kwargs=args["appointment"]): {"text": "Note 12"},
        },
    }
    failures = []
    for person, pages in forms.items():
        client = signed_in(people[person], raise_request_exception=False)
        for url, body in pages.items():
            for variant in each_field_in_other_digits(body):
                status = client.post(url, variant).status_code
                if status >= 500:
                    failures.append((person, url, variant, status))
    assert failures == []


SALTS = [links.SALT, waitlist.OFFER_SALT]


def test_every_signed_link_with_a_correctly_signed_malformed_payload(world):
    args, _query, people = world
    # Every URL of the matrix whose credential is a token in the path, with each salt we sign with.
    names = [name for name, (builder, _expected) in MATRIX.items() if "token" in (args.get(builder) or {})]
    assert {"appointments:manage", "appointments:offer"} <= set(names)
    anonymous = signed_in(None, raise_request_exception=False)
    employer = signed_in(people["employer_a"], raise_request_exception=False)
    failures = []
    for name in names:
        for salt in SALTS:
            for payload in MALFORMED_PAYLOADS:
                token = signing.dumps(payload, salt=salt, compress=True)
                try:
                    url = reverse(name, kwargs={"token": token})
                except NoReverseMatch:  # the feed's token is random, [-a-zA-Z0-9_]: no signature
                    continue
                for client in (anonymous, employer):
                    for response in (client.get(url), client.post(url, {"action": "cancel"})):
                        if response.status_code >= 500:
                            failures.append((name, salt, payload, response.status_code))
    assert failures == []


def test_an_offset_sent_unencoded_is_read_and_bounded_too(world):
    """A "+" of an offset sent unencoded arrives as a space; the calendar feed reads it back."""
    _args, _query, people = world
    client = signed_in(people["advisor"], raise_request_exception=False)
    for start in ("0001-01-01T00:00:00 14:00", "9999-12-31T00:00:00 14:00"):
        url = reverse("advisors:calendar_events") + "?" + urlencode({"start": start, "end": "2026-11-30"})
        assert client.get(url).status_code == 400
