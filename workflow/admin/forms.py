"""The project admin's forms: the proposal and the comment on a transition."""

import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from workflow import services
from workflow.models import (
    Project,
)


class ListField(forms.CharField):
    """A list edited as comma-separated text (ASCII or full-width commas)."""

    separators = re.compile(r"[,，、]")

    def prepare_value(self, value):
        if isinstance(value, list | tuple):
            return ", ".join(str(item) for item in value)
        return value

    def to_python(self, value):
        text = super().to_python(value)
        return [self.convert(item.strip()) for item in self.separators.split(text) if item.strip()]

    def convert(self, item: str):
        return item


class EpisodeListField(ListField):
    def convert(self, item: str):
        if not item.isdigit():
            raise ValidationError(
                _("“%(value)s” is not an episode number."), code="invalid", params={"value": item}
            )
        return int(item)


class ProjectForm(forms.ModelForm):
    genre_tags = ListField(
        label=_("Genre tags"),
        required=False,
        help_text=_("Separate the tags with commas, e.g. romance, urban, revenge."),
    )
    paywall_positions = EpisodeListField(
        label=_("Paywall positions"),
        required=False,
        help_text=_(
            "Episode numbers at which viewers must pay to go on, separated by commas, e.g. 11, 40."
        ),
    )

    class Meta:
        model = Project
        fields = (*services.PROPOSAL_FIELDS, "producer")


class TransitionCommentForm(forms.Form):
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=services.COMMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, required: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        comment = self.fields["comment"]
        if required:
            comment.required = True
            comment.label = _("Reason")
            comment.help_text = _("Required. The other side is told it; it is kept in the history.")
        else:
            comment.help_text = _("Optional. Kept in the project's history with the step you take.")
