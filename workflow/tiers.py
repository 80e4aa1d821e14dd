"""The review tier of a proposal: KEY, ORDINARY or OTHER, with the reason in words.

The workflow asks ``resolve(project)``; the policy behind it lives in a domain app (thresholds
are data that differ by jurisdiction and change over time), which installs it with
``set_resolver`` when it is ready (``budgets``: ``BudgetsConfig.ready()``). There is no fallback:
a project routed by a guess would be reviewed by the wrong authorities, so without a policy
installed ``resolve`` refuses.
"""

from collections.abc import Callable

from django.core.exceptions import ImproperlyConfigured

Resolver = Callable[..., tuple[str, str]]

_resolver: Resolver | None = None


def set_resolver(resolver: Resolver | None) -> None:
    global _resolver  # noqa: PLW0603 - one policy for the process
    _resolver = resolver


_reason_display: Callable[[str], str] | None = None


def set_reason_display(display: Callable[[str], str] | None) -> None:
    """The policy's reader of a stored reason (``budgets`` installs it with the resolver)."""
    global _reason_display  # noqa: PLW0603 - one policy for the process
    _reason_display = display


def reason_display(reason: str) -> str:
    """A stored tier reason in the reader's language (as written without a policy installed)."""
    return _reason_display(reason) if _reason_display is not None and reason else reason


def resolve(project) -> tuple[str, str]:
    if _resolver is None:
        raise ImproperlyConfigured(
            "No review-tier resolver is installed: add the app that provides the tier policy "
            "(budgets) to INSTALLED_APPS."
        )
    return _resolver(project)
