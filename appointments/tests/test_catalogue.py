"""The slot search's catalogue in memory: one query a search, and never stale.

Every way a row of the catalogue can change (the ORM, QuerySet.update, bulk creates, deletes,
many-to-many changes, raw SQL) is seen by the next search, because database triggers bump the
catalogue generation (core/catalogue.py); the cross-process case is tests/test_catalogue_processes.py.
"""

from datetime import time, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from advisors.models import Advisor, AvailabilityException, TimeOff, WeeklyAvailability
from appointments import catalogue, selectors
from appointments.models import Appointment, Mode
from core.catalogue import current_generation
from service_points.models import ServicePoint

WATCHED = [
    "advisors_advisor",
    "advisors_advisor_topics",
    "advisors_advisor_languages",
    "advisors_advisor_service_points",
    "advisors_language",
    "advisors_weeklyavailability",
    "advisors_availabilityexception",
    "advisors_timeoff",
    "service_points_servicepoint",
    "service_points_municipality",
    "appointments_topic",
]


@pytest.fixture(autouse=True)
def fresh_copy(frozen_now):
    catalogue.forget()
    yield
    catalogue.forget()


def search(network, *, mode=Mode.SERVICE_POINT, language=None):
    return selectors.available_slots(
        topic=network.topic,
        mode=mode,
        location=network.municipality_a,
        language=language,
    )


def advisers(network, **kwargs) -> list[int]:
    return [group.option.advisor_id for group in search(network, **kwargs).groups]


def slots_of(network, advisor) -> int:
    return sum(
        len(slots)
        for group in search(network).groups
        if group.option.advisor_id == advisor.pk
        for _day, slots in group.days
    )


def test_a_search_is_one_query_while_nothing_changes(bookable):
    search(bookable)  # reads the catalogue
    with CaptureQueriesContext(connection) as queries:
        found = search(bookable)
    assert [g.option.advisor_id for g in found.groups] == [bookable.advisor_a.pk, bookable.advisor_b.pk]
    if connection.vendor == "postgresql":  # the generation comes with the appointments
        assert len(queries) == 1, [q["sql"] for q in queries]
        assert "UNION ALL" in queries[0]["sql"] and "core_cataloguegeneration" in queries[0]["sql"]
    else:
        assert len(queries) == 2, [q["sql"] for q in queries]


def test_it_answers_what_the_database_reads_answer(bookable):
    from bench.slot_search_before import available_slots as before

    search(bookable)
    for mode in Mode.values:
        old = before(topic=bookable.topic, mode=mode, location=bookable.municipality_a)
        new = search(bookable, mode=mode)
        assert [(g.option.advisor_id, g.option.service_point_id, g.days) for g in new.groups] == [
            (g.option.advisor_id, g.option.service_point_id, g.days) for g in old.groups
        ]


@pytest.mark.parametrize(
    "remove",
    [
        pytest.param(lambda a: WeeklyAvailability.objects.filter(advisor=a).delete(), id="queryset-delete"),
        pytest.param(lambda a: [b.delete() for b in a.weekly_availability.all()], id="model-delete"),
        pytest.param(
            lambda a: WeeklyAvailability.objects.filter(advisor=a).update(service_point=None), id="update"
        ),
        pytest.param(
            lambda a: connection.cursor().execute(
                "DELETE FROM advisors_weeklyavailability WHERE advisor_id = %s", [a.pk]
            ),
            id="raw-sql",
        ),
    ],
)
def test_weekly_hours_taken_away_are_gone_from_the_next_search(bookable, remove):
    assert bookable.advisor_a.pk in advisers(bookable)
    remove(bookable.advisor_a)
    assert bookable.advisor_a.pk not in advisers(bookable)


def test_weekly_hours_added_in_bulk_appear_in_the_next_search(bookable):
    before = slots_of(bookable, bookable.advisor_a)
    WeeklyAvailability.objects.bulk_create(
        WeeklyAvailability(
            advisor=bookable.advisor_a,
            weekday=day,
            start_time=time(16, 30),
            end_time=time(18, 0),
            service_point=bookable.point_a,
        )
        for day in range(5)
    )
    assert slots_of(bookable, bookable.advisor_a) > before


def test_a_closed_day_and_time_off_are_seen_at_once(bookable):
    first_day = search(bookable).groups[0].days[0][0]
    AvailabilityException.objects.create(
        advisor=bookable.advisor_a,
        date=first_day,
        kind=AvailabilityException.Kind.CLOSED,
        start_time=time(0, 0),
        end_time=time(23, 59),
    )
    assert search(bookable).groups[0].days[0][0] > first_day
    start = timezone.now()
    TimeOff.objects.create(advisor=bookable.advisor_a, starts_at=start, ends_at=start + timedelta(days=60))
    assert bookable.advisor_a.pk not in advisers(bookable)
    TimeOff.objects.filter(advisor=bookable.advisor_a).update(ends_at=start + timedelta(minutes=1))
    assert bookable.advisor_a.pk in advisers(bookable)


def test_an_opening_makes_a_point_staffed(bookable):
    """A point the adviser is attached to but never staffs offers nothing until an opening."""
    bookable.advisor_a.service_points.add(bookable.point_b)
    assert (bookable.advisor_a.pk, bookable.point_b.pk) not in {
        (g.option.advisor_id, g.option.service_point_id) for g in search(bookable).groups
    }
    day = search(bookable).groups[0].days[0][0] + timedelta(days=1)
    AvailabilityException.objects.create(
        advisor=bookable.advisor_a,
        date=day,
        kind=AvailabilityException.Kind.OPEN,
        start_time=time(17, 0),
        end_time=time(19, 0),
        service_point=bookable.point_b,
    )
    assert (bookable.advisor_a.pk, bookable.point_b.pk) in {
        (g.option.advisor_id, g.option.service_point_id) for g in search(bookable).groups
    }


def test_an_adviser_deactivated_in_bulk_leaves_the_search(bookable):
    assert bookable.advisor_a.pk in advisers(bookable)
    Advisor.objects.filter(pk=bookable.advisor_a.pk).update(is_active=False)
    assert bookable.advisor_a.pk not in advisers(bookable)


def test_expertise_and_languages_are_many_to_many_changes_seen_at_once(bookable):
    assert bookable.advisor_a.pk in advisers(bookable, language="en")
    bookable.advisor_a.languages.remove(bookable.advisor_a.languages.get(code="en"))
    assert bookable.advisor_a.pk not in advisers(bookable, language="en")
    bookable.advisor_a.topics.clear()
    assert bookable.advisor_a.pk not in advisers(bookable)


def test_a_point_closed_or_moved_is_seen_at_once(bookable):
    ServicePoint.objects.filter(pk=bookable.point_b.pk).update(latitude=46.35006, longitude=-72.54912)
    assert search(bookable).groups[1].distance_km < 1
    ServicePoint.objects.filter(pk=bookable.point_a.pk).update(is_active=False)
    assert bookable.advisor_a.pk not in advisers(bookable)


def test_a_renamed_adviser_is_shown_under_the_new_name_but_signing_in_changes_nothing(bookable):
    user = bookable.advisor_a.user
    search(bookable)
    generation = current_generation()
    get_user_model().objects.filter(pk=user.pk).update(last_login=timezone.now())
    assert current_generation() == generation  # a sign-in keeps every process's copy
    get_user_model().objects.filter(pk=user.pk).update(first_name="Renée", last_name="Nouveau-Nom")
    assert current_generation() != generation
    assert str(search(bookable).groups[0].advisor) == "Renée Nouveau-Nom"


def test_a_copy_read_inside_a_rolled_back_transaction_is_never_trusted(bookable):
    with pytest.raises(RuntimeError), transaction.atomic():
        Advisor.objects.filter(pk=bookable.advisor_a.pk).update(is_active=False)
        assert bookable.advisor_a.pk not in advisers(bookable)  # kept under that generation
        raise RuntimeError("rolled back")
    assert bookable.advisor_a.pk in advisers(bookable)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="statement triggers: PostgreSQL")
@pytest.mark.parametrize("table", WATCHED)
def test_every_statement_on_a_watched_table_bumps_the_generation(db, table):
    generation = current_generation()
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET id = id WHERE id < 0")  # noqa: S608 - a constant list
    assert current_generation() != generation


def test_booking_data_does_not_bump_it(booked):
    """Appointments are read fresh by every search: they are not part of the catalogue."""
    generation = current_generation()
    booked.save()
    Appointment.objects.filter(pk=booked.pk).update(sequence=F("sequence") + 1)
    assert current_generation() == generation
