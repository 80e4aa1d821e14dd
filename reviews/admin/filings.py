"""Regulatory reviews in the admin: a scoped, read-only list, and the reviewer's decision form.

The decision goes through ``services.regulatory_review_decide``; a refusal is shown on the form.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError
from django.db.models import BooleanField, ExpressionWrapper, Q
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.template import engines
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from reviews.models import FeedbackItem, RegulatoryReview
from reviews.selectors.filings import regulatory_review_list_for, reviewer_authority_ids_of
from reviews.services import filings as services
from workflow.admin import ScopedModelAdmin, is_member
from workflow.exceptions import DomainError
from workflow.services import COMMENT_MAX_LENGTH

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
    }
    return HttpResponse(FORM_PAGE.render(context, request))


def add_errors(form: forms.Form, exc: Exception) -> None:
    """Put a service's refusal on the form: field messages where the form has the field."""
    if isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
        for field, messages_ in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, messages_)
    elif isinstance(exc, ValidationError):
        form.add_error(None, exc.messages)
    else:
        form.add_error(None, " ".join([exc.detail, *exc.reasons]))


def lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


class DecisionForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Outcome"), choices=services.Outcome.CHOICES, widget=forms.RadioSelect
    )
    filing_number = forms.CharField(
        label=_("Filing number"),
        required=False,
        max_length=services.FILING_NUMBER_MAX_LENGTH,
        help_text=_("Required to approve, e.g. 沪网剧备字（2025）第0417号."),
    )
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=COMMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required to reject. Shown to the producer and in the project's history."),
    )
    category = forms.ChoiceField(
        label=_("Category of the items"),
        choices=FeedbackItem.Category.choices,
        initial=FeedbackItem.Category.COMPLIANCE,
    )
    must_fix = forms.CharField(
        label=_("Must-fix items"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("To request changes: one item per line."),
    )
    suggestions = forms.CharField(
        label=_("Suggestions"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Optional: one suggestion per line."),
    )

    def items(self) -> list[dict]:
        category = self.cleaned_data["category"]
        return [
            {"text": text, "category": category, "severity": severity}
            for field, severity in (
                ("must_fix", FeedbackItem.Severity.MUST_FIX),
                ("suggestions", FeedbackItem.Severity.SUGGESTION),
            )
            for text in lines(self.cleaned_data[field])
        ]


@admin.register(RegulatoryReview)
class RegulatoryReviewAdmin(ScopedModelAdmin):
    list_display = (
        "project",
        "kind",
        "authority",
        "sequence",
        "round",
        "tier",
        "status",
        "filing_number",
        "decided_at",
        "decide_link",
    )
    list_filter = ("status", "kind", "tier", ("authority", admin.RelatedOnlyFieldListFilter))
    search_fields = ("project__title", "filing_number")
    list_select_related = ("project", "authority", "decided_by")
    show_full_result_count = False
    fields = (
        "project",
        "kind",
        "authority",
        "sequence",
        "round",
        "tier",
        "status",
        "filing_number",
        "comment",
        "decided_by_display",
        "decided_at",
        "decide_link",
        "created_at",
    )
    readonly_fields = fields

    def get_queryset(self, request):
        reviewer_of = reviewer_authority_ids_of(request.user)
        return regulatory_review_list_for(request.user).annotate(
            may_decide=ExpressionWrapper(
                Q(
                    kind=RegulatoryReview.Kind.PLANNING_FILING,
                    status=RegulatoryReview.Status.PENDING,
                    authority_id__in=reviewer_of,
                    waiting_for_earlier_step=False,
                ),
                output_field=BooleanField(),
            )
        )

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

    @admin.display(description=_("decided by"))
    def decided_by_display(self, obj):
        return obj.decided_by.get_username() if obj.decided_by else self.get_empty_value_display()

    @admin.display(description=_("decision"))
    def decide_link(self, obj):
        if not obj.may_decide:
            if obj.status == RegulatoryReview.Status.PENDING and obj.waiting_for_earlier_step:
                return _("waiting for the first check")
            return self.get_empty_value_display()
        url = reverse("admin:reviews_regulatoryreview_decide", args=[obj.pk])
        return format_html('<a class="button" href="{}">{}</a>', url, _("Decide"))

    def get_urls(self):
        return [
            path(
                "<path:object_id>/decide/",
                self.admin_site.admin_view(self.decide_view),
                name="reviews_regulatoryreview_decide",
            ),
            *super().get_urls(),
        ]

    def decide_view(self, request, object_id):
        obj = self.get_object(request, object_id)
        if obj is None:
            raise Http404(_("Not found."))
        if not services.is_reviewer_of(request.user, obj.authority_id):
            raise DjangoPermissionDenied
        form = DecisionForm(request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                services.regulatory_review_decide(
                    review=obj,
                    actor=request.user,
                    outcome=data["outcome"],
                    filing_number=data["filing_number"],
                    comment=data["comment"],
                    items=form.items(),
                )
            except (DomainError, ValidationError) as exc:
                add_errors(form, exc)
            else:
                self.message_user(request, _("Decision recorded."), messages.SUCCESS)
                return HttpResponseRedirect(
                    reverse("admin:reviews_regulatoryreview_change", args=[obj.pk])
                )
        return render_form_page(
            self,
            request,
            obj=obj,
            form=form,
            title=_("Decide the planning filing"),
            submit_label=_("Record the decision"),
            summary=[
                (_("project"), obj.project.title),
                (_("authority"), obj.authority.name),
                (_("tier"), obj.tier),
                (_("round"), obj.round),
            ],
        )
