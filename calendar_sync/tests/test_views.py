"""The adviser's "My calendars" page: add and remove sources, see each one's sync health; only
their own; the address and password never come back in a page, a log line or the admin. The
manager's dashboard lists the directorate's broken syncs; /metrics counts them."""

import logging

import pytest
from django.urls import reverse

from calendar_sync import services
from calendar_sync.models import BusySource
from calendar_sync.services import SourceData
from calendar_sync.tests.servers import fixture

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now", "commits_at_once")]

SECRET_PATH = "/owa/calendar/9f2c4e0b7a6d4e1f/reachcalendar.ics"
PASSWORD = "app-password-7Qx!"


def add_form(url: str, **extra) -> dict:
    return {"kind": "ics", "name": "Outlook – travail", "url": url, **extra}


def test_an_adviser_adds_a_calendar_and_sees_its_health_but_never_its_address(
    client_for, advisor, served, caplog
):
    client = client_for(advisor)
    url = served.serve(SECRET_PATH, body=fixture("google.ics"))
    with caplog.at_level(logging.DEBUG):
        response = client.post(reverse("advisors:busy_source_add"), add_form(url))
    assert response.status_code == 302
    page = client.get(reverse("advisors:busy_sources"))
    html = page.content.decode()
    assert "Outlook – travail" in html and "127.0.0.1" in html
    assert ">6<" in html.replace(" ", "")  # busy times stored
    assert SECRET_PATH not in html and "9f2c4e0b7a6d4e1f" not in html
    assert "9f2c4e0b7a6d4e1f" not in caplog.text


def test_a_caldav_password_is_never_rendered_or_logged(client_for, advisor, radicale, caplog):
    client = client_for(advisor)
    calendar = radicale.make_calendar("views-caldav")
    with caplog.at_level(logging.DEBUG):
        client.post(
            reverse("advisors:busy_source_add"),
            add_form(calendar, kind="caldav", username=radicale.USER, password=radicale.PASSWORD),
        )
        client.post(
            reverse("advisors:busy_source_add"),
            add_form("not an address", kind="caldav", username="u", password=PASSWORD),
        )
    source = BusySource.objects.get()
    assert source.last_success_at is not None
    for html in (client.get(reverse("advisors:busy_sources")).content.decode(),):
        assert radicale.PASSWORD not in html and PASSWORD not in html
    assert radicale.PASSWORD not in caplog.text and PASSWORD not in caplog.text
    assert radicale.PASSWORD not in source.password_encrypted


def test_a_bad_address_is_a_form_error(client_for, advisor):
    response = client_for(advisor).post(
        reverse("advisors:busy_source_add"), add_form("ftp://example.org/cal")
    )
    assert response.status_code == 400 and not BusySource.objects.exists()


def test_production_refuses_a_private_address_in_the_form(client_for, advisor, settings):
    settings.CALENDAR_SYNC_ALLOW_PRIVATE_HOSTS = False
    response = client_for(advisor).post(
        reverse("advisors:busy_source_add"), add_form("http://192.168.1.10/calendar.ics")
    )
    assert response.status_code == 400 and "réseau privé" in response.content.decode()
    assert not BusySource.objects.exists()


def test_webcal_addresses_are_read_over_https(client_for, advisor, settings):
    settings.CALENDAR_SYNC_ALLOW_PRIVATE_HOSTS = True
    client_for(advisor).post(reverse("advisors:busy_source_add"), add_form("webcal://127.0.0.1:9/cal.ics"))
    assert BusySource.objects.get().host == "127.0.0.1"


def test_an_adviser_sees_and_removes_only_their_own_calendars(
    client_for, advisor, other_advisor, network, served
):
    url = served.serve("/cal.ics", body=fixture("google.ics"))
    mine = services.add_source(
        advisor=network.advisor_a, data=SourceData(kind="ics", name="Calendrier A", url=url)
    )
    other = client_for(other_advisor)
    assert "Calendrier A" not in other.get(reverse("advisors:busy_sources")).content.decode()
    refused = other.post(reverse("advisors:busy_source_delete", kwargs={"pk": mine.pk}))
    assert refused.status_code == 404 and BusySource.objects.filter(pk=mine.pk).exists()
    removed = client_for(advisor).post(reverse("advisors:busy_source_delete", kwargs={"pk": mine.pk}))
    assert removed.status_code == 302 and not BusySource.objects.exists()


@pytest.mark.parametrize("person", ["employer_a", "manager", "administrator"])
def test_only_advisers_have_a_calendars_page(client_for, person, request):
    response = client_for(request.getfixturevalue(person)).get(reverse("advisors:busy_sources"))
    assert response.status_code == 403


def broken_source(network, served):
    source = services.add_source(
        advisor=network.advisor_a,
        data=SourceData(
            kind="ics", name="Outlook A", url=served.serve("/cal.ics", body=fixture("google.ics"))
        ),
    )
    served.serve("/cal.ics", status=404)
    for _ in range(3):
        services.sync_source(source.pk)
    return source


def test_the_managers_dashboard_lists_advisers_whose_sync_is_broken(
    client_for, manager, other_manager, bookable, served
):
    broken_source(bookable, served)
    mine = client_for(manager).get(
        reverse("midi_regions:dashboard", kwargs={"code": bookable.directorate_a.code})
    )
    assert "Outlook A" in mine.content.decode()
    theirs = client_for(other_manager).get(
        reverse("midi_regions:dashboard", kwargs={"code": bookable.directorate_b.code})
    )
    assert "Outlook A" not in theirs.content.decode()


def test_the_metric_counts_broken_syncs(client, network, served):
    broken_source(network, served)
    body = client.get("/metrics").content.decode()
    assert "midi_calendar_sync_failures 1.0" in body
