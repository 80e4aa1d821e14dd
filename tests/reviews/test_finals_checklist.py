"""The compliance checklist before the finished-cut review: per authority, versioned, confirmed by
the producer; the platform's approval of the cut is refused with the missing items named."""

import pytest
from django.core.exceptions import ValidationError

from common.errors import PermissionDenied
from reviews.models import ChecklistConfirmation, ComplianceChecklist
from reviews.rules.finals import checklist_reasons
from reviews.services import checklists
from tests.reviews.finals_helpers import confirm_checklist
from workflow import services
from workflow.exceptions import GuardsNotMet
from workflow.models import Project

ALL_DEFAULT = (
    "cost-allocation report, cast-fee pledge, rights statement and non-infringement pledge, "
    "content self-check"
)


def approve_cut(world, project):
    return services.project_transition(
        project=project, name="approve_cut", actor=world.content_manager
    )


def refusal(world, project) -> list[str]:
    with pytest.raises(GuardsNotMet) as excinfo:
        approve_cut(world, project)
    assert Project.objects.get(pk=project.pk).state == "cut_review"
    return [r for r in excinfo.value.reasons if "compliance checklist" in r]


def test_the_default_checklist_has_the_four_items_and_exists_once(world, make_project):
    project = make_project("cut_review")
    first = checklists.applicable_checklists(project)
    again = checklists.applicable_checklists(make_project("cut_review", tier="KEY"))

    assert [i.code for i in first[0].items] == [
        "cost-allocation-report",
        "cast-fee-pledge",
        "rights-statement",
        "content-self-check",
    ]
    assert first[0].checklist == again[0].checklist
    assert ComplianceChecklist.objects.count() == 1


def test_approving_the_cut_is_refused_with_every_missing_item_named(world, make_project):
    project = make_project("cut_review")
    assert refusal(world, project) == [
        f"The compliance checklist of Shanghai bureau is missing: {ALL_DEFAULT}."
    ]


def test_only_the_items_still_missing_are_named(world, make_project):
    project = make_project("cut_review")
    confirm_checklist(project, world.producer_a, skip={"cast-fee-pledge", "content-self-check"})

    assert refusal(world, project) == [
        "The compliance checklist of Shanghai bureau is missing: cast-fee pledge, content "
        "self-check."
    ]


def test_authorities_sharing_the_default_confirm_it_once(world, make_project):
    project = make_project("cut_review", tier="KEY", homepage_promotion=True)
    assert refusal(world, project) == [
        f"The compliance checklist of Shanghai bureau, National administration is missing: "
        f"{ALL_DEFAULT}."
    ]
    confirm_checklist(project, world.producer_a)
    assert approve_cut(world, project).state == "final_review"


def test_an_authority_with_its_own_checklist_gets_its_own_items(world, make_project):
    checklists.compliance_checklist_publish(
        authority=world.nrta,
        actor=world.national_reviewer,
        items=[
            {"code": "joint-review-form", "label": "Joint review form"},
            {"code": "content-self-check", "label": "Content self-check"},
        ],
    )
    project = make_project("cut_review", tier="KEY", special_subject=True)
    confirm_checklist(project, world.producer_a, skip={"joint-review-form"})

    assert refusal(world, project) == [
        "The compliance checklist of National administration is missing: joint review form."
    ]


def test_a_new_version_needs_its_items_confirmed_again(world, make_project):
    v1 = checklists.compliance_checklist_publish(
        authority=world.shanghai,
        actor=world.shanghai_reviewer,
        items=[{"code": "self-check", "label": "Self-check"}],
    )
    project = make_project("cut_review")
    confirm_checklist(project, world.producer_a)
    assert checklist_reasons(project) == []

    v2 = checklists.compliance_checklist_publish(
        authority=world.shanghai,
        actor=world.shanghai_reviewer,
        items=[
            {"code": "self-check", "label": "Self-check"},
            {"code": "music-licences", "label": "Music licences"},
        ],
    )

    v1.refresh_from_db()
    assert (v1.is_active, v2.is_active, v2.version) == (False, True, 2)
    assert refusal(world, project) == [
        "The compliance checklist of Shanghai bureau is missing: self-check, music licences."
    ]
    confirm_checklist(project, world.producer_a)
    assert approve_cut(world, project).state == "final_review"


def test_publishing_is_for_the_authority_and_checks_the_items(world):
    with pytest.raises(PermissionDenied):
        checklists.compliance_checklist_publish(
            authority=world.shanghai,
            actor=world.zhejiang_reviewer,
            items=[{"code": "x", "label": "X"}],
        )
    with pytest.raises(ValidationError) as excinfo:
        checklists.compliance_checklist_publish(
            authority=world.shanghai,
            actor=world.shanghai_reviewer,
            items=[{"code": "same", "label": "A"}, {"code": "same", "label": "B"}],
        )
    assert "items.1.code" in excinfo.value.message_dict
    assert not ComplianceChecklist.objects.filter(authority=world.shanghai).exists()


# Confirming ---------------------------------------------------------------------------------


def _item(project, code="cast-fee-pledge"):
    entry = checklists.applicable_checklists(project)[0]
    return next(i for i in entry.items if i.code == code)


def test_the_producer_confirms_with_a_reference_and_may_update_it(world, make_project):
    project = make_project("in_production")
    item = _item(project)

    first = checklists.checklist_item_confirm(
        project=project, item=item, actor=world.producer_a, reference="oss://pledges/1.pdf"
    )
    again = checklists.checklist_item_confirm(
        project=project, item=item, actor=world.producer_a, reference="oss://pledges/2.pdf"
    )

    assert first.pk == again.pk
    assert ChecklistConfirmation.objects.get().reference == "oss://pledges/2.pdf"


@pytest.mark.parametrize("user", ["content_manager", "producer_b", "shanghai_reviewer", "admin_a"])
def test_only_a_producer_of_the_company_confirms(world, make_project, user):
    project = make_project("in_production")
    with pytest.raises(PermissionDenied):
        checklists.checklist_item_confirm(
            project=project, item=_item(project), actor=getattr(world, user)
        )
    assert not ChecklistConfirmation.objects.exists()


@pytest.mark.parametrize("state", ["submitted", "final_review", "cleared", "rejected"])
def test_the_checklist_is_locked_outside_its_states(world, make_project, state):
    project = make_project(state)
    with pytest.raises(checklists.ChecklistLocked) as excinfo:
        checklists.checklist_item_confirm(
            project=project, item=_item(project), actor=world.producer_a
        )
    assert excinfo.value.status_code == 409
    assert not ChecklistConfirmation.objects.exists()


def test_an_item_of_another_authoritys_checklist_is_refused(world, make_project):
    checklists.compliance_checklist_publish(
        authority=world.zhejiang,
        actor=world.zhejiang_reviewer,
        items=[{"code": "zj-form", "label": "Zhejiang form"}],
    )
    zhejiang_item = checklists.applicable_checklists(
        make_project("in_production", producer=world.studio_b)
    )[0].items[0]
    project = make_project("in_production")

    with pytest.raises(ValidationError) as excinfo:
        checklists.checklist_item_confirm(
            project=project, item=zhejiang_item, actor=world.producer_a
        )

    assert "item" in excinfo.value.message_dict
    assert not ChecklistConfirmation.objects.exists()


def test_unconfirming_brings_the_refusal_back(world, make_project):
    project = make_project("cut_review")
    confirm_checklist(project, world.producer_a)
    confirmation = ChecklistConfirmation.objects.get(item__code="rights-statement")

    checklists.checklist_item_unconfirm(confirmation=confirmation, actor=world.producer_a)

    assert refusal(world, project) == [
        "The compliance checklist of Shanghai bureau is missing: rights statement and "
        "non-infringement pledge."
    ]
