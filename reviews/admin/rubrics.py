"""Rubrics: a platform's content managers and admins publish new versions; nobody edits one in
place, since evaluations keep the version they opened with."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from common.errors import DomainError
from reviews.models import Criterion, Rubric
from reviews.services import rubrics as services
from workflow.admin import ScopedModelAdmin, error_text, is_member
from workflow.models import Organisation
from workflow.selectors import organisations_of


class CriterionInline(admin.TabularInline):
    model = Criterion
    fields = ("position", "name_display", "description_display", "weight")
    readonly_fields = fields

    @admin.display(description=_("name"))
    def name_display(self, obj):
        return obj.display_name

    @admin.display(description=_("description"))
    def description_display(self, obj):
        return obj.display_description

    extra = 0
    can_delete = False

    def has_view_permission(self, request, obj=None):
        return True  # the rubric page itself is scoped

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class PublishForm(forms.Form):
    platform = forms.ModelChoiceField(queryset=Organisation.objects.none(), label=_("Platform"))
    name = forms.CharField(label=_("Name"), max_length=200)
    criteria = forms.CharField(
        label=_("Criteria"),
        widget=forms.Textarea(attrs={"rows": 8, "cols": 80}),
        help_text=_(
            "One criterion per line: name | weight | description. "
            "E.g. “Hook and pacing | 1.5 | Does episode 1 hook within seconds?”"
        ),
    )

    def clean_criteria(self):
        criteria = []
        for number, line in enumerate(self.cleaned_data["criteria"].splitlines(), start=1):
            if not line.strip():
                continue
            parts = [part.strip() for part in line.split("|")]
            if len(parts) < 2:
                raise ValidationError(
                    _("Line %(n)d: write name | weight | description."), params={"n": number}
                )
            criteria.append(
                {"name": parts[0], "weight": parts[1], "description": " | ".join(parts[2:])}
            )
        return criteria


def _managed_platforms(user):
    return [
        o
        for o in organisations_of(user, kind=Organisation.Kind.PLATFORM)
        if services.may_manage_rubrics(user, o)
    ]


@admin.register(Rubric)
class RubricAdmin(ScopedModelAdmin):
    list_display = ("name_display", "version", "platform", "is_active", "created_at")
    list_filter = ("is_active",)
    list_select_related = ("platform",)
    fields = ("platform", "name_display", "version", "is_active", "created_at")
    readonly_fields = fields

    @admin.display(description=_("name"), ordering="name")
    def name_display(self, obj):
        return obj.display_name

    inlines = [CriterionInline]

    def get_queryset(self, request):
        queryset = super().get_queryset(request).select_related("platform")
        if request.user.is_superuser:
            return queryset
        platforms = [o.pk for o in organisations_of(request.user, kind=Organisation.Kind.PLATFORM)]
        return queryset.filter(platform_id__in=platforms)

    def has_module_permission(self, request):
        return is_member(request.user) and bool(
            request.user.is_superuser
            or organisations_of(request.user, kind=Organisation.Kind.PLATFORM)
        )

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_add_permission(self, request):
        return bool(_managed_platforms(request.user))

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def add_view(self, request, form_url="", extra_context=None):
        """Publishing a new version (the add page), through the service."""
        platforms = _managed_platforms(request.user)
        if not platforms:
            return super().add_view(request, form_url, extra_context)
        form = PublishForm(request.POST or None)
        form.fields["platform"].queryset = Organisation.objects.filter(
            pk__in=[p.pk for p in platforms]
        )
        if len(platforms) == 1:
            form.fields["platform"].initial = platforms[0].pk
        if request.method == "POST" and form.is_valid():
            try:
                rubric = services.rubric_publish(
                    platform=form.cleaned_data["platform"],
                    actor=request.user,
                    name=form.cleaned_data["name"],
                    criteria=form.cleaned_data["criteria"],
                )
            except (DomainError, ValidationError) as exc:
                self.message_user(request, error_text(exc), messages.ERROR)
            else:
                self.message_user(
                    request,
                    _("Version %(v)d published; new evaluations use it.") % {"v": rubric.version},
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(
                    reverse("admin:reviews_rubric_change", args=[rubric.pk])
                )
        context = {
            **self.admin_site.each_context(request),
            "title": _("Publish a new rubric version"),
            "opts": self.opts,
            "form": form,
        }
        return TemplateResponse(request, "admin/reviews/rubric/publish.html", context)
