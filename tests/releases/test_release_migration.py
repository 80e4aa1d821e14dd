"""The release gate moved from contracts to releases without copying data, and can move back.

The database is filled at the state before the move through the historical models (release gates
with their project, the clearance confirmed in the credits and the users who confirmed and
scheduled, a gate that went live, one not yet confirmed, a project without a gate; and what hangs
off the content type: permissions, a user's and a group's grants, an admin log entry), migrated
forward, checked, migrated back and checked again.
"""

from datetime import UTC, date, datetime

import pytest

from tests.migration_states import content_type_snapshot, latest, migrate

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

BEFORE = [("contracts", "0008_reconstruct_status_history"), ("releases", None)]
MOVED = ("release",)


def at(day, hour=10):
    return datetime(2025, 6, day, hour, tzinfo=UTC)


def fill(apps):
    """Rows of the moved model, what they point at, and the content type's rows, in the old
    state."""
    User = apps.get_model("auth", "User")
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    ContentType = apps.get_model("contenttypes", "ContentType")
    LogEntry = apps.get_model("admin", "LogEntry")
    Organisation = apps.get_model("workflow", "Organisation")
    Project = apps.get_model("workflow", "Project")
    Clearance = apps.get_model("reviews", "Clearance")
    Release = apps.get_model("contracts", "Release")

    producer = Organisation.objects.create(name="Studio", kind="producer", province="shanghai")
    platform = Organisation.objects.create(name="Platform", kind="platform")
    bureau = Organisation.objects.create(
        name="Shanghai bureau", kind="regulator", level="provincial", province="shanghai"
    )
    reviewer = User.objects.create(username="reviewer")
    manager = User.objects.create(username="cm")
    producer_user = User.objects.create(username="producer")
    managers = Group.objects.create(name="Managers")
    managers.user_set.add(manager)
    states = ("released", "cleared", "cleared", "final_review")
    projects = [
        Project.objects.create(
            title=f"Drama {n}", producer=producer, platform=platform, state=state, episode_count=10
        )
        for n, state in enumerate(states)
    ]
    licence = Clearance.objects.create(
        project=projects[0],
        kind="distribution_licence",
        number="（沪）网剧审字（2025）第001号",
        issued_by=bureau,
        issued_at=at(1),
        expires_on=date(2030, 12, 31),
        recorded_by=reviewer,
    )
    approval = Clearance.objects.create(
        project=projects[1],
        kind="platform_approval",
        number="PA-2025-077",
        issued_by=platform,
        issued_at=at(2),
        recorded_by=manager,
    )
    # Gone live after its scheduled day; confirmed and scheduled; opened by the clearance only.
    # The project still in final review has no gate.
    live = Release.objects.create(
        project=projects[0],
        clearance=licence,
        credits_confirmed_by=producer_user,
        credits_confirmed_at=at(3),
        scheduled_for=date(2025, 6, 10),
        scheduled_by=manager,
        released_at=at(10, 0),
    )
    Release.objects.create(
        project=projects[1],
        clearance=approval,
        credits_confirmed_by=producer_user,
        credits_confirmed_at=at(4),
        scheduled_for=date(2025, 7, 1),
        scheduled_by=manager,
    )
    Release.objects.create(project=projects[2])

    # What hangs off the content type: it may not exist yet on a database migrated in one go
    # (post_migrate creates it), so make sure it does, as on a live database.
    content_type = ContentType.objects.get_or_create(app_label="contracts", model="release")[0]
    for verb in ("add", "change", "delete", "view"):
        Permission.objects.get_or_create(
            content_type=content_type,
            codename=f"{verb}_release",
            defaults={"name": f"Can {verb} release"},
        )
    manager.user_permissions.add(
        Permission.objects.get(content_type=content_type, codename="view_release")
    )
    managers.permissions.add(
        Permission.objects.get(content_type=content_type, codename="change_release")
    )
    LogEntry.objects.create(
        user=manager,
        content_type=content_type,
        object_id=str(live.pk),
        object_repr="Release of Drama 0",
        action_flag=2,
        change_message="scheduled",
    )


def rows(apps, app_label):
    """Everything the move must keep, read through the historical models of ``app_label``."""
    Release = apps.get_model(app_label, "Release")
    Project = apps.get_model("workflow", "Project")
    return {
        "releases": list(
            Release.objects.order_by("pk").values_list(
                "pk",
                "project_id",
                "project__title",
                "project__state",
                "clearance_id",
                "clearance__number",
                "clearance__kind",
                "clearance__project_id",
                "credits_confirmed_by__username",
                "credits_confirmed_at",
                "scheduled_for",
                "scheduled_by__username",
                "released_at",
                "created_at",
                "updated_at",
            )
        ),
        # The reverse one-to-one, from the project's side.
        "by_project": sorted(
            (
                project.pk,
                Release.objects.filter(project=project).values_list("pk", flat=True).first(),
            )
            for project in Project.objects.all()
        ),
    }


def content_types(apps):
    return content_type_snapshot(apps, MOVED, group="Managers")


def test_the_move_keeps_every_row_relation_and_content_type_both_ways():
    old_apps = migrate(BEFORE)
    try:
        fill(old_apps)
        before = rows(old_apps, "contracts")
        types_before = content_types(old_apps)
        assert len(before["releases"]) == 3
        assert [r[5] is not None for r in before["releases"]] == [True, True, False]
        assert [pk is not None for _project, pk in before["by_project"]] == [
            True,
            True,
            True,
            False,
        ]
        assert {label for _pk, label in types_before["types"].values()} == {"contracts"}
        assert len(types_before["permissions"]) == 4
        assert len(types_before["granted"]) == len(types_before["group"]) == 1

        new_apps = migrate(latest())

        assert rows(new_apps, "releases") == before
        after = content_types(new_apps)
        # Relabelled in place: same id, nothing created or deleted, permissions untouched.
        assert after["types"] == {
            model: (pk, "releases") for model, (pk, _label) in types_before["types"].items()
        }
        assert after["count"] == types_before["count"]
        assert after["permissions"] == types_before["permissions"]
        assert after["granted"] == types_before["granted"]
        assert after["group"] == types_before["group"]
        assert after["log"] == types_before["log"]
        # The application's own models read the same rows through the moved relations, and the
        # grants now name releases.
        from django.contrib.admin.models import LogEntry
        from django.contrib.auth import get_user_model
        from django.db.models import ProtectedError

        from releases.models import Release
        from reviews.models import Clearance
        from workflow.models import Project

        live = Project.objects.get(title="Drama 0").release_gate
        assert isinstance(live, Release)
        assert live.clearance.number == "（沪）网剧审字（2025）第001号"
        assert live.credits_confirmed_by.get_username() == "producer"
        assert live.scheduled_by.get_username() == "cm"
        assert live.released_at == at(10, 0)
        assert Release.objects.get(project__title="Drama 2").clearance is None
        assert not Release.objects.filter(project__title="Drama 3").exists()
        assert LogEntry.objects.get().get_edited_object() == live
        # The clearance in the credits is still protected, through the moved relation.
        with pytest.raises(ProtectedError):
            Clearance.objects.get(number="PA-2025-077").delete()
        user = get_user_model().objects.get(username="cm")
        assert user.has_perm("releases.view_release")
        assert user.has_perm("releases.change_release")  # through the group
        assert not user.has_perm("contracts.view_release")

        old_apps = migrate(BEFORE)

        assert rows(old_apps, "contracts") == before
        assert content_types(old_apps) == types_before
    finally:
        migrate(latest())
