"""Read paths for documents: each kind is seen by whoever may see the object it belongs to.

- signed contracts are financial documents: the two parties of the contract only (the producer
  company's members, the platform's members except its raters), as ``contract_list_for`` /
  ``contract_financials_visible`` decide; never regulators or raters;
- clearance scans: whoever sees the clearance (``clearance_list_for``), regulators included;
- scripts and synopses: whoever sees the project (``project_list_for``), the platform's raters
  included (they rate the proposal from them).
"""

from django.db.models import Exists, OuterRef, Q, QuerySet

from contracts.models import Document
from contracts.selectors.agreements import (
    PARTY_PLATFORM_ROLES,
    contract_financials_visible,
    contract_list_for,
)
from reviews.selectors.clearances import clearance_list_for
from workflow.models import Project
from workflow.selectors import project_list_for
from workflow.visibility import project_scope_q

PROPOSAL_KINDS = (Document.Kind.SCRIPT, Document.Kind.SYNOPSIS)


def _party_projects_q(user) -> Q:
    """Projects of which the user belongs to a party: the producer company, or the platform in
    a role other than rater (once submitted to it)."""
    return project_scope_q(user, platform_roles=PARTY_PLATFORM_ROLES, regulators=False)


def superseded_q() -> Exists:
    """A later upload of the same kind for the same project and contract or clearance."""
    later = Q(uploaded_at__gt=OuterRef("uploaded_at")) | Q(
        uploaded_at=OuterRef("uploaded_at"), pk__gt=OuterRef("pk")
    )
    same_object = (
        Q(kind=Document.Kind.SIGNED_CONTRACT, contract_id=OuterRef("contract_id"))
        | Q(kind=Document.Kind.CLEARANCE_SCAN, clearance_id=OuterRef("clearance_id"))
        | Q(kind__in=PROPOSAL_KINDS)
    )
    return Exists(
        Document.objects.filter(
            later, same_object, project_id=OuterRef("project_id"), kind=OuterRef("kind")
        )
    )


def document_list_for(user) -> QuerySet[Document]:
    """The documents the user may see, newest first, with what a list shows in one query."""
    if user is not None and user.is_superuser:
        queryset = Document.objects.all()
    else:
        visible_projects = project_list_for(user).values("pk")
        clearances = clearance_list_for(user).values("pk")
        contracts = contract_list_for(user).values("pk")
        parties = Project.objects.filter(_party_projects_q(user)).values("pk")
        queryset = Document.objects.filter(
            Q(kind__in=PROPOSAL_KINDS, project__in=visible_projects)
            | Q(kind=Document.Kind.CLEARANCE_SCAN, clearance__in=clearances)
            | Q(
                kind=Document.Kind.SIGNED_CONTRACT,
                contract__in=contracts,
                project__in=parties,
            )
        )
    return (
        queryset.select_related("project", "contract__project", "clearance", "uploaded_by")
        .annotate(superseded=superseded_q())
        .order_by("-uploaded_at", "-id")
    )


def document_visible(user, document: Document) -> bool:
    """The per-object check the download repeats on top of the scoped queryset."""
    if document.kind == Document.Kind.SIGNED_CONTRACT:
        return contract_financials_visible(user, document.contract)
    return True
