"""The status log (workflow.StatusChange) from what contracts and their payments already recorded:
a contract's sending, signature, countersignature and end, an installment's payment, a residual
statement's correction, with their times and the people the fields name. Marked reconstructed;
changes no field kept (who sent a contract, an installment falling due) are missing, and a change
the log already holds is not repeated."""

from django.db import migrations


def reconstruct(apps, schema_editor):
    StatusChange = apps.get_model("workflow", "StatusChange")
    ContentType = apps.get_model("contenttypes", "ContentType")
    rows = []

    def logger(model):
        record_type = ContentType.objects.get_or_create(app_label="contracts", model=model)[0]
        # A record reaches each of these statuses once: a change the log holds is not repeated.
        logged = set(
            StatusChange.objects.filter(record_type=record_type).values_list(
                "record_id", "to_status"
            )
        )

        def log(record, project_id, source, target, at, **fields):
            if at is not None and (record.pk, target) not in logged:
                rows.append(
                    StatusChange(
                        project_id=project_id,
                        record_type=record_type,
                        record_id=record.pk,
                        from_status=source,
                        to_status=target,
                        reconstructed=True,
                        created_at=at,
                        **fields,
                    )
                )

        return log

    Contract = apps.get_model("contracts", "Contract")
    log = logger("contract")
    for contract in Contract.objects.select_related("project").iterator():
        project = contract.project
        log(
            contract,
            project.pk,
            "draft",
            "sent",
            contract.sent_at,
            organisation_id=project.platform_id,
        )
        log(
            contract,
            project.pk,
            "sent",
            "signed",
            contract.signed_at,
            actor_id=contract.signed_by_id,
            organisation_id=project.producer_id,
        )
        log(
            contract,
            project.pk,
            "signed",
            "active",
            contract.countersigned_at,
            actor_id=contract.countersigned_by_id,
            organisation_id=project.platform_id,
        )
        if contract.status in ("completed", "terminated", "superseded"):
            before = (
                "active"
                if contract.countersigned_at
                else "signed"
                if contract.signed_at
                else "sent"
            )
            log(
                contract,
                project.pk,
                before,
                contract.status,
                contract.ended_at,
                reason=contract.end_reason,
                # Either side may terminate, and no field says which did.
                organisation_id=None if contract.status == "terminated" else project.platform_id,
            )

    Installment = apps.get_model("contracts", "Installment")
    log = logger("installment")
    for installment in Installment.objects.filter(status="paid").select_related("project"):
        log(
            installment,
            installment.project_id,
            "due",
            "paid",
            installment.paid_recorded_at,
            actor_id=installment.paid_recorded_by_id,
            organisation_id=installment.project.platform_id,
            reason=installment.payment_reference,
        )

    ResidualStatement = apps.get_model("contracts", "ResidualStatement")
    log = logger("residualstatement")
    for correction in ResidualStatement.objects.filter(corrects__isnull=False).select_related(
        "corrects", "project"
    ):
        log(
            correction.corrects,
            correction.project_id,
            "issued",
            "corrected",
            correction.issued_at,
            actor_id=correction.issued_by_id,
            organisation_id=correction.project.platform_id,
        )

    StatusChange.objects.bulk_create(rows, batch_size=1000)


def forget(apps, schema_editor):
    StatusChange = apps.get_model("workflow", "StatusChange")
    StatusChange.objects.filter(reconstructed=True, record_type__app_label="contracts").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("contracts", "0007_move_clearances_to_reviews"),
        ("workflow", "0010_status_change"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(reconstruct, forget)]
