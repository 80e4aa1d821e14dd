"""Shared fixtures for the audience tests (episodes, signals, feedback, quiet mode, revisions).

Built on ``world`` and ``make_project`` from tests/conftest.py. Names are stable: other test
modules rely on them.

- ``audience_project``: a released ORDINARY project of Studio A, commissioned by Platform P
  (80 planned episodes, 90 s, 10 free). The users below are also attributes of it
  (``audience_project.producer_user`` ...), for tests that only take the project.
- ``producer_user`` (producer at Studio A), ``producer_admin`` (org admin at Studio A),
  ``platform_cm`` (content manager at Platform P), ``other_platform_cm`` (content manager at
  Platform Q, not commissioning), ``rater_user`` (rater at Platform P), ``regulator_user``
  (Shanghai bureau reviewer), ``other_producer_user`` (producer at Studio B).
- ``release_batches``: batches 1 and 2 of ``audience_project``, released a week apart
  (``BATCH_1_RELEASED_AT``, ``BATCH_2_RELEASED_AT``: fixed instants, no wall clock).
- ``episodes``: episodes 1-20 of ``audience_project`` (1-10 in batch 1 and free, 11-20 in
  batch 2 and paid), ordered by number.
"""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from audience.models import Episode, ReleaseBatch

SHANGHAI = ZoneInfo("Asia/Shanghai")
BATCH_1_RELEASED_AT = datetime(2026, 3, 2, 20, 0, tzinfo=SHANGHAI)
BATCH_2_RELEASED_AT = BATCH_1_RELEASED_AT + timedelta(days=7)


@pytest.fixture
def producer_user(world):
    return world.producer_a


@pytest.fixture
def producer_admin(world):
    return world.admin_a


@pytest.fixture
def platform_cm(world):
    return world.content_manager


@pytest.fixture
def other_platform_cm(world):
    return world.other_content_manager


@pytest.fixture
def rater_user(world):
    return world.rater


@pytest.fixture
def regulator_user(world):
    return world.shanghai_reviewer


@pytest.fixture
def other_producer_user(world):
    return world.producer_b


@pytest.fixture
def audience_project(
    world,
    make_project,
    producer_user,
    producer_admin,
    platform_cm,
    other_platform_cm,
    rater_user,
    regulator_user,
    other_producer_user,
):
    project = make_project(
        "released",
        tier="ORDINARY",
        title="Flash Marriage",
        episode_count=80,
        episode_length_seconds=90,
        free_episodes=10,
    )
    project.producer_user = producer_user
    project.producer_admin = producer_admin
    project.platform_cm = platform_cm
    project.other_platform_cm = other_platform_cm
    project.rater_user = rater_user
    project.regulator_user = regulator_user
    project.other_producer_user = other_producer_user
    return project


@pytest.fixture
def release_batches(audience_project):
    return [
        ReleaseBatch.objects.create(
            project=audience_project, number=1, released_at=BATCH_1_RELEASED_AT
        ),
        ReleaseBatch.objects.create(
            project=audience_project, number=2, released_at=BATCH_2_RELEASED_AT
        ),
    ]


@pytest.fixture
def episodes(audience_project, release_batches):
    first, second = release_batches
    Episode.objects.bulk_create(
        Episode(
            project=audience_project,
            number=number,
            title=f"Episode {number}",
            duration_seconds=90,
            access=Episode.Access.FREE if number <= 10 else Episode.Access.PAID,
            batch=first if number <= 10 else second,
        )
        for number in range(1, 21)
    )
    return list(
        Episode.objects.filter(project=audience_project).select_related("batch").order_by("number")
    )
