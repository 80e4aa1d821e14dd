"""Who sees which projects: the one rule, which upper apps narrow by role.

A producer company sees its own projects in every state; a platform sees the projects proposed to
it once first submitted (never a draft); a regulator sees the projects routed to it
(``workflow.routing``). A concept that only some roles read narrows it by role (``producer_roles``,
``platform_roles``) or leaves regulators out; nothing widens it. Every selector, permission check
and webhook audience asks ``project_scope_q`` (a filter on projects), ``user_sees_project`` (one
user, one project) or ``organisation_sees_project`` (a whole organisation, for webhooks).
Superusers see everything: ``project_scope_q`` leaves that to the caller, the object checks
answer True.

Narrower rules belong to the app that owns the concept (quiet mode hiding release metrics from
the writing team: ``audience.selectors.quiet``).
"""

import json
from collections.abc import Collection

from django.db import connection
from django.db.models import F, OuterRef, Q, Subquery
from django.db.models.functions import JSONObject

from .models import Membership, Organisation, Project
from .routing import is_routed_to, routed_projects_q

Kind = Organisation.Kind
# The roles that read a concept: None is every role of the organisation.
Roles = Collection[str] | None

_CACHE_ATTR = "_mdprod_memberships"


def memberships_of(user) -> list[Membership]:
    """The user's memberships with their organisations, read once per user object."""
    if user is None or not user.is_authenticated:
        return []
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is None:
        cached = list(Membership.objects.filter(user=user).select_related("organisation"))
        setattr(user, _CACHE_ATTR, cached)
    return cached


def _fields(model) -> list:
    return list(model._meta.concrete_fields)


def memberships_subquery(user_id: OuterRef | F) -> Subquery | None:
    """The user's memberships with their organisations as one JSON value, to read beside the
    credential that names the user (``workflow.tokens``, ``workflow.keys``): the request's
    authentication and its memberships in one query, read afresh on every request, so a changed
    membership shows on the next one. None off PostgreSQL (``memberships_of`` reads them then)."""
    if connection.vendor != "postgresql":
        return None
    from django.contrib.postgres.aggregates import JSONBAgg

    columns = {f.attname: F(f.attname) for f in _fields(Membership)}
    columns.update(
        {f"o_{f.attname}": F(f"organisation__{f.attname}") for f in _fields(Organisation)}
    )
    ordering = [
        F(name[1:]).desc() if name.startswith("-") else F(name)
        for name in Membership._meta.ordering
    ]
    rows = (
        Membership.objects.filter(user_id=user_id)
        .order_by()
        .values("user_id")
        .annotate(rows=JSONBAgg(JSONObject(**columns), order_by=ordering))
        .values("rows")
    )
    return Subquery(rows)


def _from_json(model, values: dict, prefix: str = ""):
    names, row = [], []
    for field in _fields(model):
        value = values[prefix + field.attname]
        names.append(field.attname)
        row.append(None if value is None else field.to_python(value))
    return model.from_db(Membership.objects.db, names, row)


def remember_memberships(user, rows: list[dict] | str | None) -> None:
    """Give ``user`` the memberships read with its credential (``memberships_subquery``), so
    ``memberships_of`` reads nothing more."""
    if isinstance(rows, str):  # read by plain SQL (``common.prepared``): the JSON text
        rows = json.loads(rows)
    memberships = []
    for values in rows or ():
        membership = _from_json(Membership, values)
        membership.organisation = _from_json(Organisation, values, "o_")
        memberships.append(membership)
    setattr(user, _CACHE_ATTR, memberships)


def platform_has_project(organisation_id: int, project: Project) -> bool:
    """The platform a project is proposed to has it once the proposal is first submitted."""
    return organisation_id == project.platform_id and project.submitted_at is not None


def project_scope_q(
    user,
    *,
    producer_roles: Roles = None,
    platform_roles: Roles = None,
    regulators: bool = True,
) -> Q:
    """The projects the user sees, as a filter on projects (nothing for no membership)."""
    q = Q(pk__in=[])
    for membership in memberships_of(user):
        organisation = membership.organisation
        if organisation.kind == Kind.PRODUCER:
            if producer_roles is None or membership.role in producer_roles:
                q |= Q(producer_id=organisation.pk)
        elif organisation.kind == Kind.PLATFORM:
            if platform_roles is None or membership.role in platform_roles:
                q |= Q(platform_id=organisation.pk, submitted_at__isnull=False)
        elif organisation.kind == Kind.REGULATOR and regulators:
            q |= routed_projects_q(organisation)
    return q


def through(q: Q, prefix: str) -> Q:
    """A filter on projects as a condition on a related project (``prefix``: ``"project__"``),
    a join rather than an ``IN`` subquery."""
    children = [
        through(child, prefix) if isinstance(child, Q) else (prefix + child[0], child[1])
        for child in q.children
    ]
    return Q(*children, _connector=q.connector, _negated=q.negated)


def organisation_sees_project(
    organisation: Organisation, project: Project, *, regulators: bool = True
) -> bool:
    """``project_scope_q`` for a whole organisation and one project (no query)."""
    if organisation.kind == Kind.PRODUCER:
        return project.producer_id == organisation.pk
    if organisation.kind == Kind.PLATFORM:
        return platform_has_project(organisation.pk, project)
    return regulators and is_routed_to(project, organisation)


def user_sees_project(
    user,
    project: Project,
    *,
    producer_roles: Roles = None,
    platform_roles: Roles = None,
    regulators: bool = True,
) -> bool:
    """``project_scope_q`` for one project: no query once the memberships are read."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    for membership in memberships_of(user):
        organisation = membership.organisation
        if organisation.kind == Kind.PRODUCER:
            roles = producer_roles
        elif organisation.kind == Kind.PLATFORM:
            roles = platform_roles
        elif regulators:
            roles = None
        else:
            continue
        if (roles is None or membership.role in roles) and organisation_sees_project(
            organisation, project
        ):
            return True
    return False
