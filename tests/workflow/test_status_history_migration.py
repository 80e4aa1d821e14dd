"""The status log is reconstructed, for records made before it existed, from the fields that
already held their changes (marked reconstructed), and forgotten on the way back."""

from datetime import UTC, datetime

import pytest

from tests.migration_states import latest, migrate

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

BEFORE = [
    ("workflow", "0009_webhook_secret_rotation_and_kept_log"),
    ("budgets", "0001_initial"),
    ("reviews", "0005_evaluation_open_queue"),
]
AFTER = [
    ("budgets", "0002_reconstruct_status_history"),
    ("reviews", "0007_reconstruct_status_history"),
]
AT = [datetime(2026, 5, day, 9, 0, tzinfo=UTC) for day in range(1, 6)]


def fill(apps):
    User = apps.get_model("auth", "User")
    Organisation = apps.get_model("workflow", "Organisation")
    Project = apps.get_model("workflow", "Project")
    Budget = apps.get_model("budgets", "Budget")
    Rubric = apps.get_model("reviews", "Rubric")
    Evaluation = apps.get_model("reviews", "Evaluation")
    Scorecard = apps.get_model("reviews", "Scorecard")
    RegulatoryReview = apps.get_model("reviews", "RegulatoryReview")

    studio = Organisation.objects.create(name="Studio", kind="producer", province="shanghai")
    platform = Organisation.objects.create(name="Platform", kind="platform")
    bureau = Organisation.objects.create(
        name="Bureau", kind="regulator", level="provincial", province="shanghai"
    )
    cm, rater, reviewer = (User.objects.create(username=n) for n in ("cm", "rater", "reviewer"))
    project = Project.objects.create(
        title="Drama", producer=studio, platform=platform, state="greenlit", review_round=1
    )
    Budget.objects.create(
        project=project, status="approved", submitted_at=AT[0], approved_at=AT[1], approved_by=cm
    )
    Budget.objects.create(
        project=Project.objects.create(title="Draft", producer=studio, platform=platform)
    )
    rubric = Rubric.objects.create(platform=platform, name="R")
    evaluation = Evaluation.objects.create(
        project=project,
        round=1,
        rubric=rubric,
        status="decided",
        decision="greenlight",
        grade="A",
        reason="Strong hook.",
        decided_by=cm,
        decided_at=AT[3],
    )
    Scorecard.objects.create(
        evaluation=evaluation,
        rater=rater,
        invited_by=cm,
        function="content",
        status="submitted",
        submitted_at=AT[2],
    )
    Scorecard.objects.create(evaluation=evaluation, rater=cm, invited_by=cm, function="business")
    RegulatoryReview.objects.create(
        project=project,
        kind="planning_filing",
        authority=bureau,
        round=1,
        tier="ORDINARY",
        status="approved",
        comment="Filed.",
        decided_by=reviewer,
        decided_at=AT[4],
    )
    return project.pk


def test_the_log_is_reconstructed_from_the_recorded_changes_and_forgotten_back():
    project_id = fill(migrate(BEFORE))

    apps = migrate(AFTER)
    StatusChange = apps.get_model("workflow", "StatusChange")
    log = [
        (
            c.record_type.model,
            c.from_status,
            c.to_status,
            c.actor.username if c.actor_id else None,
            c.organisation.name,
            c.reason,
            c.reconstructed,
        )
        for c in StatusChange.objects.filter(project_id=project_id).order_by("created_at")
    ]
    assert log == [
        ("budget", "draft", "submitted", None, "Studio", "", True),
        ("budget", "submitted", "approved", "cm", "Platform", "", True),
        ("scorecard", "invited", "submitted", "rater", "Platform", "", True),
        ("evaluation", "open", "decided", "cm", "Platform", "Strong hook.", True),
        ("regulatoryreview", "pending", "approved", "reviewer", "Bureau", "Filed.", True),
    ]
    assert StatusChange.objects.count() == 5  # nothing for the draft budget or the open card

    apps = migrate(BEFORE)
    # Back before the log: its table is gone, the records are untouched.
    assert apps.get_model("budgets", "Budget").objects.filter(status="approved").count() == 1
    migrate(latest())
