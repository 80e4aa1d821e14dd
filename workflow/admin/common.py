"""The workspace in the admin: producers, platforms and regulators each see their own slice.

Every queryset and every choice is scoped to the user's organisations (``selectors``), and every
change to a project goes through ``services``: the admin holds no business rule of its own. Objects
outside the user's scope are "not found" (404), as in the API.
"""

import html
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.contrib import admin, messages
from django.contrib.admin.utils import label_for_field, lookup_field
from django.core.exceptions import NON_FIELD_ERRORS, ObjectDoesNotExist, ValidationError
from django.db import transaction
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, strip_tags
from django.utils.translation import gettext_lazy as _

from common.errors import DomainError
from common.formats import local_datetime  # noqa: F401  (the project page and sections use it)
from common.spreadsheets import csv_text
from workflow.models import (
    Membership,
    Project,
    ProjectState,
)
from workflow.selectors import organisations_of
from workflow.visibility import memberships_of

S = ProjectState

# Colour of each state's badge: grey drafting, blue under review, amber back with the producer,
# teal in the making, green cleared or live, red stopped.
STATE_COLOURS = {
    S.DRAFT: "#6b7280",
    S.SUBMITTED: "#2563eb",
    S.REVISING: "#b45309",
    S.GREENLIT: "#0f766e",
    S.IN_PRODUCTION: "#0f766e",
    S.CUT_REVIEW: "#2563eb",
    S.CUT_CHANGES: "#b45309",
    S.FINAL_REVIEW: "#2563eb",
    S.FINAL_CHANGES: "#b45309",
    S.CLEARED: "#15803d",
    S.RELEASED: "#166534",
    S.TAKEN_DOWN: "#c2410c",
    S.COMPLETED: "#374151",
    S.REJECTED: "#b91c1c",
    S.WITHDRAWN: "#4b5563",
}


def state_badge(state: str):
    return format_html(
        '<span class="mdprod-state mdprod-state-{}" style="display:inline-block;padding:1px 8px;'
        'border-radius:9px;background:{};color:#fff;font-weight:600;white-space:nowrap">{}</span>',
        state,
        STATE_COLOURS.get(state, "#6b7280"),
        S(state).label,
    )


def error_text(exc: Exception) -> str:
    """One line for a message: a domain error's detail and reasons, or a validation error's."""
    if isinstance(exc, DomainError):
        return " ".join([exc.detail, *exc.reasons])
    if isinstance(exc, ValidationError):
        return " ".join(str(message) for message in exc.messages)
    raise TypeError(exc)  # pragma: no cover


def transition_labels() -> dict[str, str]:
    field = Project._meta.get_field("state")
    return {t.name: str(t.custom.get("label", t.name)) for t in field.get_all_transitions(Project)}


def is_member(user) -> bool:
    return user.is_active and (user.is_superuser or bool(memberships_of(user)))


def administered_organisation_ids(user) -> list[int]:
    return [o.pk for o in organisations_of(user, role=Membership.Role.ORG_ADMIN)]


class SaveRefused(Exception):
    """A service refused the change form's save; the admin re-shows the form with the reasons
    instead of a 500. Raise it ``from`` the service's error: its fields place the messages."""

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)

    @property
    def error(self) -> Exception:
        cause = self.__cause__
        return cause if isinstance(cause, DomainError | ValidationError) else self


def refusal_messages(exc: Exception) -> list[tuple[str | None, list[str]]]:
    """A service's refusal as (field name or None, messages) pairs: a validation error's fields
    as it names them, a domain error's detail without a field, and each of its reasons on the
    field it names (``common.errors.FieldReason``), if any."""
    if isinstance(exc, ValidationError):
        if hasattr(exc, "error_dict"):
            return [
                (None if name == NON_FIELD_ERRORS else name, [str(m) for m in ValidationError(e)])
                for name, e in exc.error_dict.items()
            ]
        return [(None, [str(message) for message in exc.messages])]
    if isinstance(exc, DomainError):
        pairs: list[tuple[str | None, list[str]]] = [(None, [exc.detail])]
        for reason in exc.reasons:
            pairs.append((getattr(reason, "field", None), [str(reason)]))
        return pairs
    return [(None, [str(getattr(exc, "message", exc))])]


def add_refusal_errors(form, exc: Exception) -> None:
    """Put a service's refusal on ``form``: each message next to the field it concerns, the
    others above the form. A form places the names the service uses that are not its fields
    with ``place_refusal(name, messages) -> [(field name or None, messages), ...]``."""
    place = getattr(form, "place_refusal", None)
    for name, texts in refusal_messages(exc):
        if name in form.fields or name is None or place is None:
            placed = [(name, texts)]
        else:
            placed = place(name, texts)
        for target, messages_ in placed:
            form.add_error(target if target in form.fields else None, messages_)


class RefusedForm:
    """Mixed into the admin's form class on the second pass of a refused save: the form, bound
    to what was typed, carries the service's reasons, so it is invalid and is shown again."""

    refusal: Exception

    def _post_clean(self):
        super()._post_clean()
        add_refusal_errors(self, self.refusal)


class ScopedModelAdmin(admin.ModelAdmin):
    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        # Django redirects to the index with "doesn't exist"; mdprod answers 404 everywhere for
        # an object outside the user's scope, whether it exists or not.
        raise Http404(_("Not found."))


class SavesThroughServices:
    """For a model admin whose ``save_model`` (or ``response_change``) calls a service that may
    refuse (raising ``SaveRefused``): nothing of the save is kept (the admin's view is one
    transaction), and the form is shown again with what was typed and each reason next to its
    field, not a 500 and not a blank form."""

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except SaveRefused as refused:
            if request.method != "POST" or hasattr(request, "_mdprod_refusal"):
                self.message_user(request, refused.message, messages.ERROR)
                return HttpResponseRedirect(request.get_full_path())
            # Again, from the same POST: the form is bound to what was typed and invalid with
            # the reasons, so the admin renders it instead of saving.
            request._mdprod_refusal = refused.error
            return super().changeform_view(request, object_id, form_url, extra_context)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        refusal = getattr(request, "_mdprod_refusal", None)
        if refusal is None:
            return form
        return type(form.__name__, (RefusedForm, form), {"refusal": refusal})


class DeletesThroughServices:
    """For a model admin whose ``delete_model`` / ``delete_queryset`` call a service that may
    refuse (raising ``SaveRefused``): the refusal is an error message on the page, and nothing
    of the deletion is kept, its admin log entries included (the changelist's "delete selected"
    action runs in one transaction, as Django's delete page already does)."""

    def delete_view(self, request, object_id, extra_context=None):
        try:
            return super().delete_view(request, object_id, extra_context)
        except SaveRefused as refused:
            self.message_user(request, refused.message, messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def changelist_view(self, request, extra_context=None):
        try:
            with transaction.atomic():
                return super().changelist_view(request, extra_context)
        except SaveRefused as refused:
            self.message_user(request, refused.message, messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())


class ReadOnlyInline(admin.TabularInline):
    """The rows of a record shown on its (scoped) page: any member who may open the page sees
    them; nobody adds, changes or deletes them here. Set ``model`` and ``fields``."""

    extra = 0
    can_delete = False

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    def has_view_permission(self, request, obj=None):
        return is_member(request.user)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyScopedAdmin(ScopedModelAdmin):
    """A record pages only show: any member may look (the queryset does the scoping); nobody
    adds, changes or deletes here."""

    def has_module_permission(self, request):
        return is_member(request.user)

    def has_view_permission(self, request, obj=None):
        return is_member(request.user)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# The records other apps keep about a project (budget, reviews, clearances...), linked from the
# project page. Apps register theirs from their admin modules: workflow does not import them.


@dataclass(frozen=True)
class ProjectRecords:
    label: object
    changelist: str  # the admin URL name of the records' list; it is filtered by project
    order: int


_project_records: list[ProjectRecords] = []


def project_records(label, changelist: str, *, order: int) -> None:
    """List the records of ``changelist`` (a model with a ``project`` foreign key) on the page of
    every project, as a link to that list filtered to the project."""
    if all(r.changelist != changelist for r in _project_records):
        _project_records.append(ProjectRecords(label, changelist, order))


def project_record_links(project) -> list[tuple[object, str]]:
    return [
        (record.label, f"{reverse(record.changelist)}?project__id__exact={project.pk}")
        for record in sorted(_project_records, key=lambda r: r.order)
    ]


# Sections other apps add to the project page (budget lines, open feedback...), registered from
# their admin modules like the records above.


@dataclass(frozen=True)
class SectionTable:
    """A read-only table on the project page. Cells are text (escaped) or ``format_html`` output;
    ``empty`` is shown instead of a table without rows; ``link`` is a (label, url) under it."""

    columns: tuple
    rows: tuple
    empty: object = ""
    link: tuple | None = None
    numeric: tuple[int, ...] = ()  # indexes of the columns aligned right (amounts, counts)


@dataclass(frozen=True)
class ProjectSection:
    title: object
    render: Callable[..., SectionTable | None]  # (project, user) -> table, or None to leave out
    order: int


_project_sections: list[ProjectSection] = []


def project_section(title, render: Callable[..., SectionTable | None], *, order: int) -> None:
    """Show ``render(project, user)`` as a section of every project page (in ``order``); the
    callable returns None where the section does not apply or the user may not see it."""
    key = f"{render.__module__}.{render.__qualname__}"
    if all(f"{s.render.__module__}.{s.render.__qualname__}" != key for s in _project_sections):
        _project_sections.append(ProjectSection(title, render, order))


def project_page_sections(project, user) -> list[tuple[object, SectionTable]]:
    shown = []
    for section in sorted(_project_sections, key=lambda s: s.order):
        table = section.render(project, user)
        if table is not None:
            shown.append((section.title, table))
    return shown


# CSV export of a changelist: the columns it shows, as text a spreadsheet will not run.


class CSVExportMixin:
    """Adds the "Export as CSV" action: one row per selected object, with the changelist's
    columns (or ``csv_fields``), choices as their labels, times in local ISO form, and every
    cell made formula-safe (``common.spreadsheets``)."""

    csv_fields: tuple[str, ...] | None = None
    csv_filename: str | None = None

    def get_actions(self, request):
        actions = super().get_actions(request)
        if self.has_view_permission(request):
            action = CSVExportMixin.export_as_csv
            actions["export_as_csv"] = (
                action,
                "export_as_csv",
                action.short_description,
            )
        return actions

    def _csv_columns(self, request) -> list[str]:
        names = self.csv_fields or self.get_list_display(request)
        return [name for name in names if name != "action_checkbox"]

    def _csv_cell(self, name, obj):
        try:
            field, _attr, value = lookup_field(name, obj, self)
        except (AttributeError, ObjectDoesNotExist):
            return ""
        if field is not None and getattr(field, "flatchoices", None):
            value = dict(field.flatchoices).get(value, value)
        if isinstance(value, bool):
            return str(_("yes") if value else _("no"))
        if isinstance(value, datetime):
            return timezone.localtime(value).isoformat(timespec="seconds")
        if isinstance(value, date | Decimal | int | float) or value is None:
            return value
        # An admin column may be HTML (a badge, a link): the spreadsheet gets its text.
        return html.unescape(strip_tags(str(value))).strip()

    def export_as_csv(self, request, queryset):
        columns = self._csv_columns(request)
        header = [label_for_field(name, self.model, self) for name in columns]
        select = self.list_select_related
        if isinstance(select, list | tuple) and select:
            queryset = queryset.select_related(*select)
        rows = ([self._csv_cell(name, obj) for name in columns] for obj in queryset)
        filename = self.csv_filename or f"{self.opts.model_name}s.csv"
        response = HttpResponse(
            csv_text([str(label) for label in header], rows), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response

    export_as_csv.short_description = _("Export as CSV")
