"""The proposal as the people who judge it see it: a compact read-only panel on the rater's
scorecard, the content manager's evaluation and every regulator decision page.

One helper for every page (``proposal_panel``). The pages that show it are scoped already (an
object outside the user's scope is a 404 before the panel is built); the documents listed are
the ones the user may open, as the app that keeps them decides (``contracts`` registers its
source here: workflow does not import it). Nothing about scores is shown: blind scoring holds.
"""

from collections.abc import Callable

from django.template.loader import render_to_string
from django.urls import reverse

from common.money import cny

# (project, user) -> [(label, url), ...]: the documents of the project the user may open.
DocumentSource = Callable[..., list[tuple[str, str]]]
_document_sources: list[DocumentSource] = []


def proposal_documents(source: DocumentSource) -> DocumentSource:
    """Register a source of the documents listed on the panel (used as a decorator)."""
    key = f"{source.__module__}.{source.__qualname__}"
    if all(f"{s.__module__}.{s.__qualname__}" != key for s in _document_sources):
        _document_sources.append(source)
    return source


def proposal_context(project, user) -> dict:
    documents = [link for source in _document_sources for link in source(project, user)]
    return {
        "project": project,
        "project_url": reverse("admin:workflow_project_change", args=[project.pk]),
        "budget": cny(project.planned_budget),
        "genre_tags": ", ".join(str(tag) for tag in project.genre_tags or ()),
        "paywall_positions": ", ".join(str(p) for p in project.paywall_positions or ()),
        "documents": documents,
    }


def proposal_panel(project, user) -> str:
    """The panel's HTML (safe): title linked to the project page, the proposal, its documents."""
    return render_to_string("workflow/proposal_panel.html", proposal_context(project, user))


class ShowsProposalMixin:
    """A model admin whose change page shows the proposal panel above the form; set
    ``proposal_of(obj)`` to the object's project."""

    change_form_template = "workflow/change_form_with_proposal.html"

    def proposal_of(self, obj):
        return obj.project

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            context["proposal_panel"] = proposal_panel(self.proposal_of(obj), request.user)
        return super().render_change_form(request, context, add, change, form_url, obj)
