"""Contracts, installments and residual statements made before the status log get their history
from the fields that held it (marked reconstructed), once, and lose it on the way back."""

from datetime import UTC, date, datetime

import pytest

from tests.migration_states import latest, migrate

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

BEFORE = [("workflow", "0010_status_change"), ("contracts", "0007_move_clearances_to_reviews")]
AFTER = [("contracts", "0008_reconstruct_status_history")]
AT = [datetime(2026, 5, day, 9, 0, tzinfo=UTC) for day in range(1, 10)]


def fill(apps):
    User = apps.get_model("auth", "User")
    Organisation = apps.get_model("workflow", "Organisation")
    Project = apps.get_model("workflow", "Project")
    Contract = apps.get_model("contracts", "Contract")
    Installment = apps.get_model("contracts", "Installment")
    ResidualStatement = apps.get_model("contracts", "ResidualStatement")
    StatusChange = apps.get_model("workflow", "StatusChange")
    ContentType = apps.get_model("contenttypes", "ContentType")

    studio = Organisation.objects.create(name="Studio", kind="producer", province="shanghai")
    platform = Organisation.objects.create(name="Platform", kind="platform")
    producer, cm = (User.objects.create(username=n) for n in ("producer", "cm"))
    project = Project.objects.create(
        title="Drama", producer=studio, platform=platform, state="released", review_round=1
    )
    terms = {
        "project": project,
        "created_by": cm,
        "commissioning_model": "work_for_hire",
        "production_fee": "100000.00",
    }
    first = Contract.objects.create(
        **terms, status="superseded", sent_at=AT[0], ended_at=AT[1], end_reason=""
    )
    second = Contract.objects.create(
        **terms,
        version=2,
        supersedes=first,
        status="active",
        sent_at=AT[2],
        signed_at=AT[3],
        signed_by=producer,
        countersigned_at=AT[4],
        countersigned_by=cm,
    )
    Installment.objects.create(
        contract=second,
        project=project,
        position=1,
        amount="1000.00",
        trigger="countersigned",
        status="paid",
        due_on=date(2026, 5, 5),
        paid_on=date(2026, 5, 6),
        payment_reference="BANK-1",
        paid_recorded_by=cm,
        paid_recorded_at=AT[5],
    )
    Installment.objects.create(
        contract=second, project=project, position=2, amount="1000.00", trigger="released"
    )
    statement = {
        "contract": second,
        "project": project,
        "basis": "none",
        "rate": "0",
        "total": "0.00",
        "issued_by": cm,
        "period_start": date(2026, 5, 1),
        "period_end": date(2026, 5, 31),
    }
    wrong = ResidualStatement.objects.create(**statement, status="corrected", issued_at=AT[6])
    ResidualStatement.objects.create(**statement, corrects=wrong, issued_at=AT[7])
    # The signature was already logged live: it is not repeated.
    StatusChange.objects.create(
        project=project,
        record_type=ContentType.objects.get_or_create(app_label="contracts", model="contract")[0],
        record_id=second.pk,
        from_status="sent",
        to_status="signed",
        actor=producer,
        organisation=studio,
        created_at=AT[3],
    )
    return project.pk


def test_the_log_is_reconstructed_once_from_the_recorded_changes_and_forgotten_back():
    project_id = fill(migrate(BEFORE))

    apps = migrate(AFTER)
    StatusChange = apps.get_model("workflow", "StatusChange")
    log = [
        (
            c.record_type.model,
            c.from_status,
            c.to_status,
            c.actor.username if c.actor_id else None,
            c.organisation.name if c.organisation_id else None,
            c.reason,
            c.reconstructed,
        )
        for c in StatusChange.objects.filter(project_id=project_id).order_by("created_at")
    ]
    assert log == [
        ("contract", "draft", "sent", None, "Platform", "", True),
        ("contract", "sent", "superseded", None, "Platform", "", True),
        ("contract", "draft", "sent", None, "Platform", "", True),
        ("contract", "sent", "signed", "producer", "Studio", "", False),
        ("contract", "signed", "active", "cm", "Platform", "", True),
        ("installment", "due", "paid", "cm", "Platform", "BANK-1", True),
        ("residualstatement", "issued", "corrected", "cm", "Platform", "", True),
    ]

    apps = migrate(BEFORE)
    assert list(
        apps.get_model("workflow", "StatusChange").objects.values_list("reconstructed")
    ) == [(False,)]
    migrate(latest())
