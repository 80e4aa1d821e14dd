"""The board's filters (kept in the URL) and the selection its bulk actions take."""

from django import forms
from django.utils.translation import gettext_lazy as _

from workflow.models import ReviewTier
from workflow.selectors import platform_list

from .selectors import BoardFilters
from .services import MAX_PROJECTS


class BoardFilterForm(forms.Form):
    platform = forms.ModelChoiceField(
        label=_("Platform"),
        queryset=platform_list().order_by("name"),
        required=False,
        empty_label=_("All platforms"),
    )
    tier = forms.ChoiceField(
        label=_("Review tier"),
        choices=[("", _("All tiers")), *ReviewTier.choices],
        required=False,
    )
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)
    closed = forms.BooleanField(label=_("Show closed projects"), required=False)

    def filters(self) -> BoardFilters:
        """The valid filters; a value that is not one is left out (the form says why)."""
        data = self.cleaned_data if self.is_bound else {}
        if self.is_bound and self.errors:
            data = {name: value for name, value in data.items() if name not in self.errors}
        platform = data.get("platform")
        return BoardFilters(
            platform_id=platform.pk if platform else None,
            tier=data.get("tier") or "",
            overdue=bool(data.get("overdue")),
            closed=bool(data.get("closed")),
        )


class ProjectIdsField(forms.Field):
    """Ids of the selected cards (``project=1&project=2``), ASCII digits only."""

    widget = forms.MultipleHiddenInput
    default_error_messages = {
        "required": _("Select at least one project."),
        "invalid": _("Not a project id."),
    }

    def to_python(self, value):
        if not value:
            return []
        values = value if isinstance(value, list | tuple) else [value]
        if not all(isinstance(v, str) and v.isascii() and v.isdigit() for v in values):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return sorted({int(v) for v in values})


class SelectionForm(forms.Form):
    ACTIONS = (("export", _("Export CSV")), ("remind", _("Send a reminder")))

    action = forms.ChoiceField(choices=ACTIONS)
    project = ProjectIdsField()
    # The board's query string, to come back to the same filters.
    filters = forms.CharField(required=False, max_length=500)

    def clean_project(self):
        ids = self.cleaned_data["project"]
        if len(ids) > MAX_PROJECTS:
            raise forms.ValidationError(
                _("Select at most %(max)d projects at once."), params={"max": MAX_PROJECTS}
            )
        return ids
