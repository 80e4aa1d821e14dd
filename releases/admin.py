"""The release gate in the admin: one page per cleared project, with its actions.

The producer confirms the clearance number shown in the opening credits; the platform's content
manager schedules (or cancels) the release. Both go through ``releases.services``; a
refusal is shown on the form. Releasing by hand is the project's ``release`` transition.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.template import engines
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from common.clock import business_date
from common.errors import DomainError
from releases import services
from releases.models import Release
from releases.selectors import release_list_for
from reviews.models import CLEARANCE_KIND_FOR_TIER, Clearance
from workflow.admin import add_refusal_errors, state_badge
from workflow.admin.common import ReadOnlyScopedAdmin, project_records

FORM_PAGE = engines["django"].from_string(
    """{% extends "admin/base_site.html" %}
{% load i18n admin_urls static %}
{% block extrastyle %}{{ block.super }}<link rel="stylesheet" href="{% static "admin/css/forms.css" %}">{% endblock %}
{% block bodyclass %}{{ block.super }} app-{{ opts.app_label }} model-{{ opts.model_name }} change-form{% endblock %}
{% block breadcrumbs %}<div class="breadcrumbs">
<a href="{% url 'admin:index' %}">{% translate 'Home' %}</a>
&rsaquo; <a href="{% url opts|admin_urlname:'changelist' %}">{{ opts.verbose_name_plural|capfirst }}</a>
&rsaquo; <a href="{% url opts|admin_urlname:'change' original.pk|admin_urlquote %}">{{ original|truncatewords:"12" }}</a>
&rsaquo; {{ title }}</div>{% endblock %}
{% block content %}<div id="content-main">
<form method="post" novalidate>{% csrf_token %}
{% if form.non_field_errors %}<p class="errornote">{% for e in form.non_field_errors %}{{ e }} {% endfor %}</p>{% endif %}
<fieldset class="module aligned">
{% for field in form %}<div class="form-row{% if field.errors %} errors{% endif %}">{{ field.errors }}
<div class="flex-container">{{ field.label_tag }} {{ field }}</div>
{% if field.help_text %}<div class="help">{{ field.help_text }}</div>{% endif %}</div>{% endfor %}
</fieldset>
<div class="submit-row"><input type="submit" class="default" value="{{ submit_label }}">
<a href="{% url opts|admin_urlname:'change' original.pk|admin_urlquote %}" class="closelink">{% translate "Cancel" %}</a></div>
</form></div>{% endblock %}"""
)

ACTION_LABELS = {
    "confirm_credits": _("Confirm credits"),
    "schedule": _("Schedule release"),
    "unschedule": _("Cancel schedule"),
}


class ReleaseStateFilter(admin.SimpleListFilter):
    title = _("release")
    parameter_name = "release"

    def lookups(self, request, model_admin):
        return [("scheduled", _("Scheduled, not yet live")), ("released", _("Has gone live"))]

    def queryset(self, request, queryset):
        if self.value() == "scheduled":
            return queryset.filter(scheduled_for__isnull=False, released_at__isnull=True)
        if self.value() == "released":
            return queryset.filter(released_at__isnull=False)
        return queryset


class CreditsForm(forms.Form):
    clearance = forms.ModelChoiceField(
        queryset=Clearance.objects.none(),
        label=_("Clearance shown in the opening credits"),
        help_text=_("I confirm this number is shown in the opening credits of every episode."),
    )

    def __init__(self, *args, gate: Release, **kwargs):
        super().__init__(*args, **kwargs)
        kind = CLEARANCE_KIND_FOR_TIER.get(gate.project.review_tier)
        self.fields["clearance"].queryset = Clearance.objects.filter(
            project_id=gate.project_id, kind=kind
        ).order_by("-issued_at", "-id")


class ScheduleForm(forms.Form):
    on = forms.DateField(
        label=_("Release on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Today or later (China time)."),
    )
    cancel = forms.BooleanField(
        label=_("Cancel the scheduled release instead"), required=False, initial=False
    )

    def clean(self):
        data = super().clean()
        if not data.get("cancel") and not data.get("on") and "on" not in self.errors:
            self.add_error("on", _("Choose the release day."))
        return data


def add_errors(form: forms.Form, exc: Exception) -> None:
    """Put a service's refusal on the form (``workflow.admin.add_refusal_errors``)."""
    add_refusal_errors(form, exc)


@admin.register(Release)
class ReleaseAdmin(ReadOnlyScopedAdmin):
    list_display = (
        "project",
        "state_display",
        "clearance_number",
        "credits_confirmed_at",
        "scheduled_for",
        "released_at",
    )
    list_filter = (ReleaseStateFilter,)
    search_fields = ("project__title", "clearance__number")
    show_full_result_count = False
    fields = (
        "project",
        "state_display",
        "clearance_number",
        "credits_confirmed_by_display",
        "credits_confirmed_at",
        "scheduled_for",
        "scheduled_by_display",
        "released_at",
    )
    readonly_fields = fields

    def get_queryset(self, request):
        return release_list_for(request.user)

    @admin.display(description=_("state"), ordering="project__state")
    def state_display(self, obj):
        return state_badge(obj.project.state)

    @admin.display(description=_("clearance in the credits"))
    def clearance_number(self, obj):
        return obj.clearance.number if obj.clearance else self.get_empty_value_display()

    @admin.display(description=_("credits confirmed by"))
    def credits_confirmed_by_display(self, obj):
        user = obj.credits_confirmed_by
        return user.get_username() if user else self.get_empty_value_display()

    @admin.display(description=_("scheduled by"))
    def scheduled_by_display(self, obj):
        user = obj.scheduled_by
        return user.get_username() if user else self.get_empty_value_display()

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            names = [
                name
                for name in services.release_actions_for(obj, request.user)
                if name != "unschedule"  # the schedule form offers it
            ]
            context["release_actions"] = [
                {
                    "url": reverse(f"admin:releases_release_{name}", args=[obj.pk]),
                    "label": ACTION_LABELS[name],
                }
                for name in names
            ]
        return super().render_change_form(request, context, add, change, form_url, obj)

    def get_urls(self):
        return [
            path(
                "<path:object_id>/confirm-credits/",
                self.admin_site.admin_view(self.confirm_credits_view),
                name="releases_release_confirm_credits",
            ),
            path(
                "<path:object_id>/schedule/",
                self.admin_site.admin_view(self.schedule_view),
                name="releases_release_schedule",
            ),
            *super().get_urls(),
        ]

    def _gate(self, request, object_id, action: str) -> Release:
        gate = self.get_object(request, object_id)
        if gate is None:
            raise Http404(_("Not found."))
        if action not in services.release_actions_for(gate, request.user):
            raise DjangoPermissionDenied
        return gate

    def _page(self, request, gate, form, title, submit_label):
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": gate,
            "form": form,
            "title": title,
            "submit_label": submit_label,
        }
        return HttpResponse(FORM_PAGE.render(context, request))

    def _done(self, request, gate, message):
        self.message_user(request, message, messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:releases_release_change", args=[gate.pk]))

    def confirm_credits_view(self, request, object_id):
        gate = self._gate(request, object_id, "confirm_credits")
        form = CreditsForm(request.POST if request.method == "POST" else None, gate=gate)
        if request.method == "POST" and form.is_valid():
            try:
                services.credits_confirm(
                    project=gate.project,
                    actor=request.user,
                    clearance=form.cleaned_data["clearance"],
                )
            except (DomainError, ValidationError) as exc:
                add_errors(form, exc)
            else:
                return self._done(request, gate, _("Opening credits confirmed."))
        return self._page(request, gate, form, _("Confirm the opening credits"), _("Confirm"))

    def schedule_view(self, request, object_id):
        gate = self._gate(request, object_id, "schedule")
        initial = {"on": gate.scheduled_for or business_date()}
        form = ScheduleForm(request.POST if request.method == "POST" else None, initial=initial)
        if request.method == "POST" and form.is_valid():
            cancel = form.cleaned_data.get("cancel")
            try:
                if cancel:
                    services.release_unschedule(project=gate.project, actor=request.user)
                else:
                    services.release_schedule(
                        project=gate.project, actor=request.user, on=form.cleaned_data["on"]
                    )
            except (DomainError, ValidationError) as exc:
                add_errors(form, exc)
            else:
                message = (
                    _("The scheduled release is cancelled.")
                    if cancel
                    else _("Release scheduled for %(date)s.")
                    % {"date": form.cleaned_data["on"].isoformat()}
                )
                return self._done(request, gate, message)
        return self._page(request, gate, form, _("Schedule the release"), _("Save"))


project_records(_("Release"), "admin:releases_release_changelist", order=90)
