"""Signals for the feedback and quiet mode tests, written directly (test setup, not the import
under test): the author id hashed and the terms segmented as the import does, or given."""

import hashlib
from datetime import timedelta

from audience.models import AudienceSignal, SignalImport, SignalTerm, TestClip

try:
    from audience.text import hash_author as _hash_author
    from audience.text import terms as _terms
except ImportError:  # pragma: no cover - before audience.text exists
    _hash_author = None
    _terms = None


def author_hash(platform: str, author: str) -> str:
    if _hash_author is not None:
        return _hash_author(platform, author)
    return hashlib.sha256(f"{platform}:{author}".encode()).hexdigest()  # pragma: no cover


class Signals:
    """Writes signals of one project, released-relative: ``after`` is the time after the release
    of the episode's batch (or the clip)."""

    def __init__(self, project, user, episodes):
        self.project = project
        self.episodes = {episode.number: episode for episode in episodes}
        self.batch_import = SignalImport.objects.create(
            project=project, source=SignalImport.Source.API, imported_by=user
        )

    def clip(self, code="teaser-1", released_at=None):
        return TestClip.objects.create(project=self.project, code=code, released_at=released_at)

    def add(
        self,
        author: str,
        text: str,
        *,
        episode: int | None = 1,
        clip: TestClip | None = None,
        after: timedelta = timedelta(hours=1),
        platform: str = "douyin",
        kind: str = AudienceSignal.Kind.COMMENT,
        terms=None,
        duplicate: bool = False,
        automated: bool = False,
    ) -> AudienceSignal:
        if clip is not None:
            released = clip.released_at
            target = {"clip": clip}
        else:
            target = {"episode": self.episodes[episode]}
            released = self.episodes[episode].batch.released_at
        signal = AudienceSignal.objects.create(
            project=self.project,
            source_import=self.batch_import,
            platform=platform,
            kind=kind,
            posted_at=released + after,
            text=text,
            author_hash=author_hash(platform, author),
            fingerprint=hashlib.sha256(text.encode()).hexdigest(),
            is_duplicate=duplicate,
            is_automated=automated,
            **target,
        )
        words = set(terms) if terms is not None else _terms(text)
        SignalTerm.objects.bulk_create(
            SignalTerm(signal=signal, project=self.project, term=word) for word in sorted(words)
        )
        return signal


# The hand-worked sets ----------------------------------------------------------------------------


def chinese_set(signals: Signals, episode: int = 1) -> None:
    """8 comments by 4 authors on one episode; one loud account ("loud") posts 5 of them.

    By hand: 女主 B, C, D = 3 authors, 3 mentions; 男主 loud, C = 2 authors, 6 mentions;
    演技 B, D = 2 authors, 2 mentions. Shares over 4 authors: 0.75, 0.5, 0.5.
    """
    for hour in range(1, 6):
        signals.add("loud", "男主太帅了", episode=episode, after=timedelta(hours=hour))
    signals.add("B", "女主演技太差了", episode=episode)
    signals.add("C", "男主和女主好甜", episode=episode)
    signals.add("D", "女主演技在线", episode=episode)


def english_set(signals: Signals, episode: int = 2) -> None:
    """7 comments by 4 authors; "X" posts 4 of them about the male lead.

    By hand: great, pacing, slow, twist 2 authors each (2 mentions); handsome, lead, male
    1 author each with 4 mentions. 4 authors in all.
    """
    signals.add("X", "The male lead is so handsome", episode=episode)
    for hour in range(2, 5):
        signals.add("X", "male lead handsome again", episode=episode, after=timedelta(hours=hour))
    signals.add("Y", "The pacing is too slow", episode=episode)
    signals.add("Z", "Pacing is slow but the twist was great", episode=episode)
    signals.add("W", "Great twist!", episode=episode)
