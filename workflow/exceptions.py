"""Domain errors. The API maps each to its HTTP status; the admin shows its detail."""

from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    status_code = 400
    code = "invalid"
    default_detail = _("The request is not valid.")

    def __init__(self, detail=None, *, reasons: list[str] | None = None) -> None:
        self.detail = str(detail or self.default_detail)
        self.reasons = list(reasons or [])
        super().__init__(self.detail)


class TransitionNotAllowed(DomainError):
    """The transition does not leave from the project's current state."""

    status_code = 409
    code = "transition_not_allowed"
    default_detail = _("This transition is not allowed in the project's current state.")


class GuardsNotMet(DomainError):
    status_code = 409
    code = "conditions_not_met"
    default_detail = _("The transition's conditions are not met.")


class ConcurrentUpdate(DomainError):
    status_code = 409
    code = "concurrent_update"
    default_detail = _("Someone else changed this project at the same time; reload and retry.")


class ProjectLocked(DomainError):
    status_code = 409
    code = "project_locked"
    default_detail = _("The proposal can only be edited while it is a draft or being revised.")


class PermissionDenied(DomainError):
    status_code = 403
    code = "permission_denied"
    default_detail = _("You do not have the role this action needs.")


class UnknownTransition(DomainError):
    status_code = 404
    code = "unknown_transition"
    default_detail = _("There is no such transition.")
