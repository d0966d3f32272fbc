"""Two staff members move the same file at the same moment (PostgreSQL, real threads): one move
wins, the other is refused with a 409 naming what happened, and the timeline holds one entry."""

import threading
from collections import Counter

import pytest
from django.db import connection

from company_files import services
from company_files.models import FileEntry
from company_files.tests.conftest import stage
from tests.factories import AdvisorFactory

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("frozen_now"),
]


def test_two_advisers_moving_one_file_at_once_one_wins_the_other_gets_a_409(tfw, network, employer_a):
    colleague = AdvisorFactory(home_service_point=network.point_a, knows=[network.topic]).user
    file = services.open_file(
        company=employer_a.employer_profile.company, program=tfw, by=network.advisor_a.user
    )
    opened_at = file.stage_id
    targets = {
        network.advisor_a.user: stage(tfw, "documents-demandes"),
        colleague: stage(tfw, "en-analyse"),
    }
    barrier = threading.Barrier(len(targets))
    outcomes = Counter()
    statuses = []
    lock = threading.Lock()

    def move(user, target):
        try:
            barrier.wait(timeout=30)
            services.move_to_stage(file=file, to_stage=target, by=user, expected_stage_id=opened_at)
            outcome = "moved"
        except services.FileError as error:
            outcome = error.code
            with lock:
                statuses.append(error.status)
        except Exception as error:  # counted, and the assertion below shows it
            outcome = f"error: {error!r}"
        finally:
            connection.close()
        with lock:
            outcomes[outcome] += 1

    threads = [threading.Thread(target=move, args=pair) for pair in targets.items()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert outcomes == {"moved": 1, services.STAGE_CHANGED: 1}, outcomes
    assert statuses == [409]
    file.refresh_from_db()
    moves = list(file.entries.filter(kind=FileEntry.Kind.STAGE_CHANGED))
    assert len(moves) == 1 and moves[0].to_stage_id == file.stage_id
