"""The status log (workflow.StatusChange) from what the reviews already recorded: evaluations'
decisions, scorecards' submissions and regulatory reviews' decisions, with their times and
deciders. Marked reconstructed; changes no field kept (a superseded review, a closed evaluation)
are missing."""

from django.db import migrations

DECIDED_REVIEW = ("approved", "changes_requested", "rejected")


def reconstruct(apps, schema_editor):
    StatusChange = apps.get_model("workflow", "StatusChange")
    ContentType = apps.get_model("contenttypes", "ContentType")

    def record_type(model):
        return ContentType.objects.get_or_create(app_label="reviews", model=model)[0]

    rows = []
    Evaluation = apps.get_model("reviews", "Evaluation")
    evaluation_type = record_type("evaluation")
    for evaluation in Evaluation.objects.filter(decided_at__isnull=False).select_related("project"):
        rows.append(
            StatusChange(
                project_id=evaluation.project_id,
                record_type=evaluation_type,
                record_id=evaluation.pk,
                from_status="open",
                to_status="decided",
                actor_id=evaluation.decided_by_id,
                organisation_id=evaluation.project.platform_id,
                reason=evaluation.reason,
                reconstructed=True,
                created_at=evaluation.decided_at,
            )
        )
    Scorecard = apps.get_model("reviews", "Scorecard")
    scorecard_type = record_type("scorecard")
    for card in Scorecard.objects.filter(submitted_at__isnull=False).select_related(
        "evaluation__project"
    ):
        rows.append(
            StatusChange(
                project_id=card.evaluation.project_id,
                record_type=scorecard_type,
                record_id=card.pk,
                from_status="invited",
                to_status="submitted",
                actor_id=card.rater_id,
                organisation_id=card.evaluation.project.platform_id,
                reconstructed=True,
                created_at=card.submitted_at,
            )
        )
    RegulatoryReview = apps.get_model("reviews", "RegulatoryReview")
    review_type = record_type("regulatoryreview")
    for review in RegulatoryReview.objects.filter(
        decided_at__isnull=False, status__in=DECIDED_REVIEW
    ):
        rows.append(
            StatusChange(
                project_id=review.project_id,
                record_type=review_type,
                record_id=review.pk,
                from_status="pending",
                to_status=review.status,
                actor_id=review.decided_by_id,
                organisation_id=review.authority_id,
                reason=review.comment,
                reconstructed=True,
                created_at=review.decided_at,
            )
        )
    StatusChange.objects.bulk_create(rows, batch_size=1000)


def forget(apps, schema_editor):
    StatusChange = apps.get_model("workflow", "StatusChange")
    StatusChange.objects.filter(
        reconstructed=True,
        record_type__app_label="reviews",
        record_type__model__in=["evaluation", "scorecard", "regulatoryreview"],
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("reviews", "0006_move_clearances_from_contracts"),
        ("workflow", "0010_status_change"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(reconstruct, forget)]
