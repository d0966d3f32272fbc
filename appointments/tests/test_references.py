"""Reference numbers: short, human, unique; given to every new appointment, to the existing ones by
a migration, and read back however a person types them."""

import re
from datetime import timedelta

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

from appointments import references
from appointments.models import Appointment
from tests.booking_helpers import book, tuesday

pytestmark = [pytest.mark.usefixtures("frozen_now", "commits_at_once")]

SHAPE = re.compile(r"^RV-[23456789ABCDEFGHJKMNPQRSTVWXYZ]{3}-[23456789ABCDEFGHJKMNPQRSTVWXYZ]{3}$")


def test_a_reference_has_no_ambiguous_symbol():
    drawn = {references.new_reference() for _ in range(2000)}
    assert all(SHAPE.match(reference) for reference in drawn), sorted(drawn)[:5]
    assert not set("".join(drawn)) & set("01ILOU")
    assert len(drawn) > 1990  # random, not a counter or a constant


@pytest.mark.parametrize(
    "typed", ["RV-7K3-Q9M", "rv-7k3-q9m", "RV7K3Q9M", "rv7k3q9m", "7K3Q9M", "7k3-q9m", " RV 7K3 Q9M "]
)
def test_a_reference_is_read_however_it_is_typed(typed):
    assert references.normalize(typed) == "RV-7K3-Q9M"


@pytest.mark.parametrize("typed", ["", "RV-7K3", "RV-7K3-Q9MM", "RV-0K3-Q9M", "RV-IK3-Q9M", "abc", "RV--"])
def test_what_cannot_be_a_reference_is_refused(typed):
    assert references.normalize(typed) is None


@pytest.mark.django_db
def test_every_booking_gets_its_own_reference(bookable, employer_a):
    first = book(bookable, employer_a)
    second = book(bookable, employer_a, tuesday(14))
    assert SHAPE.match(first.reference) and SHAPE.match(second.reference)
    assert first.reference != second.reference
    first.refresh_from_db()
    assert SHAPE.match(first.reference)  # stored, not only on the object


@pytest.mark.django_db
def test_a_drawn_reference_already_taken_is_not_given(bookable, employer_a, monkeypatch):
    taken = book(bookable, employer_a).reference
    draws = iter([taken] * 5 + ["RV-222-222"] * 5)  # a first batch of candidates, all taken
    monkeypatch.setattr(references, "new_reference", lambda: next(draws))
    assert book(bookable, employer_a, tuesday(14)).reference == "RV-222-222"


@pytest.mark.django_db
def test_the_database_refuses_a_second_appointment_with_the_same_reference(bookable, employer_a):
    first = book(bookable, employer_a)
    second = book(bookable, employer_a, tuesday(14))
    with pytest.raises(IntegrityError), transaction.atomic():
        Appointment.objects.filter(pk=second.pk).update(reference=first.reference)


@pytest.mark.django_db
def test_the_api_shows_the_reference(bookable, employer_a, client_for):
    appointment = book(bookable, employer_a)
    body = client_for(employer_a).get(f"/api/v1/appointments/{appointment.uid}/").json()
    assert body["reference"] == appointment.reference


# --- The migration ------------------------------------------------------------------------------

BEFORE = [("appointments", "0011_contact_phone")]
AFTER = [("appointments", "0014_reference_unique")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


def historical_appointment(targets):
    """The appointment model as the schema is at `targets` (later migrations add columns that the
    current model would ask for)."""
    executor = MigrationExecutor(connection)
    return executor.loader.project_state(targets).apps.get_model("appointments", "Appointment")


@pytest.mark.django_db(transaction=True)
def test_the_migrations_give_existing_appointments_distinct_references(bookable, employer_a, employer_b):
    """Appointments made before the column existed (the previous release) get a reference each,
    batch by batch, all different; the unique index then holds."""
    book(bookable, employer_a)
    book(bookable, employer_a, tuesday(14))
    book(bookable, employer_b, tuesday(10, 30) + timedelta(days=1))
    ids = sorted(Appointment.objects.values_list("pk", flat=True))
    try:
        migrate(BEFORE)
        with connection.cursor() as cursor:
            table = connection.introspection.get_table_description(cursor, "appointments_appointment")
        assert "reference" not in [column.name for column in table]
        migrate(AFTER)
        Then = historical_appointment(AFTER)
        given = dict(Then.objects.values_list("pk", "reference"))
        assert sorted(given) == ids
        assert all(SHAPE.match(reference) for reference in given.values()), given
        assert len(set(given.values())) == len(ids)
        # Rows a running older version inserts meanwhile have none: `backfill_references` gives them.
        Then.objects.filter(pk=ids[0]).update(reference=None)
        assert references.backfill(Then, batch_size=1) == 1
        assert SHAPE.match(Then.objects.get(pk=ids[0]).reference)
        with pytest.raises(IntegrityError), transaction.atomic():
            Then.objects.filter(pk=ids[1]).update(reference=given[ids[2]])
    finally:
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
