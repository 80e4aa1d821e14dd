"""The admin's custom form pages (decide, respond, findings), kept with the code that uses them:
one small page template, putting a service's refusal on the form, one finding per line, and the
decision page of a review step."""

import re

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.template import engines
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from common.errors import DomainError
from workflow.admin.common import add_refusal_errors
from workflow.admin.proposal import proposal_panel

# One small page for the admin's custom forms (decide, respond), kept with the code that uses it.
FORM_PAGE = engines["django"].from_string(
    """{% extends "admin/base_site.html" %}
{% load i18n admin_urls static %}
{% block extrastyle %}{{ block.super }}<link rel="stylesheet" href="{% static "admin/css/forms.css" %}">{% endblock %}
{% block bodyclass %}{{ block.super }} app-{{ opts.app_label }} model-{{ opts.model_name }} change-form{% endblock %}
{% block breadcrumbs %}<div class="breadcrumbs">
<a href="{% url 'admin:index' %}">{% translate 'Home' %}</a>
&rsaquo; <a href="{% url opts|admin_urlname:'changelist' %}">{{ opts.verbose_name_plural|capfirst }}</a>
{% if original %}&rsaquo; <a href="{% url opts|admin_urlname:'change' original.pk|admin_urlquote %}">{{ original|truncatewords:"12" }}</a>{% endif %}
&rsaquo; {{ title }}</div>{% endblock %}
{% block content %}<div id="content-main">
{% if summary %}<ul class="mdprod-summary">{% for label, value in summary %}<li><strong>{{ label }}:</strong> {{ value }}</li>{% endfor %}</ul>{% endif %}
{{ proposal_panel }}
<form method="post" novalidate>{% csrf_token %}
{% if form.non_field_errors %}<p class="errornote">{% for e in form.non_field_errors %}{{ e }} {% endfor %}</p>{% endif %}
<fieldset class="module aligned">
{% for field in form %}<div class="form-row{% if field.errors %} errors{% endif %}">{{ field.errors }}
<div class="flex-container">{{ field.label_tag }} {{ field }}</div>
{% if field.help_text %}<div class="help">{{ field.help_text }}</div>{% endif %}</div>{% endfor %}
</fieldset>
<div class="submit-row"><input type="submit" class="default" value="{{ submit_label }}">
<a href="{% if original %}{% url opts|admin_urlname:'change' original.pk|admin_urlquote %}{% else %}{% url opts|admin_urlname:'changelist' %}{% endif %}" class="closelink">{% translate "Cancel" %}</a></div>
</form></div>{% endblock %}"""
)


def render_form_page(model_admin, request, *, obj, form, title, submit_label, summary=()):
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "original": obj,
        "form": form,
        "title": title,
        "submit_label": submit_label,
        "summary": summary,
        "proposal_panel": (
            proposal_panel(obj.project, request.user)
            if obj is not None and getattr(model_admin, "shows_proposal", False)
            else ""
        ),
    }
    return HttpResponse(FORM_PAGE.render(context, request))


def add_errors(form: forms.Form, exc: Exception) -> None:
    """Put a service's refusal on the form (``workflow.admin.add_refusal_errors``)."""
    add_refusal_errors(form, exc)


def lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


# "EP [MM:SS|HH:MM:SS] text": "12 01:05 Blur the logo." is a finding on episode 12 at 01:05,
# "12 Blur the logo." one on episode 12, "Blur the logo." a general one. Only 1-5 ASCII digits
# are an episode (not "²", not a 5,000-digit number: those stay in the text and the service
# says the episode is missing); a "|" before the text, as once typed, is dropped.
FINDING = re.compile(
    r"(?:(?P<episode>[0-9]{1,5})(?:\s+|$))?"
    r"(?:(?P<timecode>(?:[0-9]{1,2}:)?[0-5]?[0-9]:[0-5][0-9])(?:\s+|$))?"
    r"(?:\|\s*)?(?P<text>.*)",
    re.DOTALL,
)


def parse_finding(line: str) -> dict:
    """One typed finding as ``{"episode", "timecode", "text"}`` (episode None when not given);
    never raises, whatever the line."""
    match = FINDING.fullmatch((line or "").strip())
    return {
        "episode": int(match["episode"]) if match["episode"] else None,
        "timecode": match["timecode"] or "",
        "text": match["text"].strip(),
    }


class DecisionAdminMixin:
    """A decision page for each step of a review (``<pk>/decide/``, named
    ``<app>_<model>_decide``): 404 outside the list's scope, 403 unless the user decides the
    step, the service's refusal shown on the form, back to the step once recorded.

    Subclasses set ``decision_form`` and ``decision_title`` and implement ``may_decide``,
    ``decide`` (which calls the service) and ``decision_summary``.
    """

    decision_form: type[forms.Form]
    decision_title = _("Decide")
    shows_proposal = True  # the proposal panel above the form (workflow.admin.proposal)

    def may_decide(self, user, obj) -> bool:
        raise NotImplementedError

    def decide(self, obj, *, actor, form) -> None:
        raise NotImplementedError

    def decision_summary(self, obj) -> list[tuple]:
        return []

    def get_urls(self):
        opts = self.opts
        return [
            path(
                "<path:object_id>/decide/",
                self.admin_site.admin_view(self.decide_view),
                name=f"{opts.app_label}_{opts.model_name}_decide",
            ),
            *super().get_urls(),
        ]

    def decide_view(self, request, object_id):
        obj = self.get_object(request, object_id)
        if obj is None:
            raise Http404(_("Not found."))
        if not self.may_decide(request.user, obj):
            raise DjangoPermissionDenied
        form = self.decision_form(request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            try:
                self.decide(obj, actor=request.user, form=form)
            except (DomainError, ValidationError) as exc:
                add_errors(form, exc)
            else:
                self.message_user(request, _("Decision recorded."), messages.SUCCESS)
                opts = self.opts
                return HttpResponseRedirect(
                    reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
                )
        return render_form_page(
            self,
            request,
            obj=obj,
            form=form,
            title=self.decision_title,
            submit_label=_("Record the decision"),
            summary=self.decision_summary(obj),
        )
