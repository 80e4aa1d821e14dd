"""The status log of release gates and clearances made before it existed is reconstructed from
the fields that held their changes (marked reconstructed), and forgotten on the way back."""

from datetime import UTC, date, datetime

import pytest

from tests.migration_states import latest, migrate

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

BEFORE = [
    ("releases", "0001_move_release_from_contracts"),
    ("reviews", "0008_reconstruct_feedback_history"),
]
AFTER = [
    ("releases", "0002_reconstruct_status_history"),
    ("reviews", "0009_reconstruct_clearance_history"),
]
AT = [datetime(2026, 5, day, 9, 0, tzinfo=UTC) for day in range(1, 8)]


def fill(apps):
    User = apps.get_model("auth", "User")
    Organisation = apps.get_model("workflow", "Organisation")
    Project = apps.get_model("workflow", "Project")
    ProjectTransition = apps.get_model("workflow", "ProjectTransition")
    Clearance = apps.get_model("reviews", "Clearance")
    Release = apps.get_model("releases", "Release")

    studio = Organisation.objects.create(name="Studio", kind="producer", province="shanghai")
    platform = Organisation.objects.create(name="Platform", kind="platform")
    bureau = Organisation.objects.create(
        name="Bureau", kind="regulator", level="provincial", province="shanghai"
    )
    producer, cm, reviewer = (
        User.objects.create(username=n) for n in ("producer", "cm", "reviewer")
    )
    live = Project.objects.create(
        title="Live", producer=studio, platform=platform, state="released"
    )
    waiting = Project.objects.create(
        title="Waiting", producer=studio, platform=platform, state="cleared"
    )
    filing = Clearance.objects.create(
        project=live,
        kind="planning_filing",
        number="SH-2026-001",
        issued_by=bureau,
        issued_at=AT[0],
        recorded_by=reviewer,
    )
    registration = Clearance.objects.create(
        project=live,
        kind="online_registration",
        number="（沪）网剧备字（2026）第001号",
        issued_by=bureau,
        issued_at=AT[1],
        recorded_by=reviewer,
    )
    Clearance.objects.filter(pk=filing.pk).update(created_at=AT[0])
    Clearance.objects.filter(pk=registration.pk).update(created_at=AT[1])
    gate = Release.objects.create(
        project=live,
        clearance=registration,
        credits_confirmed_by=producer,
        credits_confirmed_at=AT[2],
        scheduled_for=date(2026, 5, 6),
        scheduled_by=cm,
        released_at=AT[5],
    )
    Release.objects.filter(pk=gate.pk).update(updated_at=AT[5])
    ProjectTransition.objects.create(
        project=live,
        name="release",
        source_state="cleared",
        target_state="released",
        actor=cm,
        organisation=platform,
        comment="Scheduled release for 2026-05-06.",
        created_at=AT[5],
    )
    # A gate opened by the clearance of its project and nothing else yet.
    Release.objects.create(project=waiting)
    return live.pk, waiting.pk


def test_the_log_is_reconstructed_from_the_gates_and_the_register_and_forgotten_back():
    live, waiting = fill(migrate(BEFORE))

    apps = migrate(AFTER)
    StatusChange = apps.get_model("workflow", "StatusChange")
    log = [
        (
            c.record_type.app_label,
            c.record_type.model,
            c.field,
            c.from_status,
            c.to_status,
            c.actor.username if c.actor_id else None,
            c.organisation.name,
            c.reason,
            c.created_at,
            c.reconstructed,
        )
        for c in StatusChange.objects.filter(project_id=live).order_by("created_at", "id")
    ]
    registration = "online_registration: （沪）网剧备字（2026）第001号"
    assert log == [
        (
            "reviews",
            "clearance",
            "status",
            "",
            "issued",
            "reviewer",
            "Bureau",
            "planning_filing: SH-2026-001",
            AT[0],
            True,
        ),
        (
            "reviews",
            "clearance",
            "status",
            "",
            "issued",
            "reviewer",
            "Bureau",
            registration,
            AT[1],
            True,
        ),
        (
            "releases",
            "release",
            "credits",
            "credits_pending",
            "credits_confirmed",
            "producer",
            "Studio",
            registration,
            AT[2],
            True,
        ),
        # The schedule kept no time: the gate's last change, when it went live.
        (
            "releases",
            "release",
            "schedule",
            "unscheduled",
            "scheduled:2026-05-06",
            "cm",
            "Platform",
            "",
            AT[5],
            True,
        ),
        (
            "releases",
            "release",
            "live",
            "not_live",
            "live",
            "cm",
            "Platform",
            "Scheduled release for 2026-05-06.",
            AT[5],
            True,
        ),
    ]
    assert not StatusChange.objects.filter(project_id=waiting).exists()

    apps = migrate(BEFORE)
    StatusChange = apps.get_model("workflow", "StatusChange")
    assert not StatusChange.objects.filter(record_type__model__in=["release", "clearance"]).exists()
    # The records themselves are untouched.
    assert apps.get_model("releases", "Release").objects.filter(released_at=AT[5]).count() == 1
    migrate(latest())
