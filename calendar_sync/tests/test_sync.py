"""Syncing a published ICS address from a real HTTP server on loopback: busy times stored without
any title, conditional GET, and every failure a clear sync error — never a crash, never a stuck
worker — with the adviser emailed after 3 in a row and the busy times marked stale after 24 h."""

import time
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from calendar_sync import credentials, services
from calendar_sync.models import BusyInterval, BusySource, SyncError
from calendar_sync.services import SourceData
from calendar_sync.tests.servers import fixture

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now", "commits_at_once")]


def add(advisor, url, **extra) -> BusySource:
    return services.add_source(advisor=advisor, data=SourceData(kind="ics", name="Outlook", url=url, **extra))


def test_adding_a_source_reads_it_at_once_and_keeps_only_start_and_end(network, served):
    url = served.serve("/owa/calendar/secret-token/calendar.ics", body=fixture("google.ics"))
    source = add(network.advisor_a, url)
    source.refresh_from_db()
    assert source.last_success_at == timezone.now() and source.last_error == ""
    intervals = list(BusyInterval.objects.filter(source=source))
    assert len(intervals) == 6 and all(i.advisor_id == network.advisor_a.pk for i in intervals)
    # Law 25: nothing of the events but their times is stored anywhere in the row or source.
    assert {f.name for f in BusyInterval._meta.concrete_fields} == {
        "id",
        "source",
        "advisor",
        "starts_at",
        "ends_at",
    }
    # The address is a credential: encrypted at rest, only its host in clear.
    assert "secret-token" not in source.url_encrypted and source.host == "127.0.0.1"
    assert credentials.decrypt(source.url_encrypted) == url


def test_an_unchanged_calendar_is_not_downloaded_again(network, served):
    url = served.serve("/cal.ics", body=fixture("google.ics"))
    source = add(network.advisor_a, url)
    assert services.sync_source(source.pk)
    path, headers = served.requests[-1]
    assert headers.get("If-None-Match") == served.routes["/cal.ics"].etag
    assert BusyInterval.objects.filter(source=source).count() == 6


def test_a_not_modified_answer_is_not_trusted_once_the_horizon_moved_past_the_stored_busy_times(
    network, served, frozen_now
):
    url = served.serve("/cal.ics", body=fixture("outlook_weekly.ics"))
    source = add(network.advisor_a, url)
    before = BusyInterval.objects.filter(source=source).count()
    frozen_now.shift(timedelta(days=14))
    assert services.sync_source(source.pk)
    assert "If-None-Match" not in served.requests[-1][1]  # a full read: the new days are expanded
    assert BusyInterval.objects.filter(
        source=source, starts_at__gt=timezone.now() + timedelta(days=50)
    ).exists()
    assert BusyInterval.objects.filter(source=source).count() >= before - 2


def test_a_changed_calendar_replaces_the_busy_times(network, served):
    url = served.serve("/cal.ics", body=fixture("google.ics"))
    source = add(network.advisor_a, url)
    served.serve("/cal.ics", body=fixture("exchange_no_vtimezone.ics"))
    assert services.sync_source(source.pk)
    assert BusyInterval.objects.filter(source=source).count() == 2


FAILURES = {
    "404": ({"status": 404}, SyncError.NOT_FOUND),
    "410": ({"status": 410}, SyncError.NOT_FOUND),
    "500": ({"status": 500}, SyncError.SERVER),
    "401": ({"status": 401}, SyncError.REFUSED),
    "garbage": ({"body": b"<html><body>Sign in to Outlook</body></html>"}, SyncError.NOT_CALENDAR),
    "50 MB": ({"stream_bytes": 50 * 1024 * 1024}, SyncError.TOO_LARGE),
    "timeout": ({"delay": 4}, SyncError.TIMEOUT),
    "redirect loop": ({"redirect_to": "/broken.ics"}, SyncError.REDIRECTS),
}


@pytest.mark.parametrize("case", FAILURES)
def test_each_failure_ends_in_a_clear_sync_error_quickly(network, served, case):
    route, code = FAILURES[case]
    served.serve("/ok.ics", body=fixture("google.ics"))
    source = add(network.advisor_a, served.url("/ok.ics"))
    source.url_encrypted = credentials.encrypt(served.serve("/broken.ics", **route))
    source.save()
    started = time.monotonic()
    assert services.sync_source(source.pk) is False
    assert time.monotonic() - started < 8  # bounded: 2 s read timeout in the tests, size cap
    source.refresh_from_db()
    assert (source.last_error, source.consecutive_failures) == (code, 1)
    assert source.get_last_error_display() == code.label
    assert BusyInterval.objects.filter(source=source).count() == 6  # the last good read stays


def test_a_host_that_does_not_answer_is_unreachable(network, served, settings):
    source = add(network.advisor_a, served.serve("/ok.ics", body=fixture("google.ics")))
    source.url_encrypted = credentials.encrypt("http://127.0.0.1:9/cal.ics")  # discard port: closed
    source.save()
    assert services.sync_source(source.pk) is False
    source.refresh_from_db()
    assert source.last_error == SyncError.UNREACHABLE


def test_three_failures_in_a_row_email_the_adviser_once(network, served, advisor):
    source = add(network.advisor_a, served.serve("/cal.ics", body=fixture("google.ics")))
    served.serve("/cal.ics", status=500)
    mail.outbox.clear()
    for _ in range(2):
        services.sync_source(source.pk)
    assert mail.outbox == []
    for _ in range(3):
        services.sync_source(source.pk)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [advisor.email] and "Outlook" in message.subject
    assert "/cal.ics" not in message.body  # the address is a credential
    source.refresh_from_db()
    assert source.consecutive_failures == 5 and source.broken


def test_a_success_resets_the_failures_and_a_new_run_of_failures_emails_again(network, served):
    source = add(network.advisor_a, served.serve("/cal.ics", body=fixture("google.ics")))
    served.serve("/cal.ics", status=500)
    for _ in range(3):
        services.sync_source(source.pk)
    served.serve("/cal.ics", body=fixture("google.ics"))
    assert services.sync_source(source.pk)
    source.refresh_from_db()
    assert (source.consecutive_failures, source.failing_since, source.stale) == (0, None, False)
    mail.outbox.clear()
    served.serve("/cal.ics", status=500)
    for _ in range(3):
        services.sync_source(source.pk)
    assert len(mail.outbox) == 1


def test_a_day_of_failures_keeps_the_busy_times_but_marks_them_stale_and_tells_the_adviser(
    network, served, frozen_now
):
    source = add(network.advisor_a, served.serve("/cal.ics", body=fixture("google.ics")))
    served.serve("/cal.ics", status=503)
    services.sync_source(source.pk)
    mail.outbox.clear()
    for _ in range(5):
        frozen_now.shift(timedelta(hours=5))
        services.sync_source(source.pk)
    source.refresh_from_db()
    assert source.stale and source.intervals.count() == 6
    subjects = [m.subject for m in mail.outbox]
    assert len(subjects) == 2  # 3 in a row, then stale: each once
    assert len(set(subjects)) == 2 and all("Outlook" in s for s in subjects)


def test_production_refuses_addresses_on_loopback_and_private_networks(network, settings):
    settings.CALENDAR_SYNC_ALLOW_PRIVATE_HOSTS = False
    for url in (
        "http://127.0.0.1:8000/cal.ics",
        "http://10.0.0.5/cal.ics",
        "http://[::1]/cal.ics",
        "http://169.254.169.254/latest/meta-data/",
        "http://localhost/cal.ics",
    ):
        with pytest.raises(services.FetchFailed) as refused:
            add(network.advisor_a, url)
        assert refused.value.code == SyncError.FORBIDDEN_ADDRESS, url
    assert not BusySource.objects.exists()


def test_a_redirect_to_a_private_address_is_refused_in_production(network, served, settings):
    source = add(network.advisor_a, served.serve("/cal.ics", body=fixture("google.ics")))
    settings.CALENDAR_SYNC_ALLOW_PRIVATE_HOSTS = False
    assert services.sync_source(source.pk) is False
    source.refresh_from_db()
    assert source.last_error == SyncError.FORBIDDEN_ADDRESS


def test_the_beat_queues_each_source_once_per_period_at_its_own_phase(network, served, frozen_now, settings):
    url = served.serve("/cal.ics", body=fixture("google.ics"))
    sources = [add(network.advisor_a, url) for _ in range(20)]
    phases = {s.next_sync_at.timestamp() % settings.CALENDAR_SYNC_INTERVAL_SECONDS for s in sources}
    assert len(phases) > 10  # staggered, not all at :00
    queued = []
    for _minute in range(10):
        frozen_now.shift(timedelta(minutes=1))
        queued += services.due_sources(timezone.now())
    assert sorted(queued) == sorted(s.pk for s in sources)


def test_a_removed_source_takes_its_busy_times_with_it(network, served):
    source = add(network.advisor_a, served.serve("/cal.ics", body=fixture("google.ics")))
    assert not services.remove_source(advisor=network.advisor_b, pk=source.pk)  # not theirs
    assert services.remove_source(advisor=network.advisor_a, pk=source.pk)
    assert not BusyInterval.objects.exists()
    assert services.sync_source(source.pk) is False  # a queued sync of a removed source: nothing


def test_the_beat_entry_and_the_tasks_run_the_services(network, served, frozen_now, settings):
    from calendar_sync import tasks

    assert settings.CELERY_BEAT_SCHEDULE["poll-calendar-sources"]["task"] == "calendar_sync.poll_sources"
    source = add(network.advisor_a, served.serve("/cal.ics", body=fixture("google.ics")))
    frozen_now.shift(timedelta(seconds=settings.CALENDAR_SYNC_INTERVAL_SECONDS + 1))
    served.serve("/cal.ics", status=500)
    assert tasks.poll_sources() == 1  # queued, and run here (eager): the failure is recorded
    source.refresh_from_db()
    assert source.last_error == SyncError.SERVER and source.next_sync_at > timezone.now()
    assert tasks.poll_sources() == 0


def test_the_same_text_again_from_a_server_without_etag_is_not_parsed_again(network, served, monkeypatch):
    source = add(network.advisor_a, served.serve("/cal.ics", body=fixture("google.ics"), conditional=False))
    assert "If-None-Match" not in served.requests[-1][1]

    def expanded(*args, **kwargs):
        raise AssertionError("the same file was parsed again")

    monkeypatch.setattr(services, "busy_intervals", expanded)
    assert services.sync_source(source.pk)
    assert BusyInterval.objects.filter(source=source).count() == 6
    served.serve("/cal.ics", body=fixture("exchange_no_vtimezone.ics"), conditional=False)
    monkeypatch.undo()
    assert services.sync_source(source.pk)
    assert BusyInterval.objects.filter(source=source).count() == 2
