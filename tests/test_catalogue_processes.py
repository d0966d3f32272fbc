"""Two processes keep their own copy of the slot search's catalogue (appointments.catalogue): a
change committed by one is seen by the other's next search, with no delay and no message between
them — the catalogue generation, bumped by database triggers, travels with the search's query."""

import json
import subprocess
import sys

import pytest
from django.db import connection

from tests.booking_helpers import open_weekdays
from tests.processes import ROOT, app_env, database_url

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

# A process of this project that answers commands on stdin, one JSON line each.
SCRIPT = """
import json, sys
import django
django.setup()
from advisors.models import Advisor, WeeklyAvailability
from appointments.models import Mode, Topic
from appointments.selectors import available_slots
from service_points.models import Municipality

topic = Topic.objects.get(pk=int(sys.argv[1]))
place = Municipality.objects.get(pk=int(sys.argv[2]))
for line in sys.stdin:
    command, _, arg = line.strip().partition(" ")
    if command == "search":
        found = available_slots(topic=topic, mode=Mode.SERVICE_POINT, location=place)
        answer = [[g.option.advisor_id, str(g.advisor), sum(len(s) for _, s in g.days)] for g in found.groups]
    elif command == "close":  # the adviser takes no appointment any more (a bulk update)
        answer = Advisor.objects.filter(pk=int(arg)).update(is_active=False)
    elif command == "hours":  # the adviser's weekly hours taken away
        answer = WeeklyAvailability.objects.filter(advisor_id=int(arg)).delete()[0]
    print(json.dumps(answer), flush=True)
"""


class Process:
    def __init__(self, url: str, topic_id: int, municipality_id: int):
        self.process = subprocess.Popen(
            [sys.executable, "-c", SCRIPT, str(topic_id), str(municipality_id)],
            cwd=ROOT,
            env=app_env(DATABASE_URL=url),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def ask(self, command: str):
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        assert line, f"the process died on {command!r}"
        return json.loads(line)

    def stop(self) -> None:
        self.process.stdin.close()
        self.process.wait(timeout=20)


@pytest.fixture
def two_processes(network):
    open_weekdays(network.advisor_a)
    open_weekdays(network.advisor_b)
    url = database_url(connection.settings_dict)
    processes = [Process(url, network.topic.pk, network.municipality_a.pk) for _ in range(2)]
    yield processes
    for process in processes:
        process.stop()


def advisers(answer) -> list[int]:
    return [advisor_id for advisor_id, _name, _slots in answer]


def test_a_change_in_one_process_is_seen_by_the_others_next_search(network, two_processes):
    one, other = two_processes
    a, b = network.advisor_a.pk, network.advisor_b.pk
    assert advisers(one.ask("search")) == advisers(other.ask("search")) == [a, b]
    assert advisers(other.ask("search")) == [a, b]  # from its copy now

    assert one.ask(f"hours {a}") == 10
    assert advisers(other.ask("search")) == [b]
    assert one.ask(f"close {b}") == 1
    assert other.ask("search") == []
    assert one.ask("search") == []


def test_a_change_made_by_anyone_else_is_seen_too(network, two_processes):
    """The admin, a migration or a psql session: here, the test's own connection."""
    from advisors.models import Advisor

    one, _ = two_processes
    assert advisers(one.ask("search")) == [network.advisor_a.pk, network.advisor_b.pk]
    user = network.advisor_b.user
    user.first_name, user.last_name = "Odile", "Renommée"
    user.save()
    assert one.ask("search")[1][1] == "Odile Renommée"
    Advisor.objects.filter(pk=network.advisor_a.pk).update(is_active=False)
    assert advisers(one.ask("search")) == [network.advisor_b.pk]
