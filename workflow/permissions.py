"""Who may fire a transition: predicates on (project, user).

Each predicate is also told which organisation the user acts for, so that the audit trail records
it. Memberships are read once per user object (see ``visibility.memberships_of``), so asking every
transition of a project costs no further queries.
"""

from collections.abc import Callable, Iterable

from django.utils.functional import Promise
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

Finder = Callable[..., object | None]


class Actor:
    def __init__(self, label: Promise | str, finder: Finder) -> None:
        self.label = label
        self._finder = finder

    def __call__(self, project, user) -> bool:
        return self.organisation_for(project, user) is not None

    def organisation_for(self, project, user):
        """The organisation the user acts for on this project in this role, or None."""
        if user is None or not user.is_authenticated:
            return None
        from .visibility import memberships_of

        return self._finder(project, memberships_of(user))

    def __or__(self, other: "Actor") -> "Actor":
        def either(project, memberships):
            return self._finder(project, memberships) or other._finder(project, memberships)

        return Actor(format_lazy(_("{a} or {b}"), a=self.label, b=other.label), either)


def _member_of(organisation_id: int, role: str, memberships: Iterable) -> object | None:
    for membership in memberships:
        if membership.organisation_id == organisation_id and membership.role == role:
            return membership.organisation
    return None


def _producer(project, memberships):
    return _member_of(project.producer_id, "producer", memberships)


def _content_manager(project, memberships):
    return _member_of(project.platform_id, "content_manager", memberships)


def _routed_regulator(project, memberships):
    from .routing import is_routed_to

    for membership in memberships:
        if membership.role == "regulator_reviewer" and is_routed_to(
            project, membership.organisation
        ):
            return membership.organisation
    return None


def _authority(project, memberships):
    """The finished-cut authority: the regulator for KEY and ORDINARY, the platform for OTHER."""
    if project.review_tier == "OTHER":
        # A special subject's joint review is the national administration's, also for OTHER.
        regulator = _routed_regulator(project, memberships) if project.special_subject else None
        return _content_manager(project, memberships) or regulator
    return _routed_regulator(project, memberships)


PRODUCER = Actor(_("a producer of the project's company"), _producer)
CONTENT_MANAGER = Actor(_("a content manager of the commissioning platform"), _content_manager)
REGULATOR = Actor(_("a reviewer of a regulator the project is routed to"), _routed_regulator)
CONTENT_MANAGER_OR_REGULATOR = CONTENT_MANAGER | REGULATOR
AUTHORITY = Actor(
    _("the finished-cut authority of the project's tier (regulator, or the platform for OTHER)"),
    _authority,
)
