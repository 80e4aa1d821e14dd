"""The seed's production-stage "@" steps, each run through the services a real user would use.

@contract       the content manager offers a contract (prefilled from the greenlight; the model
                follows the title) with a payment schedule (30 % on signature, 30 % on the cut's
                approval, 40 % on release), sends it; the producer signs; the content manager
                countersigns
@deliver        the producer delivers every episode of the cut (submit or resubmit)
@cut_findings   the content manager adds findings ("EP [MM:SS] text", one per line; a line
                starting "Suggestion:" is a suggestion) and requests cut changes
@fix            the producer addresses every open finding of the round (the comment says how)
@approve_cut    the producer confirms the compliance checklists, the content manager
                approves the remaining episodes and the cut
@final          each pending finished-cut step is approved by its authority, in sequence;
                the issuing step records the tier's clearance number
@final_changes  the first pending step's authority requests changes (findings as above)
@credits        the producer confirms the clearance number is in the opening credits
@schedule       the content manager schedules the release three days from now
@audience       the producer releases the episodes in two batches, imports batch 1's comments
                and records a revision citing them (``demo_audience``)
@metrics        the platform reports the figures of every episode from the release day to
                yesterday (the history released the title two weeks ago; with batches: from
                each episode's batch)
@settle         the platform pays the installments due and issues the residual statement of
                those two weeks (unless the contract is work for hire)
"""

import re
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from workflow.models import Membership, Organisation, Project

R = Membership.Role
FINDING = re.compile(r"^(?P<episode>\d+)\s+(?:(?P<timecode>\d{1,2}:\d{2})\s+)?(?P<text>.+)$")
METRIC_DAYS = 14


def findings(comment: str) -> list[dict]:
    items = []
    for line in filter(None, (part.strip() for part in comment.split("\n"))):
        severity = "must_fix"
        if line.startswith("Suggestion:"):
            severity, line = "suggestion", line.removeprefix("Suggestion:").strip()
        match = FINDING.match(line)
        items.append(
            {
                "episode": int(match["episode"]),
                "timecode": match["timecode"] or "",
                "text": match["text"],
                "category": "content" if severity == "suggestion" else "compliance",
                "severity": severity,
            }
        )
    return items


class ProductionStage:
    def __init__(self, project: Project, users: dict) -> None:
        self.project = project
        self.users = users

    def run(self, action: str, actor, comment: str) -> Project:
        getattr(self, action)(actor, comment)
        return Project.objects.select_related("producer", "platform").get(pk=self.project.pk)

    # People -------------------------------------------------------------------------------

    def _member(self, organisation: Organisation, role: str):
        usernames = {
            m.user.username
            for m in Membership.objects.filter(organisation=organisation, role=role).select_related(
                "user"
            )
        }
        return next(self.users[name] for name in sorted(usernames) if name in self.users)

    def _producer(self):
        return self._member(self.project.producer, R.PRODUCER)

    def _content_manager(self):
        return self._member(self.project.platform, R.CONTENT_MANAGER)

    def _reviewer_of(self, authority: Organisation):
        if authority.kind == Organisation.Kind.PLATFORM:
            return self._member(authority, R.CONTENT_MANAGER)
        return self._member(authority, R.REGULATOR_REVIEWER)

    # The contract --------------------------------------------------------------------------

    def contract(self, content_manager, comment) -> None:
        from contracts.services import agreements as contracts
        from contracts.services.payments import payment_schedule_replace

        # The three commissioning models, spread over the titles deterministically.
        model = ("licence", "co_investment", "work_for_hire")[sum(map(ord, self.project.title)) % 3]
        terms = {
            "licence": {
                "residual_basis": "valid_plays",
                "residual_rate": Decimal("3.50"),
                "rights_scope": "Mainland China, online streaming; non-exclusive after the window.",
                "exclusivity_ends_on": timezone.localdate() + timedelta(days=365),
            },
            "co_investment": {
                "producer_investment": (self.project.planned_budget / 5).quantize(Decimal("0.01")),
                "residual_basis": "paid_revenue",
                "residual_rate": Decimal("7"),
                "rights_scope": "Worldwide, online streaming.",
            },
            "work_for_hire": {"rights_scope": "All rights, worldwide."},
        }[model]
        contract = contracts.contract_offer(
            project=self.project,
            actor=content_manager,
            commissioning_model=model,
            **terms,
        )
        payment_schedule_replace(
            contract=contract,
            actor=content_manager,
            installments=[
                {"label": "On signature", "percent": Decimal("30"), "trigger": "countersigned"},
                {"label": "Cut approved", "percent": Decimal("30"), "trigger": "cut_approved"},
                {"label": "On release", "percent": Decimal("40"), "trigger": "released"},
            ],
        )
        contracts.contract_send(contract=contract, actor=content_manager)
        contracts.contract_sign(contract=contract, actor=self._producer())
        contracts.contract_countersign(contract=contract, actor=content_manager)

    # The platform cut review -----------------------------------------------------------------

    def deliver(self, producer, comment) -> None:
        from reviews.models import CutEpisode
        from reviews.services.cuts import cut_submit, delivery_transition

        _name, round_ = delivery_transition(self.project)
        changed = set(
            CutEpisode.objects.filter(
                submission__project=self.project,
                submission__round=round_ - 1,
                outcome=CutEpisode.Outcome.NEEDS_CHANGES,
            ).values_list("number", flat=True)
        )
        length = self.project.episode_length_seconds
        episodes = [
            {
                "number": n,
                "reference": f"demo/project-{self.project.pk}/ep{n:03d}"
                + (f"-r{round_}" if n in changed else "")
                + ".mp4",
                "duration_seconds": length - 10 + (n * 7) % 21,
            }
            for n in range(1, self.project.episode_count + 1)
        ]
        cut_submit(project=self.project, actor=producer, episodes=episodes, note=comment)

    def _current_cut(self):
        from reviews.models import CutSubmission

        return CutSubmission.objects.get(project=self.project, round=self.project.review_round)

    def cut_findings(self, content_manager, comment) -> None:
        from reviews.services.cuts import cut_findings_add
        from workflow import services

        cut_findings_add(
            submission=self._current_cut(), actor=content_manager, items=findings(comment)
        )
        services.project_transition(
            project=self.project,
            name="request_cut_changes",
            actor=content_manager,
            comment="Changes needed before the finished-cut review; see the findings.",
        )

    def fix(self, producer, comment) -> None:
        from reviews.models import FeedbackItem
        from reviews.services.feedback import feedback_item_respond

        for item in FeedbackItem.objects.filter(
            project=self.project, round=self.project.review_round, status="open"
        ).exclude(stage__in=("evaluation", "planning_filing")):
            feedback_item_respond(item=item, actor=producer, status="addressed", response=comment)

    def approve_cut(self, content_manager, comment) -> None:
        from reviews.services.checklists import applicable_checklists, checklist_item_confirm
        from reviews.services.cuts import cut_episodes_mark
        from workflow import services

        producer = self._producer()
        for checklist in applicable_checklists(self.project):
            for item in checklist.items:
                checklist_item_confirm(
                    project=self.project,
                    item=item,
                    actor=producer,
                    reference=f"demo/project-{self.project.pk}/compliance/{item.code}.pdf",
                )
        cut = self._current_cut()
        pending = list(cut.episodes.filter(outcome="pending").values_list("number", flat=True))
        if pending:
            cut_episodes_mark(
                submission=cut, actor=content_manager, outcome="approved", numbers=pending
            )
        services.project_transition(
            project=self.project, name="approve_cut", actor=content_manager, comment=comment
        )

    # The finished-cut review ------------------------------------------------------------

    def _pending_steps(self):
        from reviews.models import RegulatoryReview

        return list(
            RegulatoryReview.objects.filter(
                project=self.project, kind="final_review", status="pending"
            )
            .select_related("authority")
            .order_by("sequence")
        )

    def _clearance_number(self, authority: Organisation) -> str:
        from reviews.clearance_numbers import PATTERNS, issuer_abbreviation
        from reviews.models import CLEARANCE_KIND_FOR_TIER

        kind = CLEARANCE_KIND_FOR_TIER[self.project.review_tier]
        year = timezone.localdate().year
        if kind in PATTERNS:
            number = PATTERNS[kind].example(issuer_abbreviation(authority), year)
            return number.replace("第001号", f"第{100 + self.project.pk:03d}号")
        return f"{authority.name.split()[0].upper()}-{year}-{self.project.pk:04d}"

    def final(self, actor, comment) -> None:
        from reviews.services.finals import final_review_decide, issuing_step

        issuer = issuing_step(self.project)
        for review in self._pending_steps():
            issues = issuer is not None and (issuer.sequence, issuer.authority.pk) == (
                review.sequence,
                review.authority_id,
            )
            final_review_decide(
                review=review,
                actor=self._reviewer_of(review.authority),
                outcome="approve",
                clearance_number=self._clearance_number(review.authority) if issues else "",
                expires_on=timezone.localdate() + timedelta(days=5 * 365) if issues else None,
                comment=comment,
            )

    def final_changes(self, reviewer, comment) -> None:
        from reviews.services.finals import final_review_decide

        review = self._pending_steps()[0]
        final_review_decide(
            review=review,
            actor=self._reviewer_of(review.authority),
            outcome="request_changes",
            comment="Changes needed before the clearance; see the findings.",
            items=findings(comment),
        )

    # Release ------------------------------------------------------------------------------

    def credits(self, producer, comment) -> None:
        from releases.services import credits_confirm
        from reviews.models import CLEARANCE_KIND_FOR_TIER, Clearance

        clearance = (
            Clearance.objects.filter(
                project=self.project, kind=CLEARANCE_KIND_FOR_TIER[self.project.review_tier]
            )
            .order_by("-issued_at")
            .first()
        )
        credits_confirm(project=self.project, actor=producer, clearance=clearance)

    def schedule(self, content_manager, comment) -> None:
        from releases.services import release_schedule

        release_schedule(
            project=self.project,
            actor=content_manager,
            on=timezone.localdate() + timedelta(days=3),
        )

    def metrics(self, actor, comment) -> None:
        from audience.services.metrics import episode_metrics_upsert

        # The title went live METRIC_DAYS ago (the seed's history released it then): figures
        # from its release day to yesterday.
        went_live = timezone.localdate(self._released_at())
        seed = sum(map(ord, self.project.title))
        # Titles with an audience story (@audience): episodes live by batch, revised ones lifted.
        from devdata.demo_audience import metric_plan

        plan = metric_plan(self.project, went_live)
        rows = []
        for day in range(METRIC_DAYS):
            for episode in range(1, self.project.episode_count + 1):
                start, lift = plan.get(episode, (0, None))
                if day < start:
                    continue
                # Audiences fall off episode by episode and day by day, most after the paywall.
                decay = Decimal(1) / (1 + Decimal(episode) / 12) / (1 + Decimal(day - start) / 5)
                plays = int((20000 + seed % 5000) * decay)
                valid = plays * 4 // 5
                paid = 0 if episode <= (self.project.free_episodes or 0) else valid // 12
                lift = lift or {"likes": 1, "comments": 1, "shares": 1, "completion": 0}
                rows.append(
                    {
                        "episode": episode,
                        "date": (went_live + timedelta(days=day)).isoformat(),
                        "plays": plays,
                        "valid_plays": valid,
                        "retention_3s": "0.92",
                        "retention_5s": str(Decimal("0.85") - Decimal(episode) / 1000),
                        "retention_10s": str(Decimal("0.74") - Decimal(episode) / 500),
                        "completion_rate": str(
                            Decimal("0.61") - Decimal(episode) / 400 + lift["completion"]
                        ),
                        "likes": int(valid * lift["likes"]) // 9,
                        "comments": int(valid * lift["comments"]) // 60,
                        "shares": int(valid * lift["shares"]) // 150,
                        "paid_unlocks": paid,
                        "paid_revenue": str(Decimal(paid) * Decimal("0.30")),
                        "ad_revenue": str(
                            (Decimal(valid) * Decimal("0.004")).quantize(Decimal("0.01"))
                        ),
                    }
                )
        episode_metrics_upsert(project=self.project, actor=self._content_manager(), rows=rows)

    def _released_at(self):
        """When the title went live: its release gate says (the seed's history released it
        METRIC_DAYS ago); a title put in state without one (tests) went live METRIC_DAYS ago."""
        from releases.models import Release

        gate = Release.objects.filter(project=self.project, released_at__isnull=False).first()
        if gate is not None:
            return gate.released_at
        return timezone.now() - timedelta(days=METRIC_DAYS)

    def audience(self, producer, comment) -> None:
        """Episodes in two batches, batch 1's comments, a revision (``demo_audience``)."""
        from devdata.demo_audience import audience_story

        audience_story(self.project, producer, went_live=self._released_at())

    def settle(self, actor, comment) -> None:
        """The platform pays what is due and, where the contract pays residuals, issues the
        statement for the weeks of metrics."""
        from contracts.models import Contract, Installment
        from contracts.services.payments import installment_mark_paid
        from contracts.services.statements import residual_statement_issue

        content_manager = self._content_manager()
        contract = Contract.objects.get(project=self.project, status=Contract.Status.ACTIVE)
        for installment in Installment.objects.with_current_status().filter(
            contract=contract, current_status="due"
        ):
            installment_mark_paid(
                installment=installment,
                actor=content_manager,
                paid_on=timezone.localdate(),
                reference=f"BANK-{self.project.pk:04d}-{installment.position}",
            )
        if contract.residual_basis != Contract.ResidualBasis.NONE:
            today = timezone.localdate()
            residual_statement_issue(
                contract=contract,
                actor=content_manager,
                period_start=today - timedelta(days=METRIC_DAYS),
                period_end=today - timedelta(days=1),
            )
