"""A clearance expires at most ten years after it is issued; one that does not expire has no
date (9999-12-31 is not "forever")."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from reviews.models import Clearance
from reviews.services.clearances import clearance_record, latest_expiry
from tests.reviews.finals_helpers import registration, step_at, to_final_review
from tests.reviews.test_clearances_register import post
from workflow.models import Project

LEAP_DAY = datetime(2024, 2, 29, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def test_an_expiry_in_9999_is_refused_and_nothing_recorded(world, api, make_project):
    project = make_project("taken_down")
    today = timezone.localdate()

    response = post(api(world.shanghai_reviewer), project, expires_on="9999-12-31")

    assert response.status_code == 400, response.json()
    assert response.json()["fields"] == {
        "expires_on": [
            "A clearance expires at most 10 years after it is issued, by "
            f"{latest_expiry(today).isoformat()}; leave the date blank if it does not expire."
        ]
    }
    assert not Clearance.objects.exists()


def test_the_last_day_of_the_horizon_is_accepted(world, api, make_project):
    project = make_project("taken_down")
    last = latest_expiry(timezone.localdate()).isoformat()

    response = post(api(world.shanghai_reviewer), project, expires_on=last)

    assert response.status_code == 201, response.json()
    assert Clearance.objects.get().expires_on.isoformat() == last


def test_no_expiry_is_still_accepted(world, api, make_project):
    response = post(api(world.shanghai_reviewer), make_project("taken_down"))

    assert response.status_code == 201, response.json()
    assert Clearance.objects.get().expires_on is None


@pytest.mark.parametrize(
    ("expires_on", "accepted"), [(date(2034, 2, 28), True), (date(2034, 3, 1), False)]
)
def test_the_horizon_counts_from_the_day_of_issue(world, make_project, expires_on, accepted):
    record = {
        "project": make_project("submitted"),
        "kind": Clearance.Kind.PLANNING_FILING,
        "number": "沪网剧备字（2024）第001号",
        "issued_by": world.shanghai,
        "actor": world.shanghai_reviewer,
        "issued_at": LEAP_DAY,
        "expires_on": expires_on,
    }

    if accepted:
        assert clearance_record(**record).expires_on == expires_on
    else:
        with pytest.raises(ValidationError) as excinfo:
            clearance_record(**record)
        assert list(excinfo.value.message_dict) == ["expires_on"]
        assert "by 2034-02-28" in excinfo.value.message_dict["expires_on"][0]
        assert not Clearance.objects.exists()


def test_a_finished_cut_approval_with_an_expiry_in_9999_is_refused(world, make_project, api):
    project = to_final_review(world, make_project)
    review = step_at(project, world.shanghai)
    body = {"outcome": "approve", "clearance_number": registration(), "expires_on": "9999-12-31"}

    response = api(world.shanghai_reviewer).post(
        f"/api/v1/final-reviews/{review.pk}/decide/", body, format="json"
    )

    assert response.status_code == 400, response.json()
    assert list(response.json()["fields"]) == ["expires_on"]
    review.refresh_from_db()
    assert review.status == "pending"
    assert Project.objects.get(pk=project.pk).state == "final_review"
    assert not Clearance.objects.exists()
