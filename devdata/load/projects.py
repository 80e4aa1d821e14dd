"""One generated project and the rows its state implies."""

import random
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.utils import timezone

from audience.models import EpisodeMetric
from budgets.models import Budget, BudgetLine
from contracts.models import Contract
from releases.models import Release
from reviews.models import Clearance, Evaluation, RegulatoryReview, Rubric, Score, Scorecard
from workflow.models import Deadline, Project, ProjectTransition

from .plan import (
    ACTOR,
    BUDGET_SHARES,
    CLEARED_ON,
    DEADLINE_KINDS,
    DEADLINES,
    GENRES,
    LIVE,
    METRIC_DAYS,
    METRIC_EPISODES,
    PATHS,
    RATER_FUNCTIONS,
    SCORECARDS,
    TITLE_A,
    TITLE_B,
    WEIGHTS,
    Cast,
    R,
    S,
)
from .writer import Writer


def _money(value: float) -> Decimal:
    return Decimal(int(value)).quantize(Decimal("0.01"))


class Generator:
    def __init__(self, cast: Cast, writer: Writer, rng: random.Random, now: datetime) -> None:
        self.cast = cast
        self.w = writer
        self.rng = rng
        self.now = now
        self.today = timezone.localdate(now)
        self.states = list(WEIGHTS)
        self.weights = [WEIGHTS[s] for s in self.states]
        if tuple(f.attname for f in writer.fields[EpisodeMetric]) != METRIC_FIELDS:
            raise RuntimeError("load: EpisodeMetric's fields changed; update METRIC_FIELDS")

    def project(self, state: str | None = None) -> None:
        rng, now = self.rng, self.now
        state = state or rng.choices(self.states, self.weights)[0]
        producer = rng.choice(self.cast.producers)
        platform = rng.choice(self.cast.platforms)
        province = producer.organisation.province
        bureau = self.cast.bureaus[province]
        path = PATHS[state]
        live = state in LIVE
        gaps = [timedelta(days=rng.uniform(1, 20), minutes=rng.randint(0, 600)) for _ in path]
        lead = timedelta(days=rng.uniform(1, 120) + (METRIC_DAYS + 2 if live else 0))
        created = now - sum(gaps, timedelta()) - lead - timedelta(days=rng.uniform(0, 3))
        budget_amount = _money(rng.uniform(300_000, 2_500_000) // 1000 * 1000)
        tier = "KEY" if budget_amount >= 1_000_000 else "ORDINARY"
        episodes = rng.randint(60, 100)
        free = rng.choice((5, 8, 10, 12))
        pid = self.w.new_id(Project)
        producer_user = rng.choice(producer.users[R.PRODUCER])
        manager = rng.choice(platform.users[R.CONTENT_MANAGER])
        reviewer = bureau.users[R.REGULATOR_REVIEWER][0]
        actors = {
            "producer": (producer_user, producer.organisation.pk),
            "platform": (manager, platform.organisation.pk),
            "regulator": (reviewer, bureau.organisation.pk),
        }

        # The transition log, draft to ``state``.
        at = created
        times: dict[str, datetime] = {}
        source = S.DRAFT
        for name, gap in zip(path, gaps, strict=True):
            at += gap
            target = _target(name, source)
            actor, organisation = actors[ACTOR[name]]
            self.w.row(
                ProjectTransition,
                id=self.w.new_id(ProjectTransition),
                project_id=pid,
                name=name,
                source_state=source,
                target_state=target,
                actor_id=actor,
                organisation_id=organisation,
                comment="" if name != "take_down" else "Complaint under review.",
                review_round=1,
                created_at=at,
            )
            times.setdefault(name, at)
            source = target
        assert source == state, (path, state)  # noqa: S101
        submitted = times.get("submit")
        self.w.row(
            Project,
            id=pid,
            title=f"{rng.choice(TITLE_A)}{rng.choice(TITLE_B)} #{pid}",
            logline="A hook in one line: who wants what, and what stands in the way.",
            synopsis="Episode by episode, the reversals that keep viewers paying to go on.",
            genre_tags=rng.sample(GENRES, 2),
            source=Project.Source.ORIGINAL,
            episode_count=episodes,
            episode_length_seconds=rng.choice((60, 90, 120)),
            orientation=Project.Orientation.VERTICAL,
            monetisation=rng.choice(Project.Monetisation.values),
            free_episodes=free,
            paywall_positions=[free + 1, min(episodes, free + 20)],
            producer_id=producer.organisation.pk,
            platform_id=platform.organisation.pk,
            planned_budget=budget_amount,
            state=state,
            review_tier=tier if submitted else "",
            tier_reason=(f"Planned budget {budget_amount} CNY." if submitted else ""),
            review_round=1 if submitted else 0,
            submitted_at=submitted,
            created_by_id=producer_user,
            created_at=created,
            updated_at=at,
        )
        self.budget(pid, state, budget_amount, created, times, manager)
        if submitted:
            self.evaluation(pid, state, platform, manager, budget_amount, times)
            self.reviews(pid, state, tier, bureau, times)
            self.contract(pid, state, budget_amount, manager, producer_user, times)
            self.deadlines(pid, state, producer, platform, bureau, times, at)
        if state in CLEARED_ON:
            self.clearance(pid, state, tier, bureau, reviewer, producer_user, manager, times)
        if live:
            self.metrics(pid, times["release"])

    def budget(self, pid, state, amount, created, times, manager) -> None:
        bid = self.w.new_id(Budget)
        approved = times.get("greenlight")
        self.w.row(
            Budget,
            id=bid,
            project_id=pid,
            status=("approved" if approved else "submitted" if times.get("submit") else "draft"),
            submitted_at=times.get("submit"),
            approved_at=approved,
            approved_by_id=manager if approved else None,
            created_at=created,
            updated_at=approved or created,
        )
        rest = amount
        for category, share in BUDGET_SHARES:
            planned = (amount * share).quantize(Decimal("0.01"))
            rest -= planned
            self._line(bid, category, planned, created)
        self._line(bid, "marketing", rest, created)

    def _line(self, bid, category, planned, created) -> None:
        self.w.row(
            BudgetLine,
            id=self.w.new_id(BudgetLine),
            budget_id=bid,
            category=category,
            description="",
            planned=planned,
            created_at=created,
            updated_at=created,
        )

    def evaluation(self, pid, state, platform, manager, amount, times) -> None:
        rng = self.rng
        decided_at = times.get("greenlight") or times.get("request_revision") or times.get("reject")
        decision = (
            "greenlight"
            if "greenlight" in times
            else "revise"
            if "request_revision" in times
            else "reject"
            if "reject" in times
            else ""
        )
        eid = self.w.new_id(Evaluation)
        opened = times["submit"]
        self.w.row(
            Evaluation,
            id=eid,
            project_id=pid,
            round=1,
            rubric_id=self._rubric(platform),
            status="decided" if decision else "open",
            decision=decision,
            grade=rng.choice("SABC") if decision == "greenlight" else "",
            granted_budget=amount if decision == "greenlight" else None,
            traffic_support=_money(rng.uniform(0, 200_000)) if decision == "greenlight" else None,
            reason="",
            decided_by_id=manager if decision else None,
            decided_at=decided_at,
            created_at=opened,
            updated_at=decided_at or opened,
        )
        raters = rng.sample(platform.users[R.RATER], SCORECARDS)
        criteria = self.cast.criteria[platform.organisation.pk]
        for index, rater in enumerate(raters):
            done = bool(decision) or index < 3
            sid = self.w.new_id(Scorecard)
            submitted_at = opened + timedelta(hours=rng.uniform(2, 48)) if done else None
            self.w.row(
                Scorecard,
                id=sid,
                evaluation_id=eid,
                rater_id=rater,
                function=RATER_FUNCTIONS[platform.users[R.RATER].index(rater)],
                invited_by_id=manager,
                status="submitted" if done else "invited",
                comment="",
                submitted_at=submitted_at,
                created_at=opened,
                updated_at=submitted_at or opened,
            )
            if done:
                for criterion in criteria:
                    self.w.row(
                        Score,
                        id=self.w.new_id(Score),
                        scorecard_id=sid,
                        criterion_id=criterion,
                        value=rng.randint(4, 10),
                    )

    def _rubric(self, platform) -> int:
        cache = self.__dict__.setdefault("_rubrics", {})
        if platform.organisation.pk not in cache:
            cache[platform.organisation.pk] = Rubric.objects.get(
                platform=platform.organisation, is_active=True
            ).pk
        return cache[platform.organisation.pk]

    def reviews(self, pid, state, tier, bureau, times) -> None:
        filed = times["submit"]
        decided = times.get("greenlight") or times.get("request_revision") or times.get("reject")
        status = (
            "pending"
            if decided is None
            else "rejected"
            if "reject" in times
            else "changes_requested"
            if "request_revision" in times
            else "approved"
        )
        steps = [(RegulatoryReview.Kind.PLANNING_FILING, 1, bureau)]
        if tier == "KEY":
            steps.append((RegulatoryReview.Kind.PLANNING_FILING, 2, self.cast.national))
        for kind, sequence, authority in steps:
            self._review(pid, kind, sequence, authority, tier, status, filed, decided)
        if "approve_cut" in times:
            final = (
                "pending"
                if state == S.FINAL_REVIEW
                else "changes_requested"
                if state == S.FINAL_CHANGES
                else "approved"
            )
            self._review(
                pid,
                RegulatoryReview.Kind.FINAL_REVIEW,
                1,
                bureau,
                tier,
                final,
                times["approve_cut"],
                times.get("clear") or times.get("request_final_changes"),
            )

    def _review(self, pid, kind, sequence, authority, tier, status, opened, decided) -> None:
        self.w.row(
            RegulatoryReview,
            id=self.w.new_id(RegulatoryReview),
            project_id=pid,
            kind=kind,
            authority_id=authority.organisation.pk,
            sequence=sequence,
            round=1,
            tier=tier,
            status=status,
            filing_number=f"规划备案-{pid}-{sequence}" if status == "approved" else "",
            comment="",
            decided_by_id=authority.users[R.REGULATOR_REVIEWER][0] if status != "pending" else None,
            decided_at=decided if status != "pending" else None,
            created_at=opened,
            updated_at=decided if status != "pending" else opened,
        )

    def contract(self, pid, state, amount, manager, producer_user, times) -> None:
        rng = self.rng
        if state in (S.REJECTED, S.WITHDRAWN):
            status = "terminated"
        elif state == S.COMPLETED:
            status = "completed"
        elif "greenlight" in times:
            status = "active"
        else:
            status = "draft"
        model = rng.choice(Contract.Model.values)
        drafted = times["submit"] + timedelta(days=1)
        signed = times.get("greenlight")
        ended = times.get("complete") or times.get("reject") or times.get("withdraw")
        fee = (amount * Decimal("0.9")).quantize(Decimal("0.01"))
        self.w.row(
            Contract,
            id=self.w.new_id(Contract),
            project_id=pid,
            version=1,
            status=status,
            commissioning_model=model,
            production_fee=fee,
            producer_investment=(
                (amount * Decimal("0.2")).quantize(Decimal("0.01"))
                if model == Contract.Model.CO_INVESTMENT
                else Decimal("0")
            ),
            residual_basis=(
                "none"
                if model == Contract.Model.WORK_FOR_HIRE
                else "paid_revenue"
                if model == Contract.Model.CO_INVESTMENT
                else "valid_plays"
            ),
            residual_rate=Decimal("0") if model == Contract.Model.WORK_FOR_HIRE else Decimal("5"),
            rights_scope="Mainland China, online platforms.",
            exclusivity_ends_on=(self.today + timedelta(days=365)) if signed else None,
            created_by_id=manager,
            sent_at=drafted if status != "draft" else None,
            signed_at=signed,
            signed_by_id=producer_user if signed else None,
            countersigned_at=signed,
            countersigned_by_id=manager if signed else None,
            ended_at=ended if status in ("terminated", "completed") else None,
            end_reason="The proposal did not go ahead." if status == "terminated" else "",
            created_at=drafted,
            updated_at=signed or drafted,
        )

    def deadlines(self, pid, state, producer, platform, bureau, times, last) -> None:
        rng = self.rng
        waiting = state not in (S.COMPLETED, S.REJECTED, S.WITHDRAWN)
        parties = {"producer": producer, "platform": platform, "regulator": bureau}
        start = times["submit"]
        span = max(last - start, timedelta(hours=DEADLINES))
        for index, (kind, side, role) in enumerate(DEADLINE_KINDS):
            responsible = parties[side].organisation.pk
            if waiting and index == 0:
                # The one the project waits on: a week or more ahead, outside the reminder window.
                due = self.now + timedelta(days=rng.uniform(7, 60))
                status, closed = "open", None
            else:
                due = start + span * (index + 1) / (DEADLINES + 1)
                status = "met" if rng.random() < 0.85 else "missed"
                closed = due - timedelta(hours=rng.uniform(1, 48)) if status == "met" else due
            self.w.row(
                Deadline,
                id=self.w.new_id(Deadline),
                project_id=pid,
                kind=kind,
                round=1,
                due_at=due,
                responsible_organisation_id=responsible,
                responsible_role=role,
                status=status,
                paused_at=None,
                closed_at=closed,
                created_at=start,
                updated_at=closed or start,
            )

    def clearance(self, pid, state, tier, bureau, reviewer, producer_user, manager, times) -> None:
        cleared = times["clear"]
        abbreviation = {"shanghai": "沪", "zhejiang": "浙", "beijing": "京", "guangdong": "粤"}[
            bureau.organisation.province
        ]
        word = "网剧审字" if tier == "KEY" else "网剧备字"
        cid = self.w.new_id(Clearance)
        self.w.row(
            Clearance,
            id=cid,
            project_id=pid,
            kind=Clearance.Kind.DISTRIBUTION_LICENCE
            if tier == "KEY"
            else Clearance.Kind.ONLINE_REGISTRATION,
            number=f"（{abbreviation}）{word}（{cleared.year}）第{pid:06d}号",
            issued_by_id=bureau.organisation.pk,
            issued_at=cleared,
            expires_on=None,
            recorded_by_id=reviewer,
            created_at=cleared,
            updated_at=cleared,
        )
        released = times.get("release")
        confirmed = cleared + timedelta(days=1)
        self.w.row(
            Release,
            id=self.w.new_id(Release),
            project_id=pid,
            clearance_id=cid,
            credits_confirmed_by_id=producer_user,
            credits_confirmed_at=confirmed,
            scheduled_for=timezone.localdate(released or confirmed + timedelta(days=14)),
            scheduled_by_id=manager,
            released_at=released,
            created_at=cleared,
            updated_at=released or confirmed,
        )

    def metrics(self, pid, released: datetime) -> None:
        """20 episodes x 30 days from the day after release: the bulk of the rows, so built as
        tuples directly (in ``METRIC_FIELDS`` order)."""
        rng, add, new_id = self.rng, self.w.add, self.w.new_id
        first = timezone.localdate(released) + timedelta(days=1)
        retention_3s, retention_5s = Decimal("0.8500"), Decimal("0.7200")
        for day in range(METRIC_DAYS):
            on: date = first + timedelta(days=day)
            at = timezone.make_aware(datetime.combine(on + timedelta(days=1), datetime.min.time()))
            for episode in range(1, METRIC_EPISODES + 1):
                plays = int(rng.uniform(2_000, 80_000) / (1 + episode / 10 + day / 15))
                add(
                    EpisodeMetric,
                    (
                        new_id(EpisodeMetric),
                        at,
                        at,
                        pid,
                        episode,
                        on,
                        plays,
                        plays * 4 // 5,
                        retention_3s,
                        retention_5s,
                        RATES[rng.randrange(40, 65)],
                        RATES[rng.randrange(20, 60)],
                        plays // 20,
                        plays // 100,
                        plays // 200,
                        plays // 50,
                        Decimal(plays * 6 // 100),
                        Decimal(plays // 400),
                    ),
                )


# Retention and completion rates by hundredths, and the column order the metric tuples follow.
RATES = [Decimal(n).scaleb(-2).quantize(Decimal("0.0001")) for n in range(101)]
METRIC_FIELDS = (
    "id",
    "created_at",
    "updated_at",
    "project_id",
    "episode",
    "date",
    "plays",
    "valid_plays",
    "retention_3s",
    "retention_5s",
    "retention_10s",
    "completion_rate",
    "likes",
    "comments",
    "shares",
    "paid_unlocks",
    "paid_revenue",
    "ad_revenue",
)


def _target(name: str, source: str) -> str:
    for transition in Project._meta.get_field("state").get_all_transitions(Project):
        if transition.name == name and transition.source == source:
            return transition.target
    raise ValueError(f"load: no transition {name} from {source}")
