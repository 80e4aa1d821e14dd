"""Audience signals in the admin: the imports with their counts (and the CSV upload, as the
imports' "add" page), and a read-only list of the signals.

Scoped by ``audience.selectors.audience_projects_for``; the signals list also leaves out what
quiet mode hides from the writing team. The upload runs ``audience.services.signals`` as the
signed-in user and shows its row-numbered errors on the page.
"""

import csv
import io

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError
from django.http import HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from audience.models import AudienceSignal, SignalImport
from audience.selectors import audience_projects_for, is_writing_team
from audience.selectors.quiet import quiet_locks_for
from audience.services import signal_rows
from audience.services import signals as services
from common.errors import DomainError
from workflow.admin import error_text
from workflow.admin.common import project_records

from .common import AudienceAdmin, cite_url, on_a_writing_team, sees_audience

ERRORS_SHOWN = 200

FORM_PAGE = "admin/audience/form_page.html"


class SignalsImportForm(forms.Form):
    project = forms.ModelChoiceField(label=_("project"), queryset=None)
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_("UTF-8 (spreadsheet tools' “CSV UTF-8” too), with a header line."),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = audience_projects_for(user).order_by("title")


class _SignalsAdmin(AudienceAdmin):
    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(SignalImport)
class SignalImportAdmin(_SignalsAdmin):
    list_display = (
        "created_at",
        "project",
        "source",
        "filename",
        "imported_by",
        "rows",
        "duplicates",
        "automated",
        "redactions",
    )
    list_filter = (("project", admin.RelatedOnlyFieldListFilter), "source")
    list_select_related = ("project", "imported_by")
    fields = list_display
    readonly_fields = list_display

    def has_add_permission(self, request):
        # "Add" is the CSV upload: an import is only ever made by importing.
        return sees_audience(request.user)

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise DjangoPermissionDenied
        form = SignalsImportForm(request.POST or None, request.FILES or None, user=request.user)
        row_errors: list[str] = []
        if request.method == "POST" and form.is_valid():
            signal_import = self._import(request, form, row_errors)
            if signal_import is not None:
                return HttpResponseRedirect(
                    reverse("admin:audience_signalimport_change", args=[signal_import.pk])
                )
        return self._render(request, form, row_errors)

    def _import(self, request, form, row_errors: list[str]) -> SignalImport | None:
        upload = form.cleaned_data["file"]
        stream = io.TextIOWrapper(upload.file, encoding="utf-8-sig", newline="")
        try:
            signal_import = services.signals_import(
                project=form.cleaned_data["project"],
                rows=signal_rows.signals_csv_rows(stream),
                source=SignalImport.Source.CSV,
                filename=upload.name or "",
                user=request.user,
            )
        except services.SignalRowsInvalid as exc:
            row_errors += exc.messages[:ERRORS_SHOWN]
            self.message_user(
                request,
                _("Nothing was imported: %(n)d errors (see below).") % {"n": exc.error_count},
                messages.ERROR,
            )
            return None
        except (ValidationError, DomainError) as exc:
            form.add_error("file" if isinstance(exc, ValidationError) else None, error_text(exc))
            return None
        except (UnicodeDecodeError, csv.Error):
            form.add_error("file", _("This is not a UTF-8 CSV file."))
            return None
        finally:
            stream.detach()
        self.message_user(
            request,
            _(
                "Imported %(rows)d signals: %(duplicates)d exact duplicates, %(automated)d "
                "suspected automated, %(redactions)d redactions."
            )
            % {
                "rows": signal_import.rows,
                "duplicates": signal_import.duplicates,
                "automated": signal_import.automated,
                "redactions": signal_import.redactions,
            },
            messages.SUCCESS,
        )
        return signal_import

    def _render(self, request, form, row_errors) -> HttpResponse:
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Import audience signals"),
            "form": form,
            "submit_label": _("Import"),
            "intro": _(
                "Columns: %(columns)s. One of episode (its number) and clip (a test clip's "
                "code); posted_at like 2026-03-01 20:15 (China time). All rows or none."
            )
            % {"columns": ", ".join(signal_rows.COLUMNS)},
            "errors_title": _("Bad rows (row = line in the file; the header is line 1):"),
            "row_errors": row_errors,
        }
        return TemplateResponse(request, FORM_PAGE, context)


class FlaggedFilter(admin.SimpleListFilter):
    """Exact duplicates and suspected automated signals are left out unless asked for, as in
    the feedback views and the API."""

    title = _("flagged")
    parameter_name = "flagged"

    def lookups(self, request, model_admin):
        return (
            ("no", _("Not flagged")),
            ("all", _("All, flagged too")),
            ("duplicate", _("Exact duplicates")),
            ("automated", _("Suspected automated")),
        )

    def value(self):
        return super().value() or "no"

    def choices(self, changelist):
        for lookup, title in self.lookup_choices:
            yield {
                "selected": self.value() == lookup,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }

    def queryset(self, request, queryset):
        value = self.value()
        if value == "duplicate":
            return queryset.filter(is_duplicate=True)
        if value == "automated":
            return queryset.filter(is_automated=True)
        if value == "all":
            return queryset
        return queryset.filter(is_duplicate=False, is_automated=False)


@admin.register(AudienceSignal)
class AudienceSignalAdmin(_SignalsAdmin):
    list_display = (
        "posted_at",
        "project",
        "target",
        "platform",
        "kind",
        "short_text",
        "likes",
        "is_duplicate",
        "is_automated",
    )
    list_filter = (
        ("project", admin.RelatedOnlyFieldListFilter),
        "kind",
        "platform",
        FlaggedFilter,
    )
    list_select_related = ("project", "episode", "clip")
    search_fields = ("text",)
    fields = (
        "project",
        "episode",
        "clip",
        "platform",
        "kind",
        "posted_at",
        "offset_seconds",
        "text",
        "author_hash",
        "likes",
        "redactions",
        "is_duplicate",
        "is_automated",
        "source_import",
        "cited_by",
    )
    readonly_fields = fields
    actions = ("cite_in_revision",)

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        visible = quiet_locks_for(request.user).visible_q(
            project_field="project_id", episode_field="episode__number"
        )
        return queryset if visible is None else queryset.filter(visible)

    def has_add_permission(self, request):
        return False

    def lookup_allowed(self, lookup, value, request=None):
        # The feedback page links a term to the signals counted for it: ?terms__term=拖沓.
        return lookup == "terms__term" or super().lookup_allowed(lookup, value, request)

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not on_a_writing_team(request.user):
            actions.pop("cite_in_revision", None)
        return actions

    @admin.action(description=_("Cite the selected signals in a new revision"))
    def cite_in_revision(self, request, queryset):
        cited = list(queryset.order_by("pk").values_list("pk", "project_id"))
        if len({project for _pk, project in cited}) != 1:
            self.message_user(
                request, _("Choose signals of one project to cite together."), messages.ERROR
            )
            return None
        return HttpResponseRedirect(cite_url(cited[0][1], signals=[pk for pk, _p in cited]))

    @admin.display(description=_("episode or clip"))
    def target(self, obj):
        if obj.episode_id:
            return _("episode %(number)d") % {"number": obj.episode.number}
        return _("clip %(code)s") % {"code": obj.clip.code}

    @admin.display(description=_("text"))
    def short_text(self, obj):
        return Truncator(obj.text).chars(80)

    @admin.display(description=_("cited by revisions"))
    def cited_by(self, obj):
        from .revisions import cited_by_links

        links = cited_by_links(obj)
        url = getattr(obj, "cite_url", None)
        if url is None:
            return links
        return format_html('{}<br><a href="{}">{}</a>', links, url, _("Cite it in a new revision"))

    def get_object(self, request, object_id, from_field=None):
        signal = super().get_object(request, object_id, from_field)
        if signal is not None and is_writing_team(request.user, signal.project):
            signal.cite_url = cite_url(signal.project_id, signals=[signal.pk])
        return signal


project_records(_("Audience signals"), "admin:audience_audiencesignal_changelist", order=140)
project_records(_("Signal imports"), "admin:audience_signalimport_changelist", order=141)
