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
from reviews.models import GRADED, Criterion, Rubric
from reviews.services import rubrics as services
from workflow.admin import ScopedModelAdmin, add_refusal_errors, is_member
from workflow.models import Membership, Organisation
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


QUORUM = {"min_value": 0, "max_value": services.MAX_QUORUM, "required": False}
SCORE = {"max_digits": 4, "decimal_places": 2, "required": False}


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

    # The rules of the version: prefilled with those in force, which a field left as it is keeps.
    quorum_content = forms.IntegerField(label=_("Content scorecards needed"), **QUORUM)
    quorum_business = forms.IntegerField(label=_("Business scorecards needed"), **QUORUM)
    quorum_marketing = forms.IntegerField(label=_("Marketing scorecards needed"), **QUORUM)
    disagreement_threshold = forms.DecimalField(
        label=_("Disagreement threshold"),
        **SCORE,
        help_text=_("Raters disagree when the spread of their weighted scores is above this."),
    )
    cutoff_S = forms.DecimalField(label=_("Lowest score for grade S"), **SCORE)
    cutoff_A = forms.DecimalField(label=_("Lowest score for grade A"), **SCORE)
    cutoff_B = forms.DecimalField(
        label=_("Lowest score for grade B"),
        **SCORE,
        help_text=_("Below grade B's score, the suggested grade is C."),
    )

    def prefill(self, rubric: Rubric | None) -> None:
        rules = services.rubric_rules(rubric)
        for function, needed in rules["quorum"].items():
            self.initial[f"quorum_{function}"] = needed
        self.initial["disagreement_threshold"] = rules["disagreement_threshold"]
        for grade, minimum in rules["grade_cutoffs"].items():
            self.initial[f"cutoff_{grade}"] = minimum

    def rules(self) -> dict:
        """The rules entered; one left blank is the previous version's (as in the API)."""
        data = self.cleaned_data
        quorum = {f: data[f"quorum_{f}"] for f in Membership.RaterFunction.values}
        cutoffs = {g: data[f"cutoff_{g}"] for g in GRADED}
        return {
            "quorum": None
            if all(n is None for n in quorum.values())
            else {f: n or 0 for f, n in quorum.items()},
            "disagreement_threshold": data["disagreement_threshold"],
            "grade_cutoffs": None
            if all(m is None for m in cutoffs.values())
            else {g: m for g, m in cutoffs.items() if m is not None},
        }

    def place_refusal(self, name: str, texts) -> list:
        """The service's names of the rules (``quorum.business``, ``grade_cutoffs.S``) and of
        the criteria (``criteria.0.weight``) as this form's fields (``add_refusal_errors``)."""
        field = name.replace("quorum.", "quorum_").replace("grade_cutoffs.", "cutoff_")
        if field not in self.fields:
            field = name.split(".")[0] if name.split(".")[0] in self.fields else None
        return [(field, texts)]

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
    fields = (
        "platform",
        "name_display",
        "version",
        "is_active",
        "created_at",
        "quorum_display",
        "disagreement_threshold",
        "grade_cutoffs_display",
    )
    readonly_fields = fields

    @admin.display(description=_("name"), ordering="name")
    def name_display(self, obj):
        return obj.display_name

    inlines = [CriterionInline]

    @admin.display(description=_("quorum"))
    def quorum_display(self, obj):
        return ", ".join(
            f"{label}: {obj.quorum.get(function, 0)}"
            for function, label in Membership.RaterFunction.choices
        )

    @admin.display(description=_("grade cut-offs"))
    def grade_cutoffs_display(self, obj):
        return ", ".join(f"{grade} ≥ {obj.grade_cutoffs[grade]}" for grade in GRADED)

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
        if request.method != "POST":
            form.prefill(Rubric.objects.filter(platform=platforms[0], is_active=True).first())
        if request.method == "POST" and form.is_valid():
            try:
                rubric = services.rubric_publish(
                    platform=form.cleaned_data["platform"],
                    actor=request.user,
                    name=form.cleaned_data["name"],
                    criteria=form.cleaned_data["criteria"],
                    **form.rules(),
                )
            except (DomainError, ValidationError) as exc:
                add_refusal_errors(form, exc)
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
