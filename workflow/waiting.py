"""Who a project waits on in each state: the party whose move comes next.

The inbox, the board and the charts all ask this, so it is answered once, here. It reads the
state and the review tier only (a finished cut of an OTHER-tier title is reviewed by the
platform itself, every other by a regulator); finer answers (which filing, which contract) are
the inbox's, from the records themselves.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from .models import ProjectState, ReviewTier


class Party(models.TextChoices):
    PRODUCER = "producer", _("Producer")
    PLATFORM = "platform", _("Platform")
    REGULATOR = "regulator", _("Regulator")
    NOBODY = "nobody", _("Nobody")


_BY_STATE = {
    ProjectState.DRAFT: Party.PRODUCER,
    ProjectState.SUBMITTED: Party.PLATFORM,
    ProjectState.REVISING: Party.PRODUCER,
    ProjectState.GREENLIT: Party.PRODUCER,
    ProjectState.IN_PRODUCTION: Party.PRODUCER,
    ProjectState.CUT_REVIEW: Party.PLATFORM,
    ProjectState.CUT_CHANGES: Party.PRODUCER,
    ProjectState.FINAL_REVIEW: Party.REGULATOR,
    ProjectState.FINAL_CHANGES: Party.PRODUCER,
    ProjectState.CLEARED: Party.PLATFORM,
    ProjectState.RELEASED: Party.NOBODY,
    ProjectState.TAKEN_DOWN: Party.REGULATOR,
    ProjectState.COMPLETED: Party.NOBODY,
    ProjectState.REJECTED: Party.NOBODY,
    ProjectState.WITHDRAWN: Party.NOBODY,
}


def waiting_on(state: str, tier: str = "") -> Party:
    """The party a project in ``state`` (of review ``tier``) waits on."""
    party = _BY_STATE[ProjectState(state)]
    if party == Party.REGULATOR and tier == ReviewTier.OTHER:
        return Party.PLATFORM
    return party
