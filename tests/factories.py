"""factory_boy factories for the catalog, shared by every test module."""

from __future__ import annotations

from decimal import Decimal

from django.contrib.auth import get_user_model

import factory

from catalog.models import Provider, Resource, ResourceLink, ResourceTopic
from taxonomy.enums import Cost, Format, Language, Level, LinkKind, MasteryKind
from taxonomy.models import (
    ChoiceGroup,
    ChoiceGroupMember,
    GroupPrerequisite,
    Prerequisite,
    Subject,
    Topic,
    Track,
)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.django.Password("correct-horse-battery-staple")


class SubjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Subject

    slug = factory.Sequence(lambda n: f"subject-{n}")
    name = factory.Sequence(lambda n: f"Subject {n}")
    description = "A subject for tests."
    languages = factory.LazyFunction(lambda: ["en"])


class TopicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Topic

    slug = factory.Sequence(lambda n: f"topic-{n}")
    subject = factory.SubFactory(SubjectFactory)
    name = factory.Sequence(lambda n: f"Topic {n}")
    summary = "What the topic is about."
    level = Level.BEGINNER
    estimated_hours = Decimal("3")
    objectives = factory.LazyFunction(lambda: ["Explain the idea", "Apply it once"])
    mastery_kind = MasteryKind.QUIZ
    mastery_description = "Answer five questions."
    tags = factory.LazyFunction(list)


class PrerequisiteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Prerequisite

    topic = factory.SubFactory(TopicFactory)
    requires = factory.SubFactory(TopicFactory)
    kind = "required"


class TrackFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Track
        skip_postgeneration_save = True

    slug = factory.Sequence(lambda n: f"track-{n}")
    subject = factory.SubFactory(SubjectFactory)
    name = factory.Sequence(lambda n: f"Track {n}")
    goal_kind = "skill"

    @factory.post_generation
    def targets(
        self, create: bool, extracted: list[Topic] | None, **kwargs: object
    ) -> None:
        if create and extracted:
            self.targets.set(extracted)
            self.save()  # modelcluster keeps ParentalManyToMany changes until save()


class ChoiceGroupFactory(factory.django.DjangoModelFactory):
    """A choice group; ``members=[topic, ...]`` adds them in that order."""

    class Meta:
        model = ChoiceGroup
        skip_postgeneration_save = True

    slug = factory.Sequence(lambda n: f"group-{n}")
    subject = factory.SubFactory(SubjectFactory)
    name = factory.Sequence(lambda n: f"Choice group {n}")
    min_choices = 1

    @factory.post_generation
    def members(
        self, create: bool, extracted: list[Topic] | None, **kwargs: object
    ) -> None:
        if create and extracted:
            for order, topic in enumerate(extracted):
                ChoiceGroupMember.objects.create(
                    group=self, topic=topic, sort_order=order
                )


class GroupPrerequisiteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = GroupPrerequisite

    topic = factory.SubFactory(TopicFactory)
    group = factory.SubFactory(ChoiceGroupFactory)
    kind = "required"


class ProviderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Provider
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"provider-{n}")
    name = factory.Sequence(lambda n: f"Provider {n}")
    url = factory.LazyAttribute(lambda p: f"https://{p.slug}.example.org/")
    trust_score = Decimal("0.80")


class ResourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Resource
        skip_postgeneration_save = True

    slug = factory.Sequence(lambda n: f"resource-{n}")
    title = factory.Sequence(lambda n: f"Resource {n}")
    description = "A resource for tests."
    provider = factory.SubFactory(ProviderFactory)
    format = Format.ARTICLE
    language = Language.EN
    duration_minutes = 30
    difficulty = Level.BEGINNER
    cost = Cost.FREE
    age_ranges = factory.LazyFunction(lambda: ["teen", "adult"])
    curator_rating = 4

    @factory.post_generation
    def primary_url(
        self, create: bool, extracted: str | None, **kwargs: object
    ) -> None:
        if create:
            ResourceLink.objects.create(
                resource=self,
                url=extracted or f"https://example.org/{self.slug}",
                kind=LinkKind.PRIMARY,
            )

    @factory.post_generation
    def topics(
        self, create: bool, extracted: list[Topic] | None, **kwargs: object
    ) -> None:
        if create and extracted:
            for topic in extracted:
                ResourceTopic.objects.create(resource=self, topic=topic, coverage=1)
