"""Read paths for contracts, scoped to who may see them and which of their terms.

- The producer company's members and the commissioning platform's members (except its raters)
  see the project's contracts with every term.
- A regulator the project is routed to sees that a contract exists, its status, commissioning
  model, rights scope and term, but none of its money (``contract_financials_visible``).
- Raters see no contract at all; nor does anyone else.

The platform sees a project's contracts only once the project has been submitted to it, as it
sees the project itself.
"""

from django.db.models import Q, QuerySet

from contracts.models import Contract
from workflow.models import Membership, Project
from workflow.permissions import CONTENT_MANAGER
from workflow.visibility import project_scope_q, user_sees_project

OPEN_STATUSES = (
    Contract.Status.DRAFT,
    Contract.Status.SENT,
    Contract.Status.SIGNED,
    Contract.Status.ACTIVE,
)


# Members of the two parties see the terms; a platform's raters do not see contracts.
PARTY_PLATFORM_ROLES = frozenset(Membership.Role) - {Membership.Role.RATER}


def contract_project_scope_q(user) -> Q:
    """The projects whose contracts the user may see (a filter on projects)."""
    return project_scope_q(user, platform_roles=PARTY_PLATFORM_ROLES)


def contract_list_for(user) -> QuerySet[Contract]:
    """Every version of the contracts the user may see, with their project and signatories.

    Regulators are in this list too: serialise with ``contract_financials_visible`` to hide the
    money from them.
    """
    if user is not None and user.is_superuser:
        queryset = Contract.objects.all()
    else:
        visible = Project.objects.filter(contract_project_scope_q(user)).values("pk")
        queryset = Contract.objects.filter(project__in=visible)
    return queryset.select_related(
        "project",
        "project__producer",
        "project__platform",
        "created_by",
        "signed_by",
        "countersigned_by",
        "supersedes",
    ).order_by("project_id", "-version")


def contract_financials_visible(user, contract: Contract) -> bool:
    """Whether the user may see the contract's money: fee, investment, residuals, budget, traffic.

    Only the two parties (the producer company; the platform, not its raters) may. Costs no query
    once the user's memberships are read (``memberships_of`` caches them on the user).
    """
    return user_sees_project(
        user, contract.project, platform_roles=PARTY_PLATFORM_ROLES, regulators=False
    )


# What the user may do with a contract now (for pages and buttons) --------------------------


ACTIONS = ("send", "sign", "countersign", "complete", "terminate", "decline", "revise")


def contract_actions_for(contract: Contract, user) -> list[str]:
    """The lifecycle actions the user could take on the contract now (for pages and buttons)."""
    names = []
    for name in ACTIONS:
        method = getattr(contract, "supersede" if name == "revise" else name)
        meta = method._django_fsm
        if meta.has_transition(contract.status) and meta.get_transition(contract.status).has_perm(
            contract, user
        ):
            names.append(name)
    return names


def contract_editable(contract: Contract, user) -> bool:
    return (
        contract.status == Contract.Status.DRAFT
        and contract.project.submitted_at is not None
        and CONTENT_MANAGER(contract.project, user)
    )
