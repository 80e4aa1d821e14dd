from .episodes import Episode, ReleaseBatch, TestClip
from .metrics import EpisodeMetric
from .quiet import QuietReveal, QuietRule
from .revisions import Revision, RevisionEvidence
from .signals import AudienceSignal, SignalImport, SignalTerm

__all__ = [
    "AudienceSignal",
    "Episode",
    "EpisodeMetric",
    "QuietReveal",
    "QuietRule",
    "ReleaseBatch",
    "Revision",
    "RevisionEvidence",
    "SignalImport",
    "SignalTerm",
    "TestClip",
]
