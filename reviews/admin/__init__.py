from django.urls import reverse
from django.utils.html import format_html
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from reviews.models import FeedbackItem
from reviews.selectors.feedback import feedback_item_list_for
from reviews.services.feedback import ANSWERED_IN
from workflow.admin.common import SectionTable, project_records, project_section
from workflow.permissions import PRODUCER

from . import (  # noqa: F401  (registers the model admins)
    checklists,
    clearances,
    cuts,
    evaluations,
    feedback,
    filings,
    finals,
    rubrics,
    scorecards,
)

# Linked from each project's page, filtered to the project.
for label, changelist, order in (
    (_("Evaluations"), "admin:reviews_evaluation_changelist", 20),
    (_("Regulatory reviews"), "admin:reviews_regulatoryreview_changelist", 30),
    (_("Feedback and findings"), "admin:reviews_feedbackitem_changelist", 40),
    (_("Cut rounds"), "admin:reviews_cutsubmission_changelist", 50),
    (_("Compliance checklist"), "admin:reviews_checklistconfirmation_changelist", 60),
    (_("Finished-cut reviews"), "admin:reviews_finalreview_changelist", 70),
    (_("Clearances"), "admin:reviews_clearance_changelist", 80),
    (_("Losses"), "admin:reviews_projectloss_changelist", 120),
):
    project_records(label, changelist, order=order)


def _open_feedback_section(project, user):
    """The open feedback of the project's current round, each with its "answer" link for the
    producer while the project waits on the answers."""
    items = list(
        feedback_item_list_for(user)
        .filter(project=project, round=project.review_round, status=FeedbackItem.Status.OPEN)
        .order_by("severity", "id")
    )
    answering = PRODUCER(project, user)
    rows = []
    for item in items:
        answer = "—"
        if answering and project.state == ANSWERED_IN.get(item.stage):
            answer = format_html(
                '<a class="button" href="{}">{}</a>',
                reverse("admin:reviews_feedbackitem_respond", args=[item.pk]),
                _("Answer"),
            )
        rows.append(
            (
                item.get_severity_display(),
                item.get_stage_display(),
                Truncator(item.text).chars(160),
                item.episode if item.episode is not None else "—",
                item.timecode or "—",
                answer,
            )
        )
    changelist = reverse("admin:reviews_feedbackitem_changelist")
    return SectionTable(
        columns=(
            _("severity"),
            _("stage"),
            _("feedback"),
            _("episode"),
            _("timecode"),
            _("answer"),
        ),
        rows=tuple(rows),
        empty=_("No open feedback in this round."),
        link=(_("All feedback on this project"), f"{changelist}?project__id__exact={project.pk}"),
    )


project_section(_("Open feedback of this round"), _open_feedback_section, order=40)
