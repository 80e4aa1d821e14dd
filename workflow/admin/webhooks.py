"""Webhooks in the admin: an organisation admin subscribes the organisation, edits or switches a
subscription off and on, rotates its signing secret, reads the delivery log and redelivers.

Subscribing and rotating show the signing secret once, on the page that answers the form or
action; it is never put in a message (messages travel in a cookie) and never shown again.
Deleting a subscription keeps its delivery log.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from common.errors import DomainError
from workflow import webhooks
from workflow.models import Organisation, WebhookDelivery, WebhookEventType, WebhookSubscription

from .common import ScopedModelAdmin, add_refusal_errors, error_text


def _event_types_field(**kwargs) -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        label=_("Event types"),
        choices=WebhookEventType.choices,
        widget=forms.CheckboxSelectMultiple,
        **kwargs,
    )


def _service_error(form: forms.Form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict") and set(exc.error_dict) <= set(form.fields):
        form.add_error(None, exc)
    else:
        add_refusal_errors(form, exc)


class WebhookSubscribeForm(forms.Form):
    organisation = forms.ModelChoiceField(label=_("Organisation"), queryset=Organisation.objects)
    url = forms.CharField(
        label=_("URL"),
        max_length=webhooks.URL_MAX_LENGTH,
        help_text=_("An http or https address, without credentials."),
    )
    event_types = _event_types_field()

    def __init__(self, *args, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations
        if organisations.count() == 1:
            self.fields["organisation"].initial = organisations.first()


class WebhookSubscriptionChangeForm(forms.ModelForm):
    url = forms.CharField(
        label=_("URL"),
        max_length=webhooks.URL_MAX_LENGTH,
        help_text=_("An http or https address, without credentials."),
    )
    event_types = _event_types_field()

    class Meta:
        model = WebhookSubscription
        fields = ("url", "event_types", "is_active")

    def clean_url(self):
        try:
            return webhooks.clean_url(self.cleaned_data["url"])
        except ValidationError as exc:
            raise ValidationError(exc.message_dict["url"]) from exc

    def clean_event_types(self):
        try:
            return webhooks.clean_event_types(list(self.cleaned_data["event_types"]))
        except ValidationError as exc:
            raise ValidationError(exc.message_dict["event_types"]) from exc


class _ManagedByOrgAdmins:
    def has_module_permission(self, request):
        return webhooks.can_manage_webhooks(request.user)

    def has_view_permission(self, request, obj=None):
        return webhooks.can_manage_webhooks(request.user, self._organisation_of(obj))

    def _organisation_of(self, obj):
        return None


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(_ManagedByOrgAdmins, ScopedModelAdmin):
    form = WebhookSubscriptionChangeForm
    list_display = (
        "url",
        "organisation",
        "event_types_display",
        "is_active",
        "consecutive_failures",
        "disabled_reason",
        "created_at",
    )
    list_filter = ("is_active", ("organisation", admin.RelatedOnlyFieldListFilter))
    search_fields = ("url",)
    list_select_related = ("organisation",)
    show_full_result_count = False
    readonly_fields = (
        "organisation",
        "consecutive_failures",
        "disabled_reason",
        "created_by",
        "created_at",
    )
    fields = ("url", "event_types", "is_active", *readonly_fields)
    actions = ["enable", "disable", "rotate_secret"]
    subscribe_template = "admin/workflow/webhooksubscription/subscribe.html"
    rotated_template = "admin/workflow/webhooksubscription/rotated.html"

    def get_queryset(self, request):
        return webhooks.webhook_subscription_list_for(request.user)

    def _organisation_of(self, obj):
        return obj.organisation if obj else None

    def _administered(self, request):
        if request.user.is_superuser:
            return Organisation.objects.all()
        return Organisation.objects.filter(
            pk__in=[o.pk for o in webhooks.administered_organisations(request.user)]
        )

    def has_add_permission(self, request):
        return webhooks.can_manage_webhooks(request.user)

    def has_change_permission(self, request, obj=None):
        return webhooks.can_manage_webhooks(request.user, self._organisation_of(obj))

    def has_delete_permission(self, request, obj=None):
        return webhooks.can_manage_webhooks(request.user, self._organisation_of(obj))

    @admin.display(description=_("event types"))
    def event_types_display(self, obj):
        return ", ".join(obj.event_types)

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise DjangoPermissionDenied
        form = WebhookSubscribeForm(request.POST or None, organisations=self._administered(request))
        issued = None
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                issued = webhooks.webhook_subscribe(
                    actor=request.user,
                    organisation=data["organisation"],
                    url=data["url"],
                    event_types=data["event_types"],
                )
            except ValidationError as exc:
                _service_error(form, exc)
            except DomainError as exc:
                add_refusal_errors(form, exc)
            else:
                self.log_addition(request, issued, [{"added": {}}])
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Subscribed") if issued else _("Subscribe to webhooks"),
            "form": form,
            "issued": issued,
            **(extra_context or {}),
        }
        return TemplateResponse(request, self.subscribe_template, context)

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        try:
            webhooks.webhook_subscription_update(
                subscription=obj,
                actor=request.user,
                url=data["url"],
                event_types=data["event_types"],
                is_active=data["is_active"],
            )
        except (DomainError, ValidationError) as exc:
            self.message_user(request, error_text(exc), messages.ERROR)
        obj.refresh_from_db()

    def delete_model(self, request, obj):
        webhooks.webhook_subscription_delete(subscription=obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        for subscription in queryset:
            webhooks.webhook_subscription_delete(subscription=subscription, actor=request.user)

    def get_deleted_objects(self, objs, request):
        # The deliveries are kept (the service only marks the subscription deleted): list the
        # subscriptions alone on the confirmation page, not a cascade that does not happen.
        subscriptions = list(objs)
        return (
            [str(subscription) for subscription in subscriptions],
            {self.opts.verbose_name_plural: len(subscriptions)},
            set(),
            [],
        )

    @admin.action(description=_("Rotate the signing secret of selected subscriptions"))
    def rotate_secret(self, request, queryset):
        rotated = []
        for subscription in queryset:
            try:
                rotated.append(
                    webhooks.webhook_subscription_rotate_secret(
                        subscription=subscription, actor=request.user
                    )
                )
            except DomainError as exc:
                self.message_user(request, f"{subscription}: {error_text(exc)}", messages.ERROR)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("New signing secrets"),
            "rotated": rotated,
        }
        response = TemplateResponse(request, self.rotated_template, context)
        response["Cache-Control"] = "no-store"
        return response

    def _switch(self, request, queryset, *, on: bool) -> int:
        count = 0
        for subscription in queryset.filter(is_active=not on):
            try:
                webhooks.webhook_subscription_update(
                    subscription=subscription, actor=request.user, is_active=on
                )
            except DomainError as exc:
                self.message_user(request, f"{subscription}: {error_text(exc)}", messages.ERROR)
            else:
                count += 1
        return count

    @admin.action(description=_("Enable selected subscriptions (failures reset)"))
    def enable(self, request, queryset):
        count = self._switch(request, queryset, on=True)
        self.message_user(
            request,
            ngettext("%(n)d subscription enabled.", "%(n)d subscriptions enabled.", count)
            % {"n": count},
            messages.SUCCESS,
        )

    @admin.action(description=_("Disable selected subscriptions"))
    def disable(self, request, queryset):
        count = self._switch(request, queryset, on=False)
        self.message_user(
            request,
            ngettext("%(n)d subscription disabled.", "%(n)d subscriptions disabled.", count)
            % {"n": count},
            messages.SUCCESS,
        )


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(_ManagedByOrgAdmins, ScopedModelAdmin):
    list_display = (
        "event_type",
        "event_id",
        "subscription",
        "status",
        "attempts",
        "last_status_code",
        "last_error",
        "next_attempt_at",
        "delivered_at",
        "created_at",
    )
    list_filter = ("status", "event_type")
    search_fields = ("event_id",)
    list_select_related = ("subscription__organisation",)
    show_full_result_count = False
    fields = (
        "subscription",
        "event_type",
        "event_id",
        "status",
        "attempts",
        "last_status_code",
        "last_error",
        "last_attempt_at",
        "next_attempt_at",
        "delivered_at",
        "created_at",
        "payload",
    )
    readonly_fields = fields
    actions = ["redeliver"]

    def get_queryset(self, request):
        return webhooks.webhook_delivery_list_for(request.user)

    def _organisation_of(self, obj):
        return obj.subscription.organisation if obj else None

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False  # the log is written by the deliveries only

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Redeliver selected deliveries now"))
    def redeliver(self, request, queryset):
        count = 0
        for delivery in queryset:
            try:
                webhooks.webhook_delivery_redeliver(delivery=delivery, actor=request.user)
            except DomainError as exc:
                self.message_user(request, f"{delivery}: {error_text(exc)}", messages.ERROR)
            else:
                count += 1
        self.message_user(
            request,
            ngettext("%(n)d delivery queued again.", "%(n)d deliveries queued again.", count)
            % {"n": count},
            messages.SUCCESS,
        )
