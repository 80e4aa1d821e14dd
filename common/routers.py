"""The API's routers (apart from ``common.api``: DRF's settings import that module, and its
routers import DRF's settings)."""

from rest_framework.routers import DefaultRouter, SimpleRouter

ID_PATTERN = "[0-9]+"


class _IdLookup:
    """Detail routes match ASCII digits only. DRF's default matches any segment, and the
    database reads a full-width "１" as 1, so ``/projects/１/`` found project 1; now it is an
    unknown address (404), as any other id that is not one. A viewset looked up by something
    else sets its own ``lookup_value_regex``."""

    def get_lookup_regex(self, viewset, lookup_prefix=""):
        lookup_field = getattr(viewset, "lookup_field", "pk")
        kwarg = getattr(viewset, "lookup_url_kwarg", None) or lookup_field
        value = getattr(viewset, "lookup_value_regex", ID_PATTERN)
        return f"(?P<{lookup_prefix}{kwarg}>{value})"


class Router(_IdLookup, SimpleRouter):
    pass


class RootRouter(_IdLookup, DefaultRouter):
    """The router that also answers the API's root."""
