"""The default compliance checklist comes from a data migration: reading the checklists (API,
admin) writes nothing, and with the default removed by an operator the authorities without their
own checklist have nothing to confirm."""

import importlib

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from reviews.models import ChecklistConfirmation, ChecklistItem, ComplianceChecklist
from reviews.rules.finals import checklist_reasons
from reviews.services import checklists
from tests.reviews.finals_helpers import confirm_checklist
from workflow import services

migration = importlib.import_module("reviews.migrations.0004_default_compliance_checklist")
CHECKLISTS_API = "/api/v1/compliance-checklists/"
CHECKLISTS_ADMIN = reverse("admin:reviews_compliancechecklist_changelist")


def writes(queries) -> list[str]:
    return [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
    ]


def remove_the_default() -> None:
    ChecklistItem.objects.filter(checklist__authority=None).delete()
    ComplianceChecklist.objects.filter(authority=None).delete()


def test_the_migration_created_version_1_with_the_four_items(db):
    checklist = checklists.default_checklist()
    assert (checklist.authority, checklist.version, checklist.is_active) == (None, 1, True)
    assert [i.code for i in checklist.items.order_by("position")] == [
        code for code, _label, _help in checklists.DEFAULT_CHECKLIST_ITEMS
    ]
    assert [i.label for i in checklist.items.order_by("position")] == [
        label for _code, label, _help in checklists.DEFAULT_CHECKLIST_ITEMS
    ]


def test_listing_the_checklists_writes_nothing(world, api):
    remove_the_default()
    client = api(world.producer_a)

    with CaptureQueriesContext(connection) as queries:
        response = client.get(CHECKLISTS_API)

    assert response.status_code == 200
    assert response.json()["count"] == 0
    assert writes(queries) == []
    assert not ComplianceChecklist.objects.exists()


def test_the_admin_changelist_writes_nothing(client, world):
    remove_the_default()
    client.force_login(world.producer_a)

    with CaptureQueriesContext(connection) as queries:
        response = client.get(CHECKLISTS_ADMIN)

    assert response.status_code == 200
    assert writes(queries) == []
    assert not ComplianceChecklist.objects.exists()


def test_without_the_default_there_is_nothing_to_confirm(world, make_project):
    remove_the_default()
    project = make_project("cut_review")

    assert checklists.default_checklist() is None
    assert checklists.applicable_checklists(project) == []
    assert checklist_reasons(project) == []
    project = services.project_transition(
        project=project, name="approve_cut", actor=world.content_manager
    )
    assert project.state == "final_review"


def test_publishing_the_default_again_starts_at_the_next_version(world):
    published = checklists.compliance_checklist_publish(
        authority=None,
        actor=get_user_model().objects.create_superuser("root", "root@example.com", "x"),
        items=[{"code": "self-check", "label": "Self-check"}],
    )
    assert published.version == 2
    assert checklists.default_checklist() == published
    assert ComplianceChecklist.objects.filter(authority=None).count() == 2


def test_the_reverse_deletes_the_default_only_while_unused(world, make_project):
    migration.delete_default_checklist(apps, None)
    assert not ComplianceChecklist.objects.exists()

    migration.create_default_checklist(apps, None)
    migration.create_default_checklist(apps, None)  # once only
    assert ComplianceChecklist.objects.count() == 1
    project = make_project("in_production")
    confirm_checklist(project, world.producer_a)

    migration.delete_default_checklist(apps, None)

    assert ComplianceChecklist.objects.count() == 1
    assert ChecklistConfirmation.objects.filter(project=project).count() == 4
