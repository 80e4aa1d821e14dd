"""Episodes, release batches and test clips in the admin.

Scoped by ``audience.selectors.audience_projects_for`` (narrower than the workflow's project
scope: raters and regulators see none of it), and every change goes through
``audience.services.episodes``: a refusal is shown as a message, never a 500. The episode list has
an "Add a range of episodes" page (``episodes_bulk_create``); a batch's page lists its episodes
and can put a range of episodes in it; "Release now" is an action on the batch list.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.template import engines
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from audience.models import Episode, ReleaseBatch, TestClip
from audience.selectors import audience_projects_for
from audience.services import batches, clips
from audience.services import episodes as services
from common.errors import DomainError
from workflow.admin import SaveRefused, SavesThroughServices, add_refusal_errors, error_text
from workflow.admin.common import ReadOnlyInline, project_records

from .common import AudienceAdmin


def _projects_accepting(user, states):
    return audience_projects_for(user).filter(state__in=states).order_by("title")


class _EpisodesAdmin(SavesThroughServices, AudienceAdmin):
    """Saving through ``audience.services.episodes``; a refusal is a message."""

    list_select_related = ("project",)
    writable_states = services.EPISODE_STATES

    def has_add_permission(self, request):
        return self.has_module_permission(request)

    def has_change_permission(self, request, obj=None):
        if obj is None:
            return self.has_module_permission(request)
        return (
            services.can_manage_episodes(request.user, obj.project)
            and obj.project.state in self.writable_states
        )

    def has_delete_permission(self, request, obj=None):
        return self.has_change_permission(request, obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "project":
            kwargs["queryset"] = _projects_accepting(request.user, self.writable_states)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        return ("project",) if obj is not None else ()

    def _saved(self, obj, saved) -> None:
        # Let the admin's own steps (history entry, redirect) see what the service saved.
        for field in type(obj)._meta.concrete_fields:
            setattr(obj, field.attname, getattr(saved, field.attname))
        obj._state.adding = False
        obj._state.db = saved._state.db

    def _changed(self, form, names) -> dict:
        return {name: form.cleaned_data[name] for name in names if name in form.changed_data}

    def delete_view(self, request, object_id, extra_context=None):
        try:
            return super().delete_view(request, object_id, extra_context)
        except SaveRefused as refused:
            self.message_user(request, refused.message, messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())


# Episodes --------------------------------------------------------------------------------------


class ReleasedFilter(admin.SimpleListFilter):
    title = _("released")
    parameter_name = "released"

    def lookups(self, request, model_admin):
        return (("yes", _("Released")), ("no", _("Not yet released")))

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(batch__released_at__isnull=False)
        if self.value() == "no":
            return queryset.exclude(batch__released_at__isnull=False)
        return queryset


class EpisodeForm(forms.ModelForm):
    class Meta:
        model = Episode
        fields = ("project", "number", "title", "duration_seconds", "access", "batch")


class EpisodeBulkForm(forms.Form):
    project = forms.ModelChoiceField(queryset=None, label=_("project"))
    first = forms.IntegerField(label=_("first episode"), min_value=1, max_value=32767, initial=1)
    last = forms.IntegerField(label=_("last episode"), min_value=1, max_value=32767)
    duration_seconds = forms.IntegerField(
        label=_("duration (seconds)"),
        min_value=1,
        max_value=86400,
        required=False,
        help_text=_("Each episode's; empty: the proposal's episode length."),
    )
    free_through = forms.IntegerField(
        label=_("free up to episode"),
        min_value=0,
        max_value=32767,
        required=False,
        help_text=_("Empty: the proposal's free episodes; 0: none free."),
    )
    access_after = forms.ChoiceField(
        label=_("access of the others"),
        choices=[("", _("Paid (free for a free, ad-supported drama)")), *Episode.Access.choices],
        required=False,
    )
    title_pattern = forms.CharField(
        label=_("titles"),
        max_length=200,
        required=False,
        help_text=_("With {number} for the episode number, e.g. “Episode {number}”."),
    )
    skip_existing = forms.BooleanField(
        label=_("Leave the episodes that already exist"),
        required=False,
        help_text=_("Unticked, a range with an existing episode adds nothing."),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = _projects_accepting(user, services.EPISODE_STATES)


FORM_PAGE = "admin/audience/form_page.html"


# The changelist with an "Add a range of episodes" button (a template object: no file to find).
CHANGE_LIST = engines["django"].from_string(
    """{% extends "admin/change_list.html" %}
{% block object-tools-items %}{{ block.super }}{% if episodes_bulk_url %}
<li><a href="{{ episodes_bulk_url }}" class="addlink">{{ episodes_bulk_label }}</a></li>
{% endif %}{% endblock %}"""
)


@admin.register(Episode)
class EpisodeAdmin(_EpisodesAdmin):
    form = EpisodeForm
    list_display = (
        "number",
        "project",
        "title",
        "duration_seconds",
        "access",
        "batch_display",
        "released_at_display",
    )
    list_display_links = ("number", "title")
    list_filter = (
        ("project", admin.RelatedOnlyFieldListFilter),
        ("batch__number", admin.AllValuesFieldListFilter),
        "access",
        ReleasedFilter,
    )
    list_select_related = ("project", "batch")
    search_fields = ("title", "project__title")
    ordering = ("project", "number")
    change_list_template = CHANGE_LIST

    def get_queryset(self, request):
        return Episode.objects.for_user(request.user).select_related("project", "batch")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "batch":
            kwargs["queryset"] = (
                ReleaseBatch.objects.for_user(request.user)
                .filter(released_at=None)
                .select_related("project")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description=_("release batch"), ordering="batch__number")
    def batch_display(self, obj):
        return self.get_empty_value_display() if obj.batch is None else obj.batch.number

    @admin.display(description=_("released at"), ordering="batch__released_at")
    def released_at_display(self, obj):
        if obj.batch is None or obj.batch.released_at is None:
            return self.get_empty_value_display()
        return obj.batch.released_at

    def save_model(self, request, obj, form, change):
        fields = ("number", "title", "duration_seconds", "access", "batch")
        try:
            if change:
                saved = services.episode_update(
                    episode=obj, actor=request.user, data=self._changed(form, fields)
                )
            else:
                data = {name: form.cleaned_data[name] for name in fields}
                saved = services.episode_create(
                    project=form.cleaned_data["project"], actor=request.user, **data
                )
        except (DomainError, ValidationError) as exc:
            raise SaveRefused(error_text(exc)) from exc
        self._saved(obj, saved)

    def delete_model(self, request, obj):
        try:
            services.episode_delete(episode=obj, actor=request.user)
        except (DomainError, ValidationError) as exc:
            raise SaveRefused(error_text(exc)) from exc

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {})}
        if self.has_add_permission(request):
            extra_context["episodes_bulk_url"] = reverse("admin:audience_episode_bulk")
            extra_context["episodes_bulk_label"] = _("Add a range of episodes")
        return super().changelist_view(request, extra_context=extra_context)

    def get_urls(self):
        return [
            path(
                "bulk/",
                self.admin_site.admin_view(self.bulk_view),
                name="audience_episode_bulk",
            ),
            *super().get_urls(),
        ]

    def bulk_view(self, request):
        if not self.has_add_permission(request):
            raise DjangoPermissionDenied
        form = EpisodeBulkForm(request.POST or None, user=request.user)
        if request.method == "POST" and form.is_valid():
            data = dict(form.cleaned_data)
            data["access_after"] = data["access_after"] or None
            project = data.pop("project")
            try:
                created = services.episodes_bulk_create(project=project, actor=request.user, **data)
            except ValidationError as exc:
                for name, errors in exc.message_dict.items():
                    form.add_error(name if name in form.fields else None, errors)
            except DomainError as exc:
                add_refusal_errors(form, exc)
            else:
                self.message_user(
                    request,
                    _("Added %(count)d episodes to %(project)s.")
                    % {"count": len(created), "project": project},
                    messages.SUCCESS,
                )
                url = reverse("admin:audience_episode_changelist")
                return HttpResponseRedirect(f"{url}?project__id__exact={project.pk}")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Add a range of episodes"),
            "form": form,
            "submit_label": _("Add the episodes"),
        }
        return TemplateResponse(request, FORM_PAGE, context)


# Release batches -------------------------------------------------------------------------------


class BatchEpisodeInline(ReadOnlyInline):
    model = Episode
    fields = ("number", "title", "duration_seconds", "access")
    ordering = ("number",)
    verbose_name_plural = _("episodes in this batch")


class ReleaseBatchForm(forms.ModelForm):
    number = forms.IntegerField(
        label=_("batch"),
        min_value=1,
        max_value=32767,
        required=False,
        help_text=_("Empty: one after the project's last batch."),
    )
    assign_first = forms.IntegerField(
        label=_("put episodes from"), min_value=1, max_value=32767, required=False
    )
    assign_last = forms.IntegerField(
        label=_("to"),
        min_value=1,
        max_value=32767,
        required=False,
        help_text=_("Puts these episodes of the project in this batch (not once released)."),
    )

    class Meta:
        model = ReleaseBatch
        fields = ("project", "number", "note")

    def clean(self):
        data = super().clean()
        first, last = data.get("assign_first"), data.get("assign_last")
        if (first is None) != (last is None):
            raise ValidationError(_("Give both the first and the last episode."))
        if first is not None and last < first:
            self.add_error("assign_last", _("The last episode cannot come before the first."))
        return data

    def validate_unique(self):
        pass  # the service says which number is taken, and numbers an empty one


@admin.register(ReleaseBatch)
class ReleaseBatchAdmin(_EpisodesAdmin):
    form = ReleaseBatchForm
    list_display = ("__str__", "number", "released_at", "episode_range", "episode_total", "note")
    list_filter = (("project", admin.RelatedOnlyFieldListFilter),)
    search_fields = ("project__title", "note")
    ordering = ("project", "number")
    inlines = (BatchEpisodeInline,)
    actions = ("release_now",)

    def get_queryset(self, request):
        return (
            ReleaseBatch.objects.for_user(request.user)
            .with_episode_stats()
            .select_related("project")
        )

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else ()

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("project", "number", "note", "assign_first", "assign_last")
        if obj.released_at is not None:
            return ("project", "number", "released_at", "note")  # its episodes stay
        return ("project", "number", "released_at", "note", "assign_first", "assign_last")

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else ("project", "number", "released_at")

    @admin.display(description=_("episodes"), ordering="episode_total")
    def episode_total(self, obj):
        return obj.episode_total

    @admin.display(description=_("episode range"), ordering="first_episode")
    def episode_range(self, obj):
        if obj.first_episode is None:
            return self.get_empty_value_display()
        return f"{obj.first_episode}–{obj.last_episode}"

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        first, last = data.get("assign_first"), data.get("assign_last")
        numbers = list(range(first, last + 1)) if first is not None else []
        try:
            if change:
                saved = batches.release_batch_update(
                    batch=obj, actor=request.user, data=self._changed(form, ("note",))
                )
                if numbers:
                    saved = batches.release_batch_assign(
                        batch=saved, actor=request.user, episodes=numbers
                    )
            else:
                saved = batches.release_batch_create(
                    project=data["project"],
                    actor=request.user,
                    number=data.get("number"),
                    note=data.get("note", ""),
                    episodes=numbers,
                )
        except (DomainError, ValidationError) as exc:
            raise SaveRefused(error_text(exc)) from exc
        self._saved(obj, saved)

    def save_formset(self, request, form, formset, change):
        # The inline only shows the episodes: nothing of it is saved (what formset.save() would
        # record, for the admin's change message).
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []

    def delete_model(self, request, obj):
        try:
            batches.release_batch_delete(batch=obj, actor=request.user)
        except (DomainError, ValidationError) as exc:
            raise SaveRefused(error_text(exc)) from exc

    @admin.action(description=_("Release the selected batches now"))
    def release_now(self, request, queryset):
        for batch in queryset.order_by("project_id", "number"):
            try:
                batches.release_batch_release(batch=batch, actor=request.user)
            except (DomainError, ValidationError) as exc:
                self.message_user(request, f"{batch}: {error_text(exc)}", messages.ERROR)
            else:
                self.message_user(
                    request, _("%(batch)s: released.") % {"batch": batch}, messages.SUCCESS
                )


# Test clips ------------------------------------------------------------------------------------


class TestClipForm(forms.ModelForm):
    class Meta:
        model = TestClip
        fields = ("project", "code", "title", "duration_seconds", "released_at")

    def validate_unique(self):
        pass  # the service says which code is taken


@admin.register(TestClip)
class TestClipAdmin(_EpisodesAdmin):
    form = TestClipForm
    list_display = ("code", "project", "title", "duration_seconds", "released_at")
    list_filter = (("project", admin.RelatedOnlyFieldListFilter),)
    search_fields = ("code", "title", "project__title")
    ordering = ("project", "code")
    writable_states = clips.TEST_CLIP_STATES

    def get_queryset(self, request):
        return TestClip.objects.for_user(request.user).select_related("project")

    def save_model(self, request, obj, form, change):
        fields = ("code", "title", "duration_seconds", "released_at")
        try:
            if change:
                saved = clips.clip_update(
                    clip=obj, actor=request.user, data=self._changed(form, fields)
                )
            else:
                saved = clips.clip_create(
                    project=form.cleaned_data["project"],
                    actor=request.user,
                    **{name: form.cleaned_data[name] for name in fields},
                )
        except (DomainError, ValidationError) as exc:
            raise SaveRefused(error_text(exc)) from exc
        self._saved(obj, saved)

    def delete_model(self, request, obj):
        try:
            clips.clip_delete(clip=obj, actor=request.user)
        except (DomainError, ValidationError) as exc:
            raise SaveRefused(error_text(exc)) from exc


for label, changelist, order in (
    (_("Episodes"), "admin:audience_episode_changelist", 120),
    (_("Release batches"), "admin:audience_releasebatch_changelist", 121),
    (_("Test clips"), "admin:audience_testclip_changelist", 122),
):
    project_records(label, changelist, order=order)
