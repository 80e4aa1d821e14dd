"""The clearance register moved from contracts to reviews without copying data, and can move back.

The database is filled at the state before the move through the historical models (clearances
of several kinds on two projects, a project without any, and every row that points at them: the
release gates that confirmed one in the credits and the documents that scan one; and what hangs
off the content type: permissions, a user's and a group's grants, an admin log entry), migrated
forward, checked, migrated back and checked again.
"""

from datetime import UTC, date, datetime

import pytest

from tests.migration_states import content_type_snapshot, latest, migrate, relabelled

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

BEFORE = [("contracts", "0006_move_metrics_to_audience"), ("reviews", "0005_evaluation_open_queue")]
MOVED = ("clearance",)


def at(day, hour=10):
    return datetime(2025, 6, day, hour, tzinfo=UTC)


def fill(apps):
    """Rows of the moved model and every row pointing at it, in the old state."""
    User = apps.get_model("auth", "User")
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    ContentType = apps.get_model("contenttypes", "ContentType")
    LogEntry = apps.get_model("admin", "LogEntry")
    Organisation = apps.get_model("workflow", "Organisation")
    Project = apps.get_model("workflow", "Project")
    Clearance = apps.get_model("contracts", "Clearance")
    Release = apps.get_model("contracts", "Release")
    Document = apps.get_model("contracts", "Document")

    producer = Organisation.objects.create(name="Studio", kind="producer", province="shanghai")
    platform = Organisation.objects.create(name="Platform", kind="platform")
    bureau = Organisation.objects.create(
        name="Shanghai bureau", kind="regulator", level="provincial", province="shanghai"
    )
    reviewer = User.objects.create(username="reviewer")
    manager = User.objects.create(username="cm")
    uploader = User.objects.create(username="producer")
    reviewers = Group.objects.create(name="Reviewers")
    reviewers.user_set.add(manager)
    projects = [
        Project.objects.create(
            title=f"Drama {n}",
            producer=producer,
            platform=platform,
            state="cleared",
            episode_count=10,
        )
        for n in range(3)
    ]
    filing = Clearance.objects.create(
        project=projects[0],
        kind="planning_filing",
        number="SH-2025-001",
        issued_by=bureau,
        issued_at=at(1),
        recorded_by=reviewer,
    )
    licence = Clearance.objects.create(
        project=projects[0],
        kind="distribution_licence",
        number="（沪）网剧审字（2025）第001号",
        issued_by=bureau,
        issued_at=at(2),
        expires_on=date(2030, 12, 31),
        recorded_by=reviewer,
    )
    renewed = Clearance.objects.create(
        project=projects[0],
        kind="distribution_licence",
        number="（沪）网剧审字（2025）第002号",
        issued_by=bureau,
        issued_at=at(3),
        recorded_by=reviewer,
    )
    approval = Clearance.objects.create(
        project=projects[1],
        kind="platform_approval",
        number="PA-2025-077",
        issued_by=platform,
        issued_at=at(4),
        expires_on=date(2026, 6, 30),
        recorded_by=manager,
    )
    # The release gates: one confirmed in the credits (and scheduled), one without a clearance
    # yet, the project without clearances without a gate.
    Release.objects.create(
        project=projects[0],
        clearance=renewed,
        credits_confirmed_by=uploader,
        credits_confirmed_at=at(5),
        scheduled_for=date(2025, 7, 1),
        scheduled_by=manager,
    )
    Release.objects.create(project=projects[1])
    # Documents: scans of two clearances (one scanned twice), and a script that points at none.
    for clearance, name in (
        (licence, "licence.pdf"),
        (licence, "licence-2.pdf"),
        (approval, "a.pdf"),
    ):
        Document.objects.create(
            project=clearance.project,
            kind="clearance_scan",
            clearance=clearance,
            file=f"documents/{name}",
            original_name=name,
            content_type="application/pdf",
            size=1024,
            sha256="0" * 64,
            uploaded_by=uploader,
        )
    Document.objects.create(
        project=projects[2],
        kind="script",
        file="documents/script.pdf",
        original_name="script.pdf",
        content_type="application/pdf",
        size=2048,
        sha256="1" * 64,
        uploaded_by=uploader,
    )

    # What hangs off the content type: it may not exist yet on a database migrated in one go
    # (post_migrate creates it), so make sure it does, as on a live database.
    types = {
        model: ContentType.objects.get_or_create(app_label="contracts", model=model)[0]
        for model in MOVED
    }
    for model, content_type in types.items():
        for verb in ("add", "change", "delete", "view"):
            Permission.objects.get_or_create(
                content_type=content_type,
                codename=f"{verb}_{model}",
                defaults={"name": f"Can {verb} {model}"},
            )
    manager.user_permissions.add(
        Permission.objects.get(content_type=types["clearance"], codename="view_clearance")
    )
    reviewers.permissions.add(
        Permission.objects.get(content_type=types["clearance"], codename="add_clearance")
    )
    LogEntry.objects.create(
        user=reviewer,
        content_type=types["clearance"],
        object_id=str(filing.pk),
        object_repr=f"Planning filing number {filing.number}",
        action_flag=1,
        change_message="recorded",
    )


def rows(apps, app_label, release_label="contracts"):
    """Everything the move must keep, read through the historical models of ``app_label`` (and
    the release gate's of ``release_label``: it moved to releases later)."""
    Clearance = apps.get_model(app_label, "Clearance")
    Release = apps.get_model(release_label, "Release")
    Document = apps.get_model("contracts", "Document")
    return {
        "clearances": list(
            Clearance.objects.order_by("pk").values_list(
                "pk",
                "project_id",
                "project__title",
                "kind",
                "number",
                "issued_by_id",
                "issued_by__name",
                "issued_at",
                "expires_on",
                "recorded_by__username",
                "created_at",
                "updated_at",
            )
        ),
        "by_project": sorted(
            (project.pk, sorted(project.clearances.values_list("pk", flat=True)))
            for project in apps.get_model("workflow", "Project").objects.all()
        ),
        "releases": list(
            Release.objects.order_by("pk").values_list(
                "pk",
                "project_id",
                "clearance_id",
                "clearance__number",
                "clearance__kind",
                "credits_confirmed_by__username",
                "credits_confirmed_at",
                "scheduled_for",
            )
        ),
        "documents": list(
            Document.objects.order_by("pk").values_list(
                "pk", "project_id", "kind", "clearance_id", "clearance__number", "file"
            )
        ),
        "scans": sorted(
            (clearance.pk, sorted(clearance.documents.values_list("pk", flat=True)))
            for clearance in Clearance.objects.all()
        ),
    }


def content_types(apps):
    return content_type_snapshot(apps, MOVED, group="Reviewers")


def test_the_move_keeps_every_row_relation_and_content_type_both_ways():
    old_apps = migrate(BEFORE)
    try:
        fill(old_apps)
        before = rows(old_apps, "contracts")
        types_before = content_types(old_apps)
        assert len(before["clearances"]) == 4
        assert [len(pks) for _pk, pks in before["by_project"]] == [3, 1, 0]
        assert [r[2] is not None for r in before["releases"]] == [True, False]
        assert [d[3] is not None for d in before["documents"]] == [True, True, True, False]
        assert sorted(len(pks) for _pk, pks in before["scans"]) == [0, 0, 1, 2]
        assert {label for _pk, label in types_before["types"].values()} == {"contracts"}
        assert len(types_before["permissions"]) == 4
        assert len(types_before["granted"]) == len(types_before["group"]) == 1

        new_apps = migrate(latest())

        assert rows(new_apps, "reviews", "releases") == before
        after = content_types(new_apps)
        # Relabelled in place: same id, nothing created or deleted, permissions untouched.
        assert after["types"] == relabelled(types_before, "reviews")
        assert after["count"] == types_before["count"]
        assert after["permissions"] == types_before["permissions"]
        assert after["granted"] == types_before["granted"]
        assert after["group"] == types_before["group"]
        assert after["log"] == types_before["log"]
        # The application's own models read the same rows through the moved relations, and the
        # grants now name reviews.
        from django.contrib.admin.models import LogEntry
        from django.contrib.auth import get_user_model
        from django.db.models import ProtectedError

        from contracts.models import Document
        from releases.models import Release
        from reviews.models import Clearance
        from workflow.models import Project

        gate = Release.objects.select_related("clearance").get(clearance__isnull=False)
        assert isinstance(gate.clearance, Clearance)
        assert gate.clearance.number == "（沪）网剧审字（2025）第002号"
        licence = Clearance.objects.get(number="（沪）网剧审字（2025）第001号")
        assert sorted(licence.documents.values_list("original_name", flat=True)) == [
            "licence-2.pdf",
            "licence.pdf",
        ]
        assert Document.objects.get(original_name="a.pdf").clearance.kind == "platform_approval"
        assert Project.objects.get(title="Drama 0").clearances.count() == 3
        assert LogEntry.objects.get().get_edited_object() == Clearance.objects.get(
            number="SH-2025-001"
        )
        # A clearance that a document scans is still protected, through the moved relation.
        with pytest.raises(ProtectedError):
            licence.delete()
        user = get_user_model().objects.get(username="cm")
        assert user.has_perm("reviews.view_clearance")
        assert user.has_perm("reviews.add_clearance")  # through the group
        assert not user.has_perm("contracts.view_clearance")

        old_apps = migrate(BEFORE)

        assert rows(old_apps, "contracts") == before
        assert content_types(old_apps) == types_before
    finally:
        migrate(latest())
