"""The revision log in the admin: the list, a revision's page (its evidence then and now, its
affected episodes and its outcome, all read-only) and the "record a revision" page.

Scoped by ``audience.selectors.audience_projects_for``: the producer's team records and reads, the
commissioning platform's content managers read, nobody else sees a revision (404). The log is
append-only: no change, no delete. Recording runs ``audience.services.revisions.revision_record``
as the signed-in user; its field messages are shown on the form.

The record page takes its initial values from the address (``?project=7&signals=12,15&terms=slow
&episodes=11-15``), so a signal's page can link to "cite it in a new revision"; the list takes
``?signal=<id>`` to show the revisions citing a signal.
"""

import re

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from audience.models import Revision
from audience.selectors import revisions as selectors
from audience.selectors.quiet import quiet_locks_for
from audience.services import revisions as services
from common.errors import DomainError
from workflow.admin import add_refusal_errors
from workflow.admin.common import project_records

from .common import AudienceAdmin, on_a_writing_team

WINDOWS = (7, 14, 28)
EXCERPT = 120
_RANGE = re.compile(r"^\s*(\d{1,5})\s*(?:-\s*(\d{1,5})\s*)?$")

FORM_PAGE = "admin/audience/form_page.html"


def parse_numbers(text: str, *, ranges: bool) -> list[int]:
    """``"11-13, 18"`` -> ``[11, 12, 13, 18]`` (ranges only where allowed)."""
    numbers: list[int] = []
    for part in filter(None, (p.strip() for p in re.split(r"[,，;\n]", text))):
        match = _RANGE.match(part)
        if match is None or (match[2] and not ranges):
            raise ValidationError(
                _("Enter numbers separated by commas%(ranges)s.")
                % {"ranges": _(", or ranges such as 11-15") if ranges else ""}
            )
        first, last = int(match[1]), int(match[2] or match[1])
        if last < first or last - first >= services.MAX_EPISODES:
            raise ValidationError(_("The range %(range)s is not valid.") % {"range": part})
        numbers.extend(range(first, last + 1))
    return numbers


def _signal_url(signal) -> str | None:
    try:
        return reverse("admin:audience_audiencesignal_change", args=[signal.pk])
    except NoReverseMatch:  # pragma: no cover - the signals admin registers it
        return None


class RevisionRecordForm(forms.Form):
    project = forms.ModelChoiceField(label=_("project"), queryset=None)
    kind = forms.ChoiceField(label=_("kind of change"), choices=Revision.Kind.choices)
    summary = forms.CharField(label=_("summary"), max_length=200)
    description = forms.CharField(label=_("description"), required=False, widget=forms.Textarea)
    episodes = forms.CharField(
        label=_("affected episodes"), help_text=_("Episode numbers or ranges, e.g. 11-15, 18.")
    )
    signals = forms.CharField(
        label=_("cited signals"),
        required=False,
        help_text=_("Ids of the project's signals, separated by commas."),
    )
    terms = forms.CharField(
        label=_("cited terms"),
        required=False,
        help_text=_("Terms the audience uses, separated by commas, e.g. 拖沓, slow."),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = (
            (
                selectors.writing_team_projects_for(user)
                if not user.is_superuser
                else selectors.audience_projects_for(user)
            )
            .exclude(state__in=services.CLOSED_STATES)
            .order_by("title")
        )

    def clean_episodes(self):
        return parse_numbers(self.cleaned_data["episodes"], ranges=True)

    def clean_signals(self):
        return parse_numbers(self.cleaned_data["signals"], ranges=False)

    def clean_terms(self):
        return [t.strip() for t in re.split(r"[,，\n]", self.cleaned_data["terms"]) if t.strip()]


class RevisionChangeList(ChangeList):
    """The page's revisions with the day their outcome became measurable: one more query."""

    def get_results(self, request):
        super().get_results(request)
        revisions = list(self.result_list)
        measurable = selectors.measurability(revisions)
        for revision in revisions:
            revision.measurable_on = measurable[revision.pk]


@admin.register(Revision)
class RevisionAdmin(AudienceAdmin):
    list_display = (
        "decided_at",
        "project",
        "kind",
        "summary",
        "affected_episodes",
        "evidence_count",
        "decided_by",
        "outcome_status",
    )
    list_display_links = ("decided_at", "summary")
    list_filter = (("project", admin.RelatedOnlyFieldListFilter), "kind")
    search_fields = ("summary", "description", "project__title")
    show_full_result_count = False
    date_hierarchy = None
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "project",
                    "kind",
                    "summary",
                    "description",
                    "affected_episodes",
                    "decided_by_name",
                    "decided_at",
                )
            },
        ),
        (_("Evidence"), {"fields": ("evidence_table",)}),
        (_("Outcome"), {"fields": ("outcome_section",)}),
    )
    readonly_fields = (
        "project",
        "kind",
        "summary",
        "description",
        "affected_episodes",
        "decided_by_name",
        "decided_at",
        "evidence_table",
        "outcome_section",
    )

    # Scope and permissions ---------------------------------------------------------------------

    def get_queryset(self, request):
        queryset = selectors.revision_list_for(request.user)
        signal = getattr(request, "_revisions_citing", None)
        if signal is not None:
            queryset = queryset.filter(evidence__signal_id=signal)
        return queryset

    def get_changelist(self, request, **kwargs):
        return RevisionChangeList

    def has_add_permission(self, request):
        return on_a_writing_team(request.user)

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        raw = request.GET.get("signal")
        if raw is not None:
            request.GET = request.GET.copy()
            del request.GET["signal"]
            request._revisions_citing = int(raw) if raw.isascii() and raw.isdigit() else 0
        return super().changelist_view(request, extra_context)

    def get_object(self, request, object_id, from_field=None):
        revision = super().get_object(request, object_id, from_field)
        if revision is not None:
            raw = request.GET.get("days", "")
            days = int(raw) if raw.isascii() and raw.isdigit() else selectors.DEFAULT_DAYS
            days = min(max(days, 1), selectors.MAX_DAYS)
            quiet = quiet_locks_for(request.user, project_ids=[revision.project_id])
            revision.evidence_now = selectors.evidence_then_and_now(revision, quiet=quiet)
            revision.outcome = selectors.revision_outcome(revision, days=days, quiet=quiet)
            revision.change_url = reverse("admin:audience_revision_change", args=[revision.pk])
        return revision

    # Columns and sections ----------------------------------------------------------------------

    @admin.display(description=_("affected episodes"))
    def affected_episodes(self, obj):
        return selectors.episode_ranges(selectors.episode_numbers(obj))

    @admin.display(description=_("decided by"))
    def decided_by_name(self, obj):
        return obj.decided_by.get_full_name() or obj.decided_by.get_username()

    @admin.display(description=_("evidence"))
    def evidence_count(self, obj):
        return len(obj.evidence.all())

    @admin.display(description=_("outcome"))
    def outcome_status(self, obj):
        day = getattr(obj, "measurable_on", None)
        if day is None:
            return _("not enough data yet")
        return _("measurable since %(day)s") % {"day": day.isoformat()}

    @admin.display(description=_("evidence then and now"))
    def evidence_table(self, obj):
        rows = []
        for item in obj.evidence_now:
            evidence = item.evidence
            if evidence.term:
                cited = format_html("<strong>{}</strong>", evidence.term)
                episode = "—"
                then = _("%(mentions)d mentions by %(authors)d people") % {
                    "mentions": evidence.mentions,
                    "authors": evidence.distinct_authors,
                }
                now = (
                    _("hidden by quiet mode")
                    if item.mentions_now is None
                    else _("%(mentions)d mentions by %(authors)d people")
                    % {"mentions": item.mentions_now, "authors": item.distinct_authors_now}
                )
            else:
                signal = evidence.signal
                text = (
                    _("hidden by quiet mode")
                    if item.hidden
                    else Truncator(signal.text).chars(EXCERPT)
                )
                url = _signal_url(signal)
                cited = (
                    format_html('<a href="{}">#{}</a> {}', url, signal.pk, text)
                    if url
                    else format_html("#{} {}", signal.pk, text)
                )
                episode = str(signal.episode.number) if signal.episode else _("test clip")
                then = _("%(likes)d likes") % {"likes": evidence.likes}
                now = (
                    _("hidden by quiet mode")
                    if item.likes_now is None
                    else _("%(likes)d likes") % {"likes": item.likes_now}
                )
            rows.append((cited, episode, then, now))
        if not rows:
            return "—"
        return format_html(
            '<table class="mdprod-evidence"><thead><tr><th>{}</th><th>{}</th><th>{}</th>'
            "<th>{}</th></tr></thead><tbody>{}</tbody></table>",
            _("cited"),
            _("episode"),
            _("then"),
            _("now"),
            format_html_join("", "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>", rows),
        )

    @admin.display(description=_("outcome"))
    def outcome_section(self, obj):
        outcome = obj.outcome
        windows = format_html_join(
            " · ",
            '<a href="{}?days={}">{}</a>',
            ((obj.change_url, days, _("first %(days)d days") % {"days": days}) for days in WINDOWS),
        )
        intro = format_html(
            "<p>{}</p><p>{}</p>",
            _(
                "Episodes %(affected)s against episodes %(baseline)s (as many episodes right "
                "before the first affected one), each over its first %(days)d days of metrics."
            )
            % {
                "affected": selectors.episode_ranges(outcome.affected_episodes),
                "baseline": selectors.episode_ranges(outcome.baseline_episodes) or "—",
                "days": outcome.days,
            },
            windows,
        )
        if not outcome.measurable:
            return format_html('{}<p class="mdprod-outcome-reason">{}</p>', intro, outcome.reason)
        rows = []
        for m in outcome.metrics:
            rate = m.metric == "completion_rate"
            if rate:
                baseline = f"{m.baseline * 100:.2f} %" if m.baseline is not None else "—"
                affected = f"{m.affected * 100:.2f} %" if m.affected is not None else "—"
                change = f"{m.change * 100:+.2f} pp" if m.change is not None else "—"
            else:
                baseline, affected, change = str(m.baseline), str(m.affected), f"{m.change:+}"
            percent = "—" if m.change_percent is None else f"{m.change_percent:+} %"
            label = m.label if not m.context else _("%(label)s (context)") % {"label": m.label}
            rows.append((label, baseline, affected, change, percent))
        return format_html(
            '{}<table class="mdprod-outcome"><thead><tr><th>{}</th><th>{}</th><th>{}</th>'
            "<th>{}</th><th>{}</th></tr></thead><tbody>{}</tbody></table>",
            intro,
            _("per episode"),
            _("baseline"),
            _("affected"),
            _("change"),
            _("change %"),
            format_html_join(
                "",
                '<tr><td>{}</td><td class="numeric">{}</td><td class="numeric">{}</td>'
                '<td class="numeric">{}</td><td class="numeric">{}</td></tr>',
                rows,
            ),
        )

    # Recording ---------------------------------------------------------------------------------

    def add_view(self, request, form_url="", extra_context=None):
        if not on_a_writing_team(request.user):
            raise DjangoPermissionDenied
        initial = {
            name: request.GET[name]
            for name in ("project", "kind", "episodes", "signals", "terms")
            if name in request.GET
        }
        form = RevisionRecordForm(request.POST or None, initial=initial, user=request.user)
        if request.method == "POST" and form.is_valid():
            revision = self._record(request, form)
            if revision is not None:
                self.message_user(
                    request,
                    _("The revision “%(summary)s” is recorded.") % {"summary": revision},
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(
                    reverse("admin:audience_revision_change", args=[revision.pk])
                )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Record a revision"),
            "intro": _(
                "Record a decision to change episodes, with the audience's words it rests on. "
                "The counts of each cited term and signal are taken now and kept; the log is "
                "append-only."
            ),
            "form": form,
            "submit_label": _("Record"),
        }
        return TemplateResponse(request, FORM_PAGE, context)

    def _record(self, request, form) -> Revision | None:
        data = form.cleaned_data
        try:
            return services.revision_record(
                project=data["project"],
                actor=request.user,
                kind=data["kind"],
                summary=data["summary"],
                description=data["description"],
                episodes=data["episodes"],
                signals=data["signals"],
                terms=data["terms"],
            )
        except ValidationError as exc:
            for name, messages_ in exc.message_dict.items():
                field = name if name in form.fields else None
                for message in messages_:
                    form.add_error(None if name == NON_FIELD_ERRORS else field, message)
        except DomainError as exc:
            add_refusal_errors(form, exc)
        return None


project_records(_("Revision log"), "admin:audience_revision_changelist", order=150)


def cited_by_links(signal):
    """The revisions citing ``signal``, as links to their pages (for the signal's page): the
    signal's side of the chain signal -> decision -> outcome. One query."""
    revisions = selectors.revisions_citing([signal.pk]).get(signal.pk, [])
    if not revisions:
        return "—"
    return format_html_join(
        mark_safe("<br>"),  # noqa: S308  (a constant)  # nosec B308
        '<a href="{}">{}</a> ({})',
        (
            (
                reverse("admin:audience_revision_change", args=[revision.pk]),
                revision.summary,
                revision.decided_at.date().isoformat(),
            )
            for revision in revisions
        ),
    )
