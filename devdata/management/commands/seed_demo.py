"""Demo data: the organisations of the process, a user in every role and a dozen projects.

Every project reaches its state through ``services.project_transition`` with the actor the state
machine asks for, so the audit trail is the one a real project would leave; each step happens at
its time in the project's past weeks (``devdata.demo_history``). Running the command
again creates nothing: organisations are keyed by name, users by username, projects by title and
producer company.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from common.errors import DomainError
from devdata.demo_cast import (
    DEMO_PASSWORD,
    EMAIL_DOMAIN,
    GALAXY,
    ORANGE,
    ORGANISATIONS,
    SUPERUSER,
    USERS,
    login_rows,
)
from devdata.demo_conversations import seed_conversations
from devdata.demo_development import DevelopmentStage
from devdata.demo_history import clock_at, step_times
from devdata.demo_production import ProductionStage
from devdata.demo_projects import GP, OP, PROJECTS
from workflow import services
from workflow.models import Membership, Organisation, Project


class Command(BaseCommand):
    help = (
        f"Create demo organisations, users (password {DEMO_PASSWORD}) and projects in every "
        "state. Idempotent: what already exists is left as it is."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--force",
            action="store_true",
            help="Seed even with DEBUG off. The demo users have a published password.",
        )
        parser.add_argument(
            "--logins",
            action="store_true",
            help="Only print the demo logins; change nothing.",
        )

    def handle(self, *args, force: bool = False, logins: bool = False, **options):
        if logins:
            self._print_logins()
            return
        if not settings.DEBUG and not force:
            raise CommandError(
                "seed_demo creates a superuser and users with a published password, so it runs "
                "only with DJANGO_DEBUG=1 (make run sets it) or with --force."
            )
        with transaction.atomic():
            organisations, new_orgs = self._organisations()
            users, new_users = self._users(organisations)
            new_projects = self._projects(organisations, users)
            seed_conversations(organisations, users)
        # The reminders the beat would send now (late deadlines included); idempotent.
        from workflow.reminders import reminders_sweep

        reminders = reminders_sweep()
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data: {new_orgs} organisations, {new_users} users and "
                f"{len(new_projects)} projects created "
                f"({len(ORGANISATIONS)}, {len(USERS) + 1} and {len(PROJECTS)} in the demo set)."
            )
        )
        for title, state in new_projects:
            self.stdout.write(f"  {state:<14} {title}")
        self.stdout.write(f"Reminders sent now: {reminders}.")
        self._print_logins()

    def _print_logins(self) -> None:
        rows = login_rows()
        width = max(len(username) for username, _, _ in rows)
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for username, organisation, role in rows:
            self.stdout.write(f"  {username:<{width}}  {role}, {organisation}")

    def _organisations(self) -> tuple[dict[str, Organisation], int]:
        organisations, created = {}, 0
        for spec in ORGANISATIONS:
            organisation = Organisation.objects.filter(name=spec["name"]).first()
            if organisation is None:
                organisation = Organisation(**spec)
                organisation.full_clean()
                organisation.save()
                created += 1
            organisations[spec["name"]] = organisation
        return organisations, created

    def _users(self, organisations: dict[str, Organisation]) -> tuple[dict, int]:
        User = get_user_model()
        created = 0
        if not User.objects.filter(username=SUPERUSER).exists():
            User.objects.create_superuser(
                SUPERUSER, email=f"{SUPERUSER}@{EMAIL_DOMAIN}", password=DEMO_PASSWORD
            )
            created += 1
        for spec in USERS:
            user, made = User.objects.get_or_create(
                username=spec.username,
                defaults={
                    "first_name": spec.first_name,
                    "last_name": spec.last_name,
                    "email": f"{spec.username.replace('_', '.')}@{EMAIL_DOMAIN}",
                },
            )
            if made:
                user.set_password(DEMO_PASSWORD)
                user.save(update_fields=["password"])
                created += 1
            membership = Membership(
                user=user,
                organisation=organisations[spec.organisation],
                role=spec.role,
                rater_function=spec.rater_function,
            )
            if not Membership.objects.filter(
                user=user, organisation=membership.organisation, role=spec.role
            ).exists():
                membership.full_clean()
                membership.save()
        # Fresh user objects: the permission checks cache memberships per user object.
        users = {
            u.username: u for u in User.objects.filter(username__in=[s.username for s in USERS])
        }
        return users, created

    def _projects(self, organisations: dict[str, Organisation], users: dict) -> list:
        created = []
        producer_of = {GALAXY: GP, ORANGE: OP}
        now = timezone.now()
        for spec in PROJECTS:
            producer = organisations[spec.producer]
            if Project.objects.filter(title=spec.title, producer=producer).exists():
                continue
            created_at, times = step_times(
                spec.title, [name for name, _user, _comment in spec.steps], now=now
            )
            try:
                with clock_at(created_at):
                    project = services.project_create(
                        actor=users[producer_of[spec.producer]],
                        producer=producer,
                        data=spec.proposal(organisations[spec.platform]),
                    )
                for (name, username, comment), moment in zip(spec.steps, times, strict=True):
                    actor = users.get(username)
                    with clock_at(moment):
                        project = self._step(project, users, name, actor, comment)
            except DomainError as exc:
                details = "; ".join([exc.detail, *exc.reasons])
                raise CommandError(f"Could not seed “{spec.title}”: {details}") from exc
            except ValidationError as exc:
                raise CommandError(f"Could not seed “{spec.title}”: {exc.messages}") from exc
            if project.state != spec.state:
                raise CommandError(
                    f"“{spec.title}” ended in {project.state}, expected {spec.state}."
                )
            created.append((spec.title, project.state))
        return created

    @staticmethod
    def _step(project: Project, users: dict, name: str, actor, comment: str) -> Project:
        if name.startswith("@"):
            action = name[1:]
            stage = DevelopmentStage if hasattr(DevelopmentStage, action) else ProductionStage
            return stage(project, users).run(action, actor, comment)
        return services.project_transition(project=project, name=name, actor=actor, comment=comment)
