"""The domain's error base: the API maps each to its HTTP status and code; the admin shows its
detail. Apps subclass it for their own refusals."""

from django.utils.translation import gettext_lazy as _


class FieldReason(str):
    """A refusal's reason that concerns one field of the input (``field``, its name): a form
    shows it next to that field, anything else reads it as the plain text it is."""

    field: str | None

    def __new__(cls, text, field: str | None = None):
        reason = super().__new__(cls, text)
        reason.field = field
        return reason


class DomainError(Exception):
    status_code = 400
    code = "invalid"
    default_detail = _("The request is not valid.")

    def __init__(self, detail=None, *, reasons: list[str] | None = None) -> None:
        self.detail = str(detail or self.default_detail)
        self.reasons = list(reasons or [])
        super().__init__(self.detail)


class PermissionDenied(DomainError):
    status_code = 403
    code = "permission_denied"
    default_detail = _("You do not have the role this action needs.")


class NotInScope(DomainError):
    """An id, in the path or in the body, that names nothing the caller may see: 404 wherever it
    appears, the same answer whether the object exists or not, so that it confirms nothing."""

    status_code = 404
    code = "not_found"

    def __init__(self, field: str | None = None) -> None:
        if field is None:
            super().__init__(_("Not found in your scope."))
        else:
            super().__init__(_("No such %(field)s in your scope.") % {"field": field})
        self.field = field
