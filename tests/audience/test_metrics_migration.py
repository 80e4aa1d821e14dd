"""Release metrics moved from contracts to audience without copying data, and can move back.

The database is filled at the state before the move through the historical models (metrics of
two projects, and what hangs off their content type: permissions, a user's and a group's grants,
an admin log entry), migrated forward, checked, migrated back and checked again.
"""

from datetime import date
from decimal import Decimal

import pytest

from tests.migration_states import content_type_snapshot, latest, migrate, relabelled

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

BEFORE = [("contracts", "0005_move_budgets_to_budgets"), ("audience", "0001_initial")]
MOVED = ("episodemetric",)


def fill(apps):
    """Rows of the moved model, related to the rest, in the old state."""
    User = apps.get_model("auth", "User")
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    ContentType = apps.get_model("contenttypes", "ContentType")
    LogEntry = apps.get_model("admin", "LogEntry")
    Organisation = apps.get_model("workflow", "Organisation")
    Project = apps.get_model("workflow", "Project")
    EpisodeMetric = apps.get_model("contracts", "EpisodeMetric")

    producer = Organisation.objects.create(name="Studio", kind="producer", province="shanghai")
    platform = Organisation.objects.create(name="Platform", kind="platform")
    manager = User.objects.create(username="cm")
    analysts = Group.objects.create(name="Analysts")
    analysts.user_set.add(manager)
    projects = [
        Project.objects.create(
            title=f"Drama {n}",
            producer=producer,
            platform=platform,
            state="released",
            episode_count=10,
        )
        for n in range(3)
    ]
    for project, days in ((projects[0], 3), (projects[1], 1)):
        for day in range(1, days + 1):
            for episode in (1, 2):
                EpisodeMetric.objects.create(
                    project=project,
                    episode=episode,
                    date=date(2025, 6, day),
                    plays=1000 * day + episode,
                    valid_plays=900 * day + episode,
                    retention_3s=Decimal("0.9100"),
                    retention_5s=Decimal("0.8050"),
                    retention_10s=Decimal(f"0.{60 + day}00"),
                    completion_rate=Decimal("0.4520"),
                    likes=10 * day,
                    comments=3 * episode,
                    shares=day,
                    paid_unlocks=5 * episode,
                    paid_revenue=Decimal(f"{100 * day}.50"),
                    ad_revenue=Decimal("12.34"),
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
    view = Permission.objects.get(
        content_type=types["episodemetric"], codename="view_episodemetric"
    )
    manager.user_permissions.add(view)
    analysts.permissions.add(
        Permission.objects.get(content_type=types["episodemetric"], codename="change_episodemetric")
    )
    first = EpisodeMetric.objects.order_by("pk").first()
    LogEntry.objects.create(
        user=manager,
        content_type=types["episodemetric"],
        object_id=str(first.pk),
        object_repr=f"{first.project.title}, episode {first.episode}, {first.date}",
        action_flag=1,
        change_message="imported",
    )


def rows(apps, app_label):
    """Everything the move must keep, read through the historical models of ``app_label``."""
    EpisodeMetric = apps.get_model(app_label, "EpisodeMetric")
    return {
        "metrics": list(
            EpisodeMetric.objects.order_by("pk").values_list(
                "pk",
                "project_id",
                "project__title",
                "episode",
                "date",
                "plays",
                "valid_plays",
                "retention_3s",
                "retention_5s",
                "retention_10s",
                "completion_rate",
                "likes",
                "comments",
                "shares",
                "paid_unlocks",
                "paid_revenue",
                "ad_revenue",
                "created_at",
                "updated_at",
            )
        ),
        "reverse": sorted(
            (project.pk, sorted(project.episode_metrics.values_list("pk", flat=True)))
            for project in apps.get_model("workflow", "Project").objects.all()
        ),
    }


def content_types(apps):
    return content_type_snapshot(apps, MOVED, group="Analysts")


def test_the_move_keeps_every_row_relation_and_content_type_both_ways():
    old_apps = migrate(BEFORE)
    try:
        fill(old_apps)
        before = rows(old_apps, "contracts")
        types_before = content_types(old_apps)
        assert len(before["metrics"]) == 8
        assert [len(pks) for _pk, pks in before["reverse"]] == [6, 2, 0]
        assert {label for _pk, label in types_before["types"].values()} == {"contracts"}
        assert len(types_before["permissions"]) == 4
        assert len(types_before["granted"]) == len(types_before["group"]) == 1

        new_apps = migrate(latest())

        assert rows(new_apps, "audience") == before
        after = content_types(new_apps)
        # Relabelled in place: same id, nothing created or deleted, permissions untouched.
        assert after["types"] == relabelled(types_before, "audience")
        assert after["count"] == types_before["count"]
        assert after["permissions"] == types_before["permissions"]
        assert after["granted"] == types_before["granted"]
        assert after["group"] == types_before["group"]
        assert after["log"] == types_before["log"]
        # The application's own model reads the same rows, and the grants now name audience.
        from django.contrib.admin.models import LogEntry
        from django.contrib.auth import get_user_model

        from audience.models import EpisodeMetric
        from workflow.models import Project

        metric = EpisodeMetric.objects.select_related("project").get(pk=before["metrics"][0][0])
        assert (metric.project.title, metric.episode, metric.date) == (
            "Drama 0",
            1,
            date(2025, 6, 1),
        )
        assert metric.paid_revenue == Decimal("100.50")
        assert Project.objects.get(title="Drama 1").episode_metrics.count() == 2
        assert LogEntry.objects.get().get_edited_object() == metric
        user = get_user_model().objects.get(username="cm")
        assert user.has_perm("audience.view_episodemetric")
        assert user.has_perm("audience.change_episodemetric")  # through the group
        assert not user.has_perm("contracts.view_episodemetric")

        old_apps = migrate(BEFORE)

        assert rows(old_apps, "contracts") == before
        assert content_types(old_apps) == types_before
    finally:
        migrate(latest())
