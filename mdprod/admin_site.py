from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from workflow import lockout


def _is_member(user) -> bool:
    from workflow.visibility import memberships_of

    return bool(memberships_of(user))


class MemberAuthenticationForm(AdminAuthenticationForm):
    """The admin sign-in form, open to organisation members as well as staff.

    Django's admin form refuses anyone without ``is_staff``; here membership is what grants
    access (see ``MdprodAdminSite.has_permission``), so the form must agree with it.

    It also keeps the sign-in lockout (``workflow.lockout``): a refused attempt is answered
    before the password is checked (``retry_after`` tells the view to answer 429), a failure is
    counted with the check, and a success clears its count (axes, on ``user_logged_in``).
    """

    retry_after = 0

    def clean(self):
        username = self.cleaned_data.get("username") or ""
        password = self.cleaned_data.get("password")
        if not (username and password and self.request is not None):
            return super().clean()
        try:
            with lockout.sign_in_attempt(username, self.request):
                return super().clean()
        except lockout.LoginLocked as locked:
            self.retry_after = locked.wait
            raise ValidationError(locked.refusal.message(), code="login_locked") from locked

    def confirm_login_allowed(self, user):
        AuthenticationForm.confirm_login_allowed(self, user)
        if not (user.is_staff or _is_member(user)):
            raise ValidationError(
                self.error_messages["invalid_login"],
                code="invalid_login",
                params={"username": self.username_field.verbose_name},
            )


class MdprodAdminSite(admin.AdminSite):
    """The producers' and platforms' workspace.

    Anyone who belongs to an organisation may sign in; what each page shows is scoped by the
    model admins, so staff status is not what grants access here.
    """

    site_header = _("mdprod: micro-drama production")
    site_title = _("mdprod")
    index_title = _("Workspace")
    login_form = MemberAuthenticationForm

    def login(self, request, extra_context=None):
        # Without a ``next``, sign-in lands on the inbox (Django's admin would pick its index).
        if REDIRECT_FIELD_NAME not in request.GET and REDIRECT_FIELD_NAME not in request.POST:
            if request.method == "GET" and self.has_permission(request):
                return HttpResponseRedirect(reverse("inbox"))
            extra_context = {REDIRECT_FIELD_NAME: reverse("inbox"), **(extra_context or {})}
        response = super().login(request, extra_context)
        form = (getattr(response, "context_data", None) or {}).get("form")
        if retry_after := getattr(form, "retry_after", 0):
            response.status_code = 429
            response["Retry-After"] = str(retry_after)
        return response

    def has_permission(self, request):
        user = request.user
        if not user.is_active:
            return False
        if user.is_staff:
            return True
        return _is_member(user)
