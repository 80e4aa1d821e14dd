"""Feedback items answered before the status log get their answer from the fields that held it
(marked reconstructed), and lose it on the way back."""

from datetime import UTC, datetime

import pytest

from tests.migration_states import latest, migrate

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

BEFORE = [("reviews", "0007_reconstruct_status_history")]
AFTER = [("reviews", "0008_reconstruct_feedback_history")]
AT = datetime(2026, 5, 3, 9, 0, tzinfo=UTC)


def fill(apps):
    User = apps.get_model("auth", "User")
    Organisation = apps.get_model("workflow", "Organisation")
    Project = apps.get_model("workflow", "Project")
    FeedbackItem = apps.get_model("reviews", "FeedbackItem")
    studio = Organisation.objects.create(name="Studio", kind="producer", province="shanghai")
    platform = Organisation.objects.create(name="Platform", kind="platform")
    producer, cm = (User.objects.create(username=n) for n in ("producer", "cm"))
    project = Project.objects.create(
        title="Drama", producer=studio, platform=platform, state="revising", review_round=1
    )
    item = {"project": project, "stage": "evaluation", "round": 1, "created_by": cm}
    item |= {"category": "content", "severity": "must_fix"}
    FeedbackItem.objects.create(
        **item,
        text="Move the reveal.",
        status="declined",
        response="The reveal is the hook.",
        resolved_by=producer,
        resolved_at=AT,
    )
    FeedbackItem.objects.create(**item, text="Blur the logo.")
    return project.pk


def test_answers_are_reconstructed_and_forgotten_back():
    project_id = fill(migrate(BEFORE))

    apps = migrate(AFTER)
    StatusChange = apps.get_model("workflow", "StatusChange")
    log = [
        (c.from_status, c.to_status, c.actor.username, c.organisation.name, c.reason, c.created_at)
        for c in StatusChange.objects.filter(project_id=project_id)
    ]
    assert log == [("open", "declined", "producer", "Studio", "The reveal is the hook.", AT)]

    apps = migrate(BEFORE)
    assert not apps.get_model("workflow", "StatusChange").objects.exists()
    migrate(latest())
