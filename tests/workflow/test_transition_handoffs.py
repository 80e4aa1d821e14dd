"""A transition tells the other side, and the party whose move comes next when that is someone
else: the bureau that files a submitted plan or reviews the finished cut (the platform itself
for an OTHER title), the content managers of a cleared title. Never another organisation."""

import pytest

from workflow.models import Notification, ProjectTransition
from workflow.tasks import notify_project_transition


def told(world, project, *, name, source, target, actor, organisation) -> set[str]:
    entry = ProjectTransition.objects.create(
        project=project,
        name=name,
        source_state=source,
        target_state=target,
        actor=actor,
        organisation=organisation,
        review_round=1,
    )
    notify_project_transition(entry.pk)
    return set(
        Notification.objects.filter(source=f"transition:{entry.pk}").values_list(
            "recipient__username", flat=True
        )
    )


@pytest.mark.parametrize(
    ("tier", "expected"),
    [
        ("ORDINARY", {"producer_a", "reviewer_sh"}),  # the provincial bureau reviews the cut
        ("KEY", {"producer_a", "reviewer_sh"}),  # the bureau first; the national step after it
        ("OTHER", {"producer_a", "cm_p"}),  # the platform reviews the content itself
    ],
)
def test_an_approved_cut_tells_the_finished_cut_authority(world, make_project, tier, expected):
    project = make_project("final_review", tier=tier)

    recipients = told(
        world,
        project,
        name="approve_cut",
        source="cut_review",
        target="final_review",
        actor=world.content_manager,
        organisation=world.platform,
    )

    assert recipients == expected


def test_a_cleared_title_tells_the_content_managers_who_release_it(world, make_project):
    project = make_project("cleared")

    recipients = told(
        world,
        project,
        name="clear",
        source="final_review",
        target="cleared",
        actor=world.shanghai_reviewer,
        organisation=world.shanghai,
    )

    assert recipients == {"producer_a", "cm_p"}  # not cm_q, not another bureau
    body = Notification.objects.get(recipient=world.content_manager).body
    assert body.endswith("Next: Confirm the credits, then schedule or release the title.")


def test_a_resubmitted_finished_cut_tells_the_bureau_too(world, make_project):
    project = make_project("final_review", producer=world.studio_b)

    recipients = told(
        world,
        project,
        name="resubmit_final",
        source="final_changes",
        target="final_review",
        actor=world.producer_b,
        organisation=world.studio_b,
    )

    assert recipients == {"cm_p", "reviewer_zj"}  # Zhejiang's bureau, not Shanghai's


def test_an_other_title_submitted_tells_no_regulator(world, make_project):
    project = make_project("submitted", tier="OTHER")

    recipients = told(
        world,
        project,
        name="submit",
        source="draft",
        target="submitted",
        actor=world.producer_a,
        organisation=world.studio_a,
    )

    assert recipients == {"cm_p"}
