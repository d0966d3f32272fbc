"""A survey answered twice at once (PostgreSQL, real threads): one answer is stored, the other
person is told it was answered meanwhile; sending runs at once send each survey once."""

import threading
from collections import Counter
from datetime import timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.db import connection
from django.test import Client

from feedback import links, sending
from feedback.models import Survey
from feedback.tests.conftest import mark_held
from tests.booking_helpers import book, tuesday
from tests.factories import EmployerProfileFactory

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("frozen_now"),
]


def run_together(count, target):
    barrier = threading.Barrier(count)
    outcomes = []
    lock = threading.Lock()

    def run(n):
        try:
            barrier.wait(timeout=30)
            outcome = target(n)
        except Exception as error:  # kept: the assertions show it
            outcome = f"error: {error!r}"
        finally:
            connection.close()
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return outcomes


def test_two_answers_sent_at_once_store_one_and_tell_the_other(bookable, employer_a):
    survey = mark_held(book(bookable, employer_a)).survey
    url = links.survey_url(survey).removeprefix(settings.SITE_URL)

    def answer(n):
        response = Client().post(
            url, {"satisfaction": 5 - n * 4, "outcome": "yes" if n == 0 else "no", "revision": 0}
        )
        return response.status_code, response.content.decode()

    outcomes = run_together(2, answer)
    statuses = Counter(status for status, _body in outcomes)
    assert statuses == {302: 1, 409: 1}, outcomes
    (refused,) = [body for status, body in outcomes if status == 409]
    assert "a été répondu entre-temps" in refused or "answered meanwhile" in refused
    stored = Survey.objects.get(pk=survey.pk)
    assert stored.revision == 1 and stored.satisfaction in (1, 5)
    # The refused person sees the answer that was kept, to change it knowingly.
    assert f'value="{stored.satisfaction}"' in refused and "checked" in refused


def test_two_sending_runs_at_once_send_each_survey_once(bookable):
    employers = [EmployerProfileFactory(company__municipality=bookable.municipality_a).user for _ in range(4)]
    times = [tuesday(10, 30) + timedelta(days=day, hours=hours) for day in (0, 1) for hours in (0, 2.5)]
    for employer, at in zip(employers, times, strict=True):
        mark_held(book(bookable, employer, at=at), now=tuesday(18) + timedelta(days=2))
    mail.outbox.clear()
    reports = run_together(4, lambda n: sending.send_due_surveys(batch_size=1))
    assert sum(r.sent["invitation"] for r in reports) == 4, reports
    assert sorted(m.to[0] for m in mail.outbox) == sorted(e.email for e in employers)
    assert not Survey.objects.filter(invited_at__isnull=True).exists()
