"""Release metrics in the admin: a read-only scoped list, and a CSV upload for content managers.

The upload runs ``audience.services.metrics_csv.episode_metrics_import_csv`` (the command's
service) as the signed-in user, so it accepts rows only of projects their platform commissioned, and shows
the row-numbered errors on the page.
"""

import csv
import io

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.template import engines
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from audience.models.metrics import EpisodeMetric
from audience.selectors import metrics as selectors
from audience.services import metrics as services
from audience.services.metrics_csv import episode_metrics_import_csv
from workflow.admin import ScopedModelAdmin, is_member
from workflow.admin.common import project_records
from workflow.models import Membership, Organisation
from workflow.visibility import memberships_of

ERRORS_SHOWN = 200

IMPORT_PAGE = engines["django"].from_string(
    """{% extends "admin/base_site.html" %}
{% load i18n admin_urls static %}
{% block extrastyle %}{{ block.super }}<link rel="stylesheet" href="{% static "admin/css/forms.css" %}">{% endblock %}
{% block bodyclass %}{{ block.super }} app-{{ opts.app_label }} model-{{ opts.model_name }} change-form{% endblock %}
{% block breadcrumbs %}<div class="breadcrumbs">
<a href="{% url 'admin:index' %}">{% translate 'Home' %}</a>
&rsaquo; <a href="{% url opts|admin_urlname:'changelist' %}">{{ opts.verbose_name_plural|capfirst }}</a>
&rsaquo; {{ title }}</div>{% endblock %}
{% block content %}<div id="content-main">
<p>{{ columns_help }}</p>
{% if report_lines %}<ul class="mdprod-summary">{% for line in report_lines %}<li>{{ line }}</li>{% endfor %}</ul>{% endif %}
{% if row_errors %}<p class="errornote">{{ errors_title }}</p>
<ul class="mdprod-row-errors">{% for error in row_errors %}<li>{{ error }}</li>{% endfor %}</ul>
{% if more_errors %}<p>{{ more_errors }}</p>{% endif %}{% endif %}
<form method="post" enctype="multipart/form-data" novalidate>{% csrf_token %}
{% if form.non_field_errors %}<p class="errornote">{% for e in form.non_field_errors %}{{ e }} {% endfor %}</p>{% endif %}
<fieldset class="module aligned">
{% for field in form %}<div class="form-row{% if field.errors %} errors{% endif %}">{{ field.errors }}
<div class="flex-container">{{ field.label_tag }} {{ field }}</div>
{% if field.help_text %}<div class="help">{{ field.help_text }}</div>{% endif %}</div>{% endfor %}
</fieldset>
<div class="submit-row"><input type="submit" class="default" value="{{ submit_label }}"></div>
</form></div>{% endblock %}"""
)


def reads_metrics(user) -> bool:
    return user.is_active and (user.is_superuser or any(_reader_memberships(user)))


def _reader_memberships(user):
    for membership in memberships_of(user):
        kind = membership.organisation.kind
        if (
            kind == Organisation.Kind.PRODUCER and membership.role in selectors.PRODUCER_READERS
        ) or (kind == Organisation.Kind.PLATFORM and membership.role in selectors.PLATFORM_READERS):
            yield membership


def sends_metrics(user) -> bool:
    return user.is_active and (
        user.is_superuser
        or any(
            m.role == Membership.Role.CONTENT_MANAGER
            and m.organisation.kind == Organisation.Kind.PLATFORM
            for m in memberships_of(user)
        )
    )


def _percent(value) -> str:
    return "—" if value is None else f"{value * 100:.1f} %"


class MetricsImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_("UTF-8, comma-separated, with a header line naming the columns."),
    )
    skip_bad_rows = forms.BooleanField(
        label=_("Import the good rows and skip the bad ones"),
        required=False,
        help_text=_("Unticked, a file with any bad row imports nothing."),
    )


@admin.register(EpisodeMetric)
class EpisodeMetricAdmin(ScopedModelAdmin):
    list_display = (
        "project",
        "episode",
        "date",
        "plays",
        "valid_plays",
        "retention_3s_display",
        "retention_10s_display",
        "completion_display",
        "paid_unlocks",
        "paid_revenue",
        "ad_revenue",
    )
    list_filter = (("project", admin.RelatedOnlyFieldListFilter), "episode")
    list_select_related = ("project",)
    search_fields = ("project__title",)
    show_full_result_count = False
    change_list_template = "admin/audience/episodemetric/change_list.html"

    def get_queryset(self, request):
        return selectors.episode_metric_list_for(request.user)

    def has_module_permission(self, request):
        return is_member(request.user) and reads_metrics(request.user)

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("3 s retention"), ordering="retention_3s")
    def retention_3s_display(self, obj):
        return _percent(obj.retention_3s)

    @admin.display(description=_("10 s retention"), ordering="retention_10s")
    def retention_10s_display(self, obj):
        return _percent(obj.retention_10s)

    @admin.display(description=_("completion rate"), ordering="completion_rate")
    def completion_display(self, obj):
        return _percent(obj.completion_rate)

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {})}
        if sends_metrics(request.user):
            extra_context["metrics_import_url"] = reverse("admin:audience_episodemetric_import")
        return super().changelist_view(request, extra_context=extra_context)

    def get_urls(self):
        return [
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name="audience_episodemetric_import",
            ),
            *super().get_urls(),
        ]

    def import_view(self, request):
        if not sends_metrics(request.user):
            raise DjangoPermissionDenied
        form = MetricsImportForm(request.POST or None, request.FILES or None)
        report = None
        if request.method == "POST" and form.is_valid():
            report = self._import(request, form)
        return self._render(request, form, report)

    def _import(self, request, form) -> services.MetricsImportReport | None:
        upload = form.cleaned_data["file"]
        stream = io.TextIOWrapper(upload.file, encoding="utf-8-sig", newline="")
        try:
            report = episode_metrics_import_csv(
                stream=stream,
                actor=request.user,
                skip_bad_rows=form.cleaned_data["skip_bad_rows"],
            )
        except ValidationError as exc:
            form.add_error("file", " ".join(exc.messages))
            return None
        except (UnicodeDecodeError, csv.Error):
            form.add_error("file", _("This is not a UTF-8 CSV file."))
            return None
        finally:
            stream.detach()
        if report.imported and not report.bad_rows:
            level, text = messages.SUCCESS, _("Imported %(rows)d rows.")
        elif report.imported:
            level, text = (
                messages.WARNING,
                _("Imported %(good)d rows; skipped %(bad)d bad rows (see below)."),
            )
        else:
            level, text = (
                messages.ERROR,
                _("Nothing was imported: %(bad)d of %(rows)d rows are bad (see below)."),
            )
        self.message_user(
            request,
            text % {"rows": report.rows_read, "good": report.good_rows, "bad": report.bad_rows},
            level,
        )
        return report

    def _render(self, request, form, report) -> HttpResponse:
        report_lines, row_errors, more = [], [], ""
        if report is not None:
            report_lines = [
                _("Rows read: %(n)d") % {"n": report.rows_read},
                _("New episode-days: %(n)d") % {"n": report.created},
                _("Replaced episode-days: %(n)d") % {"n": report.updated},
                _("Bad rows: %(n)d") % {"n": report.bad_rows},
            ]
            row_errors = [str(error) for error in report.errors[:ERRORS_SHOWN]]
            if report.error_count > len(row_errors):
                more = _("… and %(n)d more errors.") % {"n": report.error_count - len(row_errors)}
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Import release metrics"),
            "form": form,
            "submit_label": _("Import"),
            "columns_help": _(
                "Columns: %(columns)s. Rates as fractions (0.452) or percentages "
                "(45.2%%); dates as YYYY-MM-DD; a day sent again replaces it."
            )
            % {"columns": ", ".join(services.COLUMNS)},
            "report_lines": report_lines,
            "errors_title": _("Bad rows (row = line in the file; the header is line 1):"),
            "row_errors": row_errors,
            "more_errors": more,
        }
        return HttpResponse(IMPORT_PAGE.render(context, request))


project_records(_("Release metrics"), "admin:audience_episodemetric_changelist", order=100)
