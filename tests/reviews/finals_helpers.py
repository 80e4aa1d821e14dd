"""Helpers for the finished-cut review tests: the checklist confirmed, a project in final review."""

from django.utils import timezone

from reviews.models import RegulatoryReview
from reviews.services import checklists, finals
from workflow import services

Review = RegulatoryReview


def year() -> int:
    return timezone.localdate().year


def registration(serial: str = "015", issuer: str = "沪") -> str:
    return f"（{issuer}）网剧备字（{year()}）第{serial}号"


def licence(serial: str = "001", issuer: str = "沪") -> str:
    return f"（{issuer}）网剧审字（{year()}）第{serial}号"


def confirm_checklist(project, actor, *, skip=()) -> None:
    for entry in checklists.applicable_checklists(project):
        for item in entry.items:
            if item.code not in skip:
                checklists.checklist_item_confirm(project=project, item=item, actor=actor)


def to_final_review(world, make_project, *, tier="ORDINARY", **fields):
    """A project whose cut the platform approved: in final review with round 1's steps open."""
    project = make_project("cut_review", tier=tier, **fields)
    producer = world.producer_a if project.producer == world.studio_a else world.producer_b
    confirm_checklist(project, producer)
    manager = (
        world.content_manager if project.platform == world.platform else world.other_content_manager
    )
    return services.project_transition(project=project, name="approve_cut", actor=manager)


def steps(project):
    return list(
        Review.objects.filter(project=project, kind=Review.Kind.FINAL_REVIEW)
        .order_by("round", "sequence", "pk")
        .values_list("authority__name", "sequence", "round", "status")
    )


def step_at(project, authority, status="pending"):
    return Review.objects.get(
        project=project, kind=Review.Kind.FINAL_REVIEW, authority=authority, status=status
    )


def decide(review, actor, outcome="approve", **kwargs):
    return finals.final_review_decide(review=review, actor=actor, outcome=outcome, **kwargs)
