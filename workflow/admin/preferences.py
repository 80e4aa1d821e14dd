"""The "My settings" page, linked from every page's header: the person's time zone."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from workflow.models.preferences import time_zone_names
from workflow.preferences import time_zone_of, user_preference_update

# Offered first: where mdprod's users work.
COMMON_ZONES = ("Asia/Shanghai", "Asia/Hong_Kong", "Asia/Taipei", "Asia/Singapore", "UTC")


def _choices():
    rest = sorted(time_zone_names() - set(COMMON_ZONES))
    return [(name, name) for name in (*COMMON_ZONES, *rest)]


class MySettingsForm(forms.Form):
    time_zone = forms.ChoiceField(
        label=_("time zone"),
        choices=_choices,
        help_text=_("Every time is shown in this zone, labelled with it."),
    )


def _my_settings(request):
    current = time_zone_of(request.user)
    form = MySettingsForm(request.POST if request.method == "POST" else None)
    if request.method != "POST":
        form = MySettingsForm(initial={"time_zone": current})
    elif form.is_valid():
        try:
            user_preference_update(user=request.user, time_zone=form.cleaned_data["time_zone"])
        except ValidationError as exc:
            form.add_error("time_zone", exc.messages)
        else:
            messages.success(request, _("Your settings are saved."))
            return HttpResponseRedirect(reverse("my-settings"))
    context = {
        **admin.site.each_context(request),
        "title": _("My settings"),
        "form": form,
        "now": timezone.now(),
    }
    return TemplateResponse(request, "workflow/my_settings.html", context)


def my_settings_view(request, *args, **kwargs):
    """Signed-in members only, as every admin page."""
    return admin.site.admin_view(_my_settings)(request, *args, **kwargs)
