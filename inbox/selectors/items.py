"""The kinds of work an inbox holds, the deadline kinds that time each, and the item itself."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from workflow.models import Deadline, DeadlineKind, Membership, Project, ProjectState

S = ProjectState
R = Membership.Role
DK = DeadlineKind

# A content manager is asked to decide an evaluation without quorum once its deadline is this
# close (or past).
DECIDE_WHEN_DUE_WITHIN = timedelta(days=2)


class Kind:
    """The kinds of work, each with its label (``KIND_LABELS``) and its place in a tie."""

    SCORE = "score"
    DECIDE = "decide"
    GREENLIGHT = "greenlight"
    FILING = "filing"
    FINAL_REVIEW = "final_review"
    CUT_REVIEW = "cut_review"
    SIGN = "sign"
    COUNTERSIGN = "countersign"
    PAY = "pay"
    MUST_FIX = "must_fix"
    SUBMIT = "submit"
    RESUBMIT = "resubmit"
    START_PRODUCTION = "start_production"
    SUBMIT_CUT = "submit_cut"
    RESUBMIT_CUT = "resubmit_cut"
    RESUBMIT_FINAL = "resubmit_final"
    RELEASE = "release"
    DEADLINE = "deadline"


KIND_LABELS = {
    Kind.SCORE: _("Proposal to score"),
    Kind.DECIDE: _("Evaluation to decide"),
    Kind.GREENLIGHT: _("Greenlight to give"),
    Kind.FILING: _("Planning filing to review"),
    Kind.FINAL_REVIEW: _("Finished cut to review"),
    Kind.CUT_REVIEW: _("Cut round to review"),
    Kind.SIGN: _("Contract to sign"),
    Kind.COUNTERSIGN: _("Contract to countersign"),
    Kind.PAY: _("Installment to pay"),
    Kind.MUST_FIX: _("Must-fix item to answer"),
    Kind.SUBMIT: _("Draft to submit"),
    Kind.RESUBMIT: _("Revision to resubmit"),
    Kind.START_PRODUCTION: _("Production to start"),
    Kind.SUBMIT_CUT: _("Cut to submit"),
    Kind.RESUBMIT_CUT: _("Cut changes to resubmit"),
    Kind.RESUBMIT_FINAL: _("Final changes to resubmit"),
    Kind.RELEASE: _("Release to make"),
    Kind.DEADLINE: pgettext_lazy("inbox kind", "Deadline"),
}
KINDS = tuple(KIND_LABELS)

# The deadline kinds that time each kind of work (the earliest open one of the project counts).
DUE_KINDS = {
    Kind.SCORE: (DK.EVALUATION,),
    Kind.DECIDE: (DK.EVALUATION,),
    Kind.GREENLIGHT: (DK.EVALUATION,),
    Kind.FILING: (DK.PLANNING_FILING,),
    Kind.FINAL_REVIEW: (DK.FINAL_REVIEW,),
    Kind.CUT_REVIEW: (DK.CUT_REVIEW,),
    Kind.PAY: (DK.INSTALLMENT_DUE,),
    Kind.MUST_FIX: (DK.PRODUCER_RESPONSE,),
    Kind.RESUBMIT: (DK.PRODUCER_RESPONSE,),
    Kind.RESUBMIT_CUT: (DK.PRODUCER_RESPONSE,),
    Kind.RESUBMIT_FINAL: (DK.PRODUCER_RESPONSE,),
    Kind.RELEASE: (DK.RELEASE_DATE,),
}

CLAIMED_KINDS = frozenset(kind for kinds in DUE_KINDS.values() for kind in kinds)

# The producer's own next move in each state, as the project page offers it.
PRODUCER_STATES = {
    S.DRAFT: Kind.SUBMIT,
    S.REVISING: Kind.RESUBMIT,
    S.GREENLIT: Kind.START_PRODUCTION,
    S.IN_PRODUCTION: Kind.SUBMIT_CUT,
    S.CUT_CHANGES: Kind.RESUBMIT_CUT,
    S.FINAL_CHANGES: Kind.RESUBMIT_FINAL,
}
PLATFORM_STATES = {S.CUT_REVIEW: Kind.CUT_REVIEW, S.CLEARED: Kind.RELEASE}
# Planning-filing steps each tier needs approved before a greenlight.
FILING_STEPS = {"KEY": 2, "ORDINARY": 1}


@dataclass
class InboxItem:
    kind: str
    project: Project
    title: str
    url: str
    due_at: datetime | None = None
    overdue: bool = False
    # A due time read from a deadline rather than the record: None, or the deadline.
    deadline: Deadline | None = None
    # For the evaluation to decide: whether quorum is reached (else it is here for its deadline).
    quorum_met: bool = True

    @property
    def kind_label(self) -> str:
        return str(KIND_LABELS[self.kind])

    @property
    def project_id(self) -> int:
        return self.project.pk

    @property
    def project_title(self) -> str:
        return self.project.title
