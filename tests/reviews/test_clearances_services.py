"""Recording a clearance number: by the issuing organisation, once per number."""

import pytest
from django.core.exceptions import ValidationError

from common.errors import PermissionDenied
from reviews.models import Clearance
from reviews.services import clearances as services

# Clearance numbers (recorded by the review services when an authority approves)


def test_a_clearance_is_recorded_by_the_issuing_organisation(world, make_project):
    project = make_project("submitted")
    record = {
        "project": project,
        "kind": Clearance.Kind.PLANNING_FILING,
        "number": " 沪网剧备字（2025）第001号 ",
        "issued_by": world.shanghai,
    }

    clearance = services.clearance_record(actor=world.shanghai_reviewer, **record)

    assert clearance.number == "沪网剧备字（2025）第001号"
    assert clearance.recorded_by == world.shanghai_reviewer
    with pytest.raises(PermissionDenied):
        services.clearance_record(actor=world.zhejiang_reviewer, **record)
    with pytest.raises(ValidationError):  # the bureau issued this number already
        services.clearance_record(actor=world.shanghai_reviewer, **record)
    with pytest.raises(ValidationError):
        services.clearance_record(actor=world.shanghai_reviewer, **{**record, "number": "  "})
    assert Clearance.objects.count() == 1


def test_a_reused_clearance_number_is_refused_on_the_number_field(world, make_project):
    record = {
        "kind": Clearance.Kind.PLANNING_FILING,
        "number": "SH-2025-001",
        "issued_by": world.shanghai,
        "actor": world.shanghai_reviewer,
    }
    services.clearance_record(project=make_project("submitted"), **record)

    with pytest.raises(ValidationError) as excinfo:
        services.clearance_record(project=make_project("submitted"), **record)

    assert excinfo.value.message_dict == {
        "number": ["Shanghai bureau has already issued the planning filing number SH-2025-001."]
    }
