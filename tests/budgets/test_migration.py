"""Budgets moved from contracts to budgets without copying data, and can move back.

The database is filled at the state before the move through the historical models (every moved
model with rows and relations, and what hangs off their content types: permissions, a grant, an
admin log entry), migrated forward, checked, migrated back and checked again.
"""

from datetime import date
from decimal import Decimal

import pytest

from tests.migration_states import content_type_snapshot, latest, migrate, relabelled

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

BEFORE = [("contracts", "0004_payments_statements_documents"), ("budgets", None)]
MOVED = ("budget", "budgetline", "tierpolicy")


def fill(apps):
    """Rows of every moved model, related to each other and to the rest, in the old state."""
    User = apps.get_model("auth", "User")
    Permission = apps.get_model("auth", "Permission")
    ContentType = apps.get_model("contenttypes", "ContentType")
    LogEntry = apps.get_model("admin", "LogEntry")
    Organisation = apps.get_model("workflow", "Organisation")
    Project = apps.get_model("workflow", "Project")
    Budget = apps.get_model("contracts", "Budget")
    BudgetLine = apps.get_model("contracts", "BudgetLine")
    TierPolicy = apps.get_model("contracts", "TierPolicy")

    producer = Organisation.objects.create(name="Studio", kind="producer", province="shanghai")
    platform = Organisation.objects.create(name="Platform", kind="platform")
    manager = User.objects.create(username="cm")
    projects = [
        Project.objects.create(title=f"Drama {n}", producer=producer, platform=platform)
        for n in range(3)
    ]
    approved = Budget.objects.create(
        project=projects[0],
        status="approved",
        submitted_at="2025-03-01T10:00:00+08:00",
        approved_at="2025-03-02T10:00:00+08:00",
        approved_by=manager,
    )
    draft = Budget.objects.create(project=projects[1])
    for budget, rows in (
        (approved, [("cast", "300000.00", "290000.50"), ("crew", "150000.00", None)]),
        (draft, [("post", "80000.00", None)]),
    ):
        for category, planned, actual in rows:
            BudgetLine.objects.create(
                budget=budget,
                category=category,
                description=f"{category} of {budget.project.title}",
                planned=Decimal(planned),
                actual=None if actual is None else Decimal(actual),
            )
    TierPolicy.objects.create(province="", effective_from=date(2024, 1, 1), note="national")
    TierPolicy.objects.create(
        province="shanghai",
        effective_from=date(2025, 1, 1),
        key_threshold=Decimal("800000.00"),
        ordinary_threshold=Decimal("200000.00"),
        homepage_is_key=False,
    )

    # What hangs off the content types: they may not exist yet on a database migrated in one
    # go (post_migrate creates them), so make sure they do, as on a live database.
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
        Permission.objects.get(content_type=types["budget"], codename="change_budget")
    )
    LogEntry.objects.create(
        user=manager,
        content_type=types["budget"],
        object_id=str(approved.pk),
        object_repr=f"Budget of {approved.project.title}",
        action_flag=2,
        change_message="approved",
    )


def rows(apps, app_label):
    """Everything the move must keep, read through the historical models of ``app_label``."""
    Budget = apps.get_model(app_label, "Budget")
    BudgetLine = apps.get_model(app_label, "BudgetLine")
    TierPolicy = apps.get_model(app_label, "TierPolicy")
    return {
        "budgets": list(
            Budget.objects.order_by("pk").values_list(
                "pk",
                "project_id",
                "project__title",
                "status",
                "submitted_at",
                "approved_at",
                "approved_by__username",
                "created_at",
                "updated_at",
            )
        ),
        "lines": list(
            BudgetLine.objects.order_by("pk").values_list(
                "pk",
                "budget_id",
                "budget__project__title",
                "category",
                "description",
                "planned",
                "actual",
                "created_at",
                "updated_at",
            )
        ),
        "policies": list(TierPolicy.objects.order_by("pk").values()),
        "reverse": sorted(
            (project.pk, project.budget.pk, project.budget.lines.count())
            for project in apps.get_model("workflow", "Project").objects.filter(
                budget__isnull=False
            )
        ),
    }


def content_types(apps):
    return content_type_snapshot(apps, MOVED)


def test_the_move_keeps_every_row_relation_and_content_type_both_ways():
    old_apps = migrate(BEFORE)
    try:
        fill(old_apps)
        before = rows(old_apps, "contracts")
        types_before = content_types(old_apps)
        assert len(before["budgets"]) == 2
        assert len(before["lines"]) == 3
        assert len(before["policies"]) == 2
        assert {label for _pk, label in types_before["types"].values()} == {"contracts"}
        assert len(types_before["permissions"]) == 12

        new_apps = migrate(latest())

        assert rows(new_apps, "budgets") == before
        after = content_types(new_apps)
        # Relabelled in place: same ids, nothing created or deleted, permissions untouched.
        assert after["types"] == relabelled(types_before, "budgets")
        assert after["count"] == types_before["count"]
        assert after["permissions"] == types_before["permissions"]
        assert after["granted"] == types_before["granted"]
        assert after["log"] == types_before["log"]
        # The application's own models read the same rows, and the grant now names budgets.
        from django.contrib.auth import get_user_model

        from budgets.models import Budget, TierPolicy

        budget = Budget.objects.select_related("project", "approved_by").get(
            pk=before["budgets"][0][0]
        )
        assert (budget.project.title, budget.approved_by.username) == ("Drama 0", "cm")
        assert sorted(budget.lines.values_list("category", flat=True)) == ["cast", "crew"]
        assert TierPolicy.objects.get(province="shanghai").key_threshold == Decimal("800000.00")
        user = get_user_model().objects.get(username="cm")
        assert user.has_perm("budgets.change_budget")
        assert not user.has_perm("contracts.change_budget")

        old_apps = migrate(BEFORE)

        assert rows(old_apps, "contracts") == before
        assert content_types(old_apps) == types_before
    finally:
        migrate(latest())
