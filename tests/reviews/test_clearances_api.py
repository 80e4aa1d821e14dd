"""The clearance register's API: scoped to the projects the caller sees, lists at a constant cost."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from reviews.models import Clearance

CLEARANCES = "/api/v1/clearances/"


def make_clearance(world, project, number):
    return Clearance.objects.create(
        project=project,
        kind=Clearance.Kind.PLANNING_FILING,
        number=number,
        issued_by=world.shanghai,
        issued_at=timezone.now(),
        recorded_by=world.shanghai_reviewer,
    )


def test_clearances_are_scoped_to_visible_projects(world, make_project, api):
    own = make_clearance(world, make_project("greenlit"), "沪网剧备字（2025）第001号")
    other = make_clearance(
        world, make_project("greenlit", producer=world.studio_b), "浙网剧备字（2025）第002号"
    )

    mine = api(world.producer_a).get(CLEARANCES).json()["results"]
    assert [row["number"] for row in mine] == [own.number]
    assert mine[0]["issued_by"]["name"] == "Shanghai bureau"
    assert api(world.producer_a).get(f"{CLEARANCES}{other.pk}/").status_code == 404
    assert api(world.producer_a).get(CLEARANCES, {"project": own.project_id}).json()["count"] == 1
    record = {"project": own.project_id, "kind": "online_registration", "number": "x"}
    assert api(world.producer_a).post(CLEARANCES, record, format="json").status_code == 403


# Query counts: the same for 5 and 50 rows


def count_queries(client, url, params=None):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return len(captured), response.json()


@pytest.mark.parametrize("user", ["producer_a", "content_manager"])
def test_list_queries_do_not_grow_with_the_page(
    world, make_project, api, django_assert_num_queries, user
):
    # Every row in both users' scope, next to rows in neither (another company on another
    # platform), so that the scoping filters are part of what is counted.
    def add(count):
        for _n in range(count):
            project = make_project("submitted")
            hidden = make_project(
                "submitted", producer=world.studio_b, platform=world.other_platform
            )
            make_clearance(world, project, f"No. {project.pk}")
            make_clearance(world, hidden, f"No. {hidden.pk}")

    client = api(getattr(world, user))
    add(5)
    client.get(CLEARANCES)  # warm: memberships are read once per user
    at_five, body = count_queries(client, CLEARANCES)
    assert len(body["results"]) >= 5
    add(45)

    with django_assert_num_queries(at_five):
        response = client.get(CLEARANCES, {"page_size": 200})
    assert len(response.json()["results"]) >= 50
    assert at_five <= 3
