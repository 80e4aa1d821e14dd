"""The review tier of a proposal: KEY, ORDINARY or OTHER, with the reason in words.

The workflow asks ``resolve(project)``; the policy behind it is pluggable, because thresholds are
data that differ by jurisdiction and change over time. The contracts app installs the
effective-dated policy (``set_resolver``); the fallback here uses the national defaults from
settings and the proposal's planned budget.
"""

from collections.abc import Callable
from decimal import Decimal

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

Resolver = Callable[..., tuple[str, str]]

DEFAULT_KEY_THRESHOLD = Decimal("1000000")
DEFAULT_ORDINARY_THRESHOLD = Decimal("300000")

KEY_FLAGS = (
    ("special_subject", gettext_lazy("special subject")),
    ("lead_ad_sales_title", gettext_lazy("the platform's lead ad-sales title")),
    ("homepage_promotion", gettext_lazy("home-page first-screen promotion")),
    ("key_opt_in", gettext_lazy("the producer opted in")),
)


def classify(
    investment: Decimal,
    *,
    key_threshold: Decimal,
    ordinary_threshold: Decimal,
    flags: dict[str, bool],
) -> tuple[str, str]:
    """The tier for an investment and the KEY flags that apply, with the reason."""
    money = f"{investment:,.2f}"
    raised = [label for name, label in KEY_FLAGS if flags.get(name)]
    if raised:
        return "KEY", _("KEY: %(flags)s") % {"flags": ", ".join(str(label) for label in raised)}
    if investment >= key_threshold:
        return "KEY", _("KEY: investment %(money)s >= %(key)s") % {
            "money": money,
            "key": f"{key_threshold:,.2f}",
        }
    if investment >= ordinary_threshold:
        return "ORDINARY", _("ORDINARY: %(ordinary)s <= investment %(money)s < %(key)s") % {
            "money": money,
            "ordinary": f"{ordinary_threshold:,.2f}",
            "key": f"{key_threshold:,.2f}",
        }
    return "OTHER", _("OTHER: investment %(money)s < %(ordinary)s") % {
        "money": money,
        "ordinary": f"{ordinary_threshold:,.2f}",
    }


def default_thresholds() -> tuple[Decimal, Decimal]:
    """The national defaults (KEY, ORDINARY) when no policy row says otherwise."""
    return (
        Decimal(getattr(settings, "MDPROD_KEY_TIER_THRESHOLD", DEFAULT_KEY_THRESHOLD)),
        Decimal(getattr(settings, "MDPROD_ORDINARY_TIER_THRESHOLD", DEFAULT_ORDINARY_THRESHOLD)),
    )


def _default_resolver(project) -> tuple[str, str]:
    key, ordinary = default_thresholds()
    return classify(
        project.planned_budget,
        key_threshold=key,
        ordinary_threshold=ordinary,
        flags={name: getattr(project, name) for name, _label in KEY_FLAGS},
    )


_resolver: Resolver = _default_resolver


def set_resolver(resolver: Resolver | None) -> None:
    global _resolver  # noqa: PLW0603 - one pluggable policy for the process
    _resolver = resolver or _default_resolver


def resolve(project) -> tuple[str, str]:
    return _resolver(project)
