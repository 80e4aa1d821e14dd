"""A clearance number recorded twice at once: one wins, the other is refused (PostgreSQL)."""

import pytest
from django.core.exceptions import ValidationError

from reviews.models import Clearance
from reviews.services import clearances as services
from tests.concurrency import race

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 20


def test_a_clearance_number_recorded_twice_at_once_is_refused_not_crashed(world, make_project):
    projects = iter([make_project("submitted") for _ in range(THREADS)])

    def record():
        return services.clearance_record(
            project=next(projects),
            kind=Clearance.Kind.PLANNING_FILING,
            number="SH-2025-001",
            issued_by=world.shanghai,
            actor=world.shanghai_reviewer,
        )

    results = race(record, threads=THREADS)

    refused = [r for r in results if isinstance(r, Exception)]
    assert len(refused) == THREADS - 1
    assert all(
        isinstance(r, ValidationError) and list(r.message_dict) == ["number"] for r in refused
    ), refused
    assert Clearance.objects.count() == 1
