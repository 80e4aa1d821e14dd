"""The domain's error base: the API maps each to its HTTP status and code; the admin shows its
detail. Apps subclass it for their own refusals."""

from django.utils.translation import gettext_lazy as _


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
