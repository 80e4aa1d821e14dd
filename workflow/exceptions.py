"""The project workflow's refusals (the base class and the generic 403 are ``common.errors``)."""

from django.utils.translation import gettext_lazy as _

from common.errors import DomainError


class TransitionNotAllowed(DomainError):
    """The transition does not leave from the project's current state."""

    status_code = 409
    code = "transition_not_allowed"
    default_detail = _("This transition is not allowed in the project's current state.")


class GuardsNotMet(DomainError):
    status_code = 409
    code = "conditions_not_met"
    default_detail = _("The transition's conditions are not met.")


class DecisionRequired(DomainError):
    """The transition is fired only by a recorded decision, through its own endpoint."""

    status_code = 409
    code = "decision_required"
    default_detail = _("This transition is made through a decision, not fired directly.")


class ConcurrentUpdate(DomainError):
    status_code = 409
    code = "concurrent_update"
    default_detail = _("Someone else changed this project at the same time; reload and retry.")


class ProjectLocked(DomainError):
    status_code = 409
    code = "project_locked"
    default_detail = _("The proposal can only be edited while it is a draft or being revised.")


class UnknownTransition(DomainError):
    status_code = 404
    code = "unknown_transition"
    default_detail = _("There is no such transition.")
