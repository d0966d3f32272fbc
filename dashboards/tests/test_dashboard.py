"""The regional manager's dashboard: every figure checked against the same figure computed here,
from the hand-made rows below, with plain Python; who may see what; constant query count."""

import statistics
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from advisors.models import WeeklyAvailability
from appointments.models import Appointment, Mode
from consultations.models import ConsultationRequest
from core.business_hours import is_holiday
from tests import factories
from tests.clients import signed_in

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]

TZ = ZoneInfo("America/Toronto")
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=TZ)
START, END = datetime(2026, 10, 26, tzinfo=TZ), datetime(2026, 12, 22, tzinfo=TZ)  # the default period
S = Appointment.Status
R = ConsultationRequest.Status


def utc(moment):
    return moment.astimezone(UTC)  # aware datetimes of one zone subtract as wall-clock times


def at(month, day, hour=9):
    return datetime(2026, month, day, hour, 0, tzinfo=TZ)


@pytest.fixture
def data(network):
    """Two advisers of the Mauricie directorate (a, a2), one of Montréal (b); two companies."""
    topic2 = factories.TopicFactory(code="permanent-immigration", name_fr="Immigration permanente")
    a, b = network.advisor_a, network.advisor_b
    a2 = factories.AdvisorFactory(home_service_point=network.point_a, knows=[network.topic, topic2])
    for weekday in range(5):  # a: 9:00–12:00 on weekdays; a2 offers nothing (utilisation unknown)
        WeeklyAvailability.objects.create(
            advisor=a, weekday=weekday, start_time="09:00", end_time="12:00", service_point=network.point_a
        )
    c1 = factories.CompanyFactory(municipality=network.municipality_a)
    c2 = factories.CompanyFactory(municipality=network.municipality_b)
    t1, pa = network.topic, network.point_a
    specs = [  # adviser, company, topic, mode, point, status, start, booked at
        (a, c1, t1, Mode.SERVICE_POINT, pa, S.COMPLETED, at(11, 2), at(10, 26)),
        (a, c1, t1, Mode.PHONE, None, S.NO_SHOW, at(11, 9, 10), at(11, 5, 10)),
        (a2, c2, topic2, Mode.SERVICE_POINT, pa, S.CANCELLED, at(11, 16, 13), at(11, 13, 13)),
        (a2, c1, t1, Mode.SERVICE_POINT, pa, S.CONFIRMED, at(11, 25), at(11, 20)),
        (a2, c1, t1, Mode.SERVICE_POINT, pa, S.CONFIRMED, at(11, 26, 13), at(11, 19, 13)),
        (a, c2, topic2, Mode.VIDEO, None, S.CONFIRMED, at(12, 1, 14), at(11, 22, 14)),
        (a, c1, t1, Mode.SERVICE_POINT, pa, S.COMPLETED, at(9, 1), at(8, 20)),  # before the period
        (b, c1, t1, Mode.SERVICE_POINT, network.point_b, S.COMPLETED, at(11, 3), at(11, 1)),  # Montréal's
    ]
    appointments = []
    for advisor, company, topic, mode, point, status, start, booked in specs:
        appointment = Appointment.objects.create(
            advisor=advisor,
            topic=topic,
            mode=mode,
            service_point=point,
            company=company,
            municipality=company.municipality,
            starts_at=start,
            ends_at=start + timedelta(hours=1),
            status=status,
        )
        Appointment.objects.filter(pk=appointment.pk).update(created_at=booked)
        appointments.append(appointment)
    requests = [  # status, topic, mode, municipality, holder, sent, due, appointment
        (R.BOOKED, t1, Mode.PHONE, network.municipality_a, a, at(10, 30, 10), None, appointments[1]),
        (R.ASSIGNED, topic2, Mode.PHONE, network.municipality_a, a2, at(11, 18), at(11, 20), None),
        (R.ASSIGNED, t1, Mode.SERVICE_POINT, network.municipality_a, a, at(11, 22), at(11, 25), None),
        (R.MANAGER, t1, Mode.VIDEO, network.municipality_a, None, at(11, 10), None, None),
        (R.ASSIGNED, t1, Mode.VIDEO, network.municipality_b, b, at(11, 12), at(11, 13), None),  # Montréal's
    ]
    for status, topic, mode, municipality, holder, sent, due, appointment in requests:
        request = ConsultationRequest.objects.create(
            company=c1,
            topic=topic,
            mode=mode,
            municipality=municipality,
            status=status,
            assigned_advisor=holder,
            due_at=due,
            appointment=appointment,
            hops=1,
        )
        ConsultationRequest.objects.filter(pk=request.pk).update(created_at=sent)
    return {"network": network, "a": a, "a2": a2, "topic2": topic2, "specs": specs, "requests": requests}


def dashboard(client, network, **params):
    return client.get(reverse("midi_regions:dashboard", kwargs={"code": network.directorate_a.code}), params)


def expected(data, keep=lambda spec: True, keep_request=lambda req: True):
    """The figures, computed from the specs with plain Python."""
    mine = {data["a"].pk, data["a2"].pk}
    rows = [s for s in data["specs"] if s[0].pk in mine and START <= s[6] < END and keep(s)]
    active = (S.CONFIRMED, S.COMPLETED, S.NO_SHOW)
    sent = [r for r in data["requests"] if r[3].region.directorate_id == data["network"].directorate_a.pk]
    sent = [r for r in sent if START <= r[5] < END and keep_request(r)]
    open_now = [r for r in data["requests"] if r[0] in (R.ASSIGNED, R.PROPOSED, R.MANAGER)]
    open_now = [r for r in open_now if r[3].region.directorate_id == data["network"].directorate_a.pk]
    open_now = [r for r in open_now if keep_request(r)]
    return {
        "total": len(rows),
        "held": sum(s[5] == S.COMPLETED for s in rows),
        "cancelled": sum(s[5] == S.CANCELLED for s in rows),
        "no_show": sum(s[5] == S.NO_SHOW for s in rows),
        "upcoming": sum(s[5] == S.CONFIRMED for s in rows),
        "sent": len(sent),
        "open": len(open_now),
        "overdue": sum(r[0] == R.ASSIGNED and r[6] < NOW for r in open_now),
        "served": len({s[1].pk for s in rows if s[5] in active}),
        "lead": statistics.median(leads)
        if (leads := [utc(s[6]) - utc(s[7]) for s in rows if s[4]])
        else None,
        "booked_hours": {
            adviser: sum(1 for s in rows if s[0].pk == adviser and s[5] in active) for adviser in mine
        },
    }


def test_the_figures_match_a_count_by_hand(client_for, manager, data):
    response = dashboard(signed_in(manager), data["network"])
    assert response.status_code == 200
    figures = response.context["figures"]
    want = expected(data)
    assert want["total"] == 6  # the hand-made set is what this test thinks it is
    assert figures["appointments"] == {
        k: want[k] for k in ("total", "held", "cancelled", "no_show", "upcoming")
    }
    assert figures["requests"]["sent"] == want["sent"] == 4
    assert figures["requests"]["open"] == want["open"] == 3
    assert figures["requests"]["overdue"] == want["overdue"] == 1
    # Request → appointment: only the booked one, sent 30 Oct 10:00, held 9 Nov 10:00 (DST ended
    # on 1 Nov in between: 10 days and one hour of clock time).
    assert figures["requests"]["median_to_appointment"] == timedelta(days=10, hours=1)
    assert figures["served_total"] == want["served"] == 2
    ((point, median),) = figures["lead_times"]
    assert point == data["network"].point_a and median == want["lead"]

    rows = {row.advisor.pk: row for row in figures["advisors"]}
    a, a2 = rows[data["a"].pk], rows[data["a2"].pk]
    assert a.booked_hours == want["booked_hours"][data["a"].pk] == 3
    assert a2.booked_hours == want["booked_hours"][data["a2"].pk] == 2
    weekdays = sum(
        1
        for n in range((END - START).days)
        if (day := (START + timedelta(days=n)).date()).weekday() < 5 and not is_holiday(day)
    )
    assert a.available_hours == 3 * weekdays and a2.available_hours == 0
    assert a.utilisation == pytest.approx(3 / (3 * weekdays)) and a2.utilisation is None
    # Load = upcoming + open requests: a2 has 2 + 1, a has 1 + 1.
    assert (a2.load, a.load) == (3, 2)
    assert a2.busiest and a.idlest and not a.busiest

    topics = {topic.pk: (appointments, requests) for topic, appointments, requests in figures["topics"]}
    assert topics == {data["network"].topic.pk: (4, 3), data["topic2"].pk: (2, 1)}
    modes = {str(label): (appointments, requests) for label, appointments, requests in figures["modes"]}
    assert modes == {
        str(Mode.SERVICE_POINT.label): (4, 1),
        str(Mode.PHONE.label): (1, 2),
        str(Mode.VIDEO.label): (1, 1),
    }
    weeks = {w["week"]: w for w in figures["weeks"]}
    assert weeks[at(11, 2).date()]["held"] == 1 and weeks[at(11, 23).date()]["booked"] == 2
    assert sum(w["booked"] for w in figures["weeks"]) == want["total"]


@pytest.mark.parametrize(
    "param, keep, keep_request",
    [
        ("service_point", lambda s: s[4] is not None, lambda r: False),
        (
            "topic2",
            lambda s: s[2].code == "permanent-immigration",
            lambda r: r[1].code == "permanent-immigration",
        ),
        ("phone", lambda s: s[3] == Mode.PHONE, lambda r: r[2] == Mode.PHONE),
    ],
)
def test_every_figure_follows_the_filters(manager, data, param, keep, keep_request):
    network = data["network"]
    params = {
        "service_point": {"service_point": network.point_a.pk},
        "topic2": {"topic": data["topic2"].pk},
        "phone": {"mode": Mode.PHONE},
    }[param]
    response = dashboard(signed_in(manager), network, **params)
    figures = response.context["figures"]
    want = expected(data, keep, keep_request)
    assert figures["appointments"]["total"] == want["total"] > 0
    assert figures["appointments"]["upcoming"] == want["upcoming"]
    if param != "service_point":  # requests have no service point of their own until booked
        assert figures["requests"]["sent"] == want["sent"]
        assert figures["requests"]["open"] == want["open"]
    # The export links keep the filters.
    assert f"{next(iter(params))}=" in response.context["query"]


def test_the_adviser_filter_narrows_appointments_requests_and_the_table(manager, data):
    figures = dashboard(signed_in(manager), data["network"], advisor=data["a2"].pk).context["figures"]
    want = expected(
        data, lambda s: s[0].pk == data["a2"].pk, lambda r: r[4] is not None and r[4].pk == data["a2"].pk
    )
    assert figures["appointments"]["total"] == want["total"] == 3
    assert figures["requests"]["open"] == want["open"] == 1
    assert [row.advisor.pk for row in figures["advisors"]] == [data["a2"].pk]


def test_the_region_filter_is_the_employer_region(manager, data):
    network = data["network"]
    figures = dashboard(signed_in(manager), network, region=network.region_a.pk).context["figures"]
    want = expected(data, lambda s: s[1].municipality_id == network.municipality_a.pk)
    assert figures["appointments"]["total"] == want["total"] == 4


def test_bad_filters_are_a_400_with_the_reason(manager, data):
    network = data["network"]
    client = signed_in(manager)
    backwards = dashboard(client, network, start="2026-12-01", end="2026-11-01")
    assert backwards.status_code == 400
    # Another directorate's point or region is not a choice here.
    assert dashboard(client, network, service_point=network.point_b.pk).status_code == 400
    assert dashboard(client, network, region=network.region_b.pk).status_code == 400
    assert dashboard(client, network, start="hier").status_code == 400
    assert dashboard(client, network, start="2020-01-01", end="2026-01-01").status_code == 400


def test_who_may_see_which_dashboard(data, manager, other_manager, advisor, employer_a, administrator):
    network = data["network"]
    mine = reverse("midi_regions:dashboard", kwargs={"code": network.directorate_a.code})
    national = reverse("midi_regions:national")
    assert signed_in(manager).get(mine).status_code == 200
    assert signed_in(manager).get(national).status_code == 404
    assert signed_in(other_manager).get(mine).status_code == 404
    assert signed_in(other_manager).get(mine, {"advisor": data["a"].pk}).status_code == 404
    assert signed_in(advisor).get(mine).status_code == 403
    assert signed_in(employer_a).get(mine).status_code == 403
    assert Client().get(mine).status_code == 302
    assert signed_in(administrator).get(mine).status_code == 200
    side_by_side = signed_in(administrator).get(national).context["side_by_side"]
    assert {row["directorate"].code: row["total"] for row in side_by_side} == {"mauricie": 6, "montreal": 1}


def test_the_query_count_does_not_grow_with_the_data(manager, data):
    network = data["network"]
    client = signed_in(manager)
    dashboard(client, network)  # the session and the user are loaded and cached
    with CaptureQueriesContext(connection) as few:
        dashboard(client, network, topic=network.topic.pk)
    for n in range(30):
        start = at(11, 3 + n % 20, 9 + n % 3)
        Appointment.objects.create(
            advisor=data["a2"],
            topic=network.topic,
            mode=Mode.SERVICE_POINT,
            service_point=network.point_a,
            company=factories.CompanyFactory(municipality=network.municipality_a),
            municipality=network.municipality_a,
            starts_at=start + timedelta(minutes=n),
            ends_at=start + timedelta(minutes=n + 1),
            status=S.COMPLETED,
        )
    with CaptureQueriesContext(connection) as many:
        dashboard(client, network, topic=network.topic.pk)
    assert len(few) == len(many) <= 17  # 15, the broken calendar syncs (calendar_sync), the verdict


def test_the_national_page_stays_within_the_same_budget(administrator, data):
    client = signed_in(administrator)
    client.get(reverse("midi_regions:national"))
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("midi_regions:national"), {"mode": Mode.SERVICE_POINT})
    assert response.status_code == 200 and len(queries) <= 16
