"""Bad input never gives a 500: every page of the authorization matrix, as a person allowed to see
it, with fuzzed query strings (and the main forms with fuzzed POST bodies)."""

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.test_authorization_matrix import MATRIX, PEOPLE

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
    """The first person the matrix lets see the page (200), else any signed-in person."""
    for person, status in zip(PEOPLE, expected, strict=True):
        if status == 200:
            return person
    return "admin"


@settings(
    max_examples=25,
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
            clients[person] = Client(raise_request_exception=False)
            if people[person] is not None:
                clients[person].force_login(people[person])
        url = reverse(name, kwargs=args.get(builder))
        status = clients[person].get(url, query).status_code
        assert status < 500, (name, person, query, status)


@settings(
    max_examples=25,
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
        client = Client(raise_request_exception=False)
        client.force_login(people[person])
        for name in names:
            assert client.post(reverse(name), data).status_code < 500, (name, data)
    client = Client(raise_request_exception=False)
    client.force_login(people["advisor"])
    for name in ("advisors:appointment_action", "advisors:appointment_note"):
        url = reverse(name, kwargs=args["appointment"])
        assert client.post(url, data).status_code < 500, (name, data)
    assert client.post(reverse("appointments:decline", kwargs=args["request"]), data).status_code < 500
