from django.contrib import admin
from django.utils.translation import gettext_lazy as _


class MdprodAdminSite(admin.AdminSite):
    """The producers' and platforms' workspace.

    Anyone who belongs to an organisation may sign in; what each page shows is scoped by the
    model admins, so staff status is not what grants access here.
    """

    site_header = _("mdprod: micro-drama production")
    site_title = _("mdprod")
    index_title = _("Workspace")

    def has_permission(self, request):
        user = request.user
        if not user.is_active:
            return False
        if user.is_staff:
            return True
        from workflow.selectors import memberships_of

        return bool(memberships_of(user))
