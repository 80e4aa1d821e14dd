from django.utils.translation import gettext_lazy as _

from workflow.admin.common import project_records

from . import cuts, evaluations, feedback, filings, finals, rubrics  # noqa: F401  (registers the model admins)

# Linked from each project's page, filtered to the project.
for label, changelist, order in (
    (_("Evaluations"), "admin:reviews_evaluation_changelist", 20),
    (_("Regulatory reviews"), "admin:reviews_regulatoryreview_changelist", 30),
    (_("Feedback and findings"), "admin:reviews_feedbackitem_changelist", 40),
    (_("Cut rounds"), "admin:reviews_cutsubmission_changelist", 50),
    (_("Compliance checklist"), "admin:reviews_checklistconfirmation_changelist", 60),
    (_("Finished-cut reviews"), "admin:reviews_finalreview_changelist", 70),
    (_("Losses"), "admin:reviews_projectloss_changelist", 120),
):
    project_records(label, changelist, order=order)
