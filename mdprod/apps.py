from django.contrib.admin.apps import AdminConfig


class MdprodAdminConfig(AdminConfig):
    default_site = "mdprod.admin_site.MdprodAdminSite"
