from decimal import Decimal

import factory
from django.contrib.auth import get_user_model

from workflow.models import Membership, Organisation, Project


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.django.Password("correct horse battery staple")


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Producer company {n}")
    kind = Organisation.Kind.PRODUCER
    province = "shanghai"

    class Params:
        platform = factory.Trait(
            kind=Organisation.Kind.PLATFORM,
            province="",
            name=factory.Sequence(lambda n: f"Platform {n}"),
        )
        provincial_bureau = factory.Trait(
            kind=Organisation.Kind.REGULATOR,
            level=Organisation.Level.PROVINCIAL,
            name=factory.Sequence(lambda n: f"Provincial bureau {n}"),
        )
        national_administration = factory.Trait(
            kind=Organisation.Kind.REGULATOR,
            level=Organisation.Level.NATIONAL,
            province="",
            name=factory.Sequence(lambda n: f"National administration {n}"),
        )


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = Membership.Role.PRODUCER
    rater_function = factory.LazyAttribute(
        lambda m: Membership.RaterFunction.CONTENT if m.role == Membership.Role.RATER else ""
    )


class ProjectFactory(factory.django.DjangoModelFactory):
    """A complete proposal, ready to submit."""

    class Meta:
        model = Project

    title = factory.Sequence(lambda n: f"Project {n}")
    logline = "A flash marriage to a stranger who turns out to own the city."
    synopsis = "She married a stranger to escape her family; he has secrets of his own."
    genre_tags = factory.LazyFunction(lambda: ["romance", "urban"])
    episode_count = 80
    episode_length_seconds = 90
    free_episodes = 10
    paywall_positions = factory.LazyFunction(lambda: [11, 40])
    producer = factory.SubFactory(OrganisationFactory)
    platform = factory.SubFactory(OrganisationFactory, platform=True)
    planned_budget = Decimal("450000.00")
