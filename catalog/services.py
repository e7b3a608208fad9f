"""Writes to the catalog: the link checker's results, resources' link health,
and resources with their topics and links (the API's writes)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.db.models.functions import Greatest
from django.utils import timezone

from taxonomy.enums import LinkHealth, LinkKind
from taxonomy.models import ChoiceGroup, Subject, Topic, Track
from taxonomy.services import (
    catalog_record_apply,
    catalog_record_differs,
    catalog_version_bump,
    catalog_version_lock,
)
from wayfinder.errors import NotFound

from .cascade import Cascade
from .linkcheck import LinkCheckConfig, LinkResult, Outcome, check_urls
from .models import Provider, Resource, ResourceLink, ResourceTopic
from .signals import REBUILD_MODES, catalog_bulk_deleting, resources_updated
from .transfer.reading import chunks

FAILURE_BACKOFF_BASE = timedelta(hours=1)
FAILURE_BACKOFF_CAP = timedelta(days=7)
_FAILURES_MAX = 1000  # keeps the counter inside a PositiveSmallIntegerField
_CHECKER_FIELDS = [
    "last_checked_at",
    "last_status",
    "final_url",
    "redirects",
    "last_error",
    "healthy",
    "consecutive_failures",
    "next_check_at",
]
_URL_MAX = ResourceLink._meta.get_field("final_url").max_length
_ERROR_MAX = ResourceLink._meta.get_field("last_error").max_length


@dataclass(frozen=True)
class BrokenLink:
    resource: str
    kind: str
    url: str
    status: int | None
    error: str


@dataclass(frozen=True)
class HealthChange:
    resource: str
    before: str
    after: str


@dataclass(frozen=True)
class LinkCheckSummary:
    """What one run of :func:`links_check` did.

    ``checked`` counts the links a request was made for (``healthy + broken +
    transient``); ``skipped`` the ones left alone because their host was
    backing off. ``transient`` links answered 429/503 for the first time and
    keep their previous health.
    """

    checked: int = 0
    healthy: int = 0
    broken: int = 0
    transient: int = 0
    skipped: int = 0
    broken_links: tuple[BrokenLink, ...] = ()
    health_changes: tuple[HealthChange, ...] = ()

    @property
    def resources_now_broken(self) -> tuple[str, ...]:
        """Slugs of resources this run made BROKEN (hidden from learners)."""
        return tuple(
            change.resource
            for change in self.health_changes
            if change.after == LinkHealth.BROKEN
        )

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["resources_now_broken"] = list(self.resources_now_broken)
        return data


def links_check(
    *,
    links: QuerySet[ResourceLink] | None = None,
    now: datetime | None = None,
    force: bool = False,
) -> LinkCheckSummary:
    """Check the links that are due, record the results, refresh resource health.

    ``links`` narrows the candidates (all links by default); of those, only the
    ones whose ``next_check_at`` is empty or past ``now`` are checked, unless
    ``force``. The network part runs outside any transaction; the results are
    then written in one transaction with a bounded number of queries (no
    per-link query, no signals), and the affected resources' ``link_health``
    is recomputed, moving the catalog version once if any of it changed.

    A link whose URL was edited (or that was deleted) while it was being
    checked keeps its new state: the result belongs to the old URL.

    Returns a :class:`LinkCheckSummary`. Never raises for what a URL answers;
    database errors propagate and nothing is written.
    """
    now = now or timezone.now()
    candidates = links if links is not None else ResourceLink.objects.all()
    if not force:
        candidates = candidates.filter(
            Q(next_check_at__isnull=True) | Q(next_check_at__lte=now)
        )
    selected = list(candidates.select_related("resource"))
    if not selected:
        return LinkCheckSummary()

    config = LinkCheckConfig.from_settings(settings.LINKCHECK)
    results = check_urls((link.url for link in selected), config=config)
    recheck_after = timedelta(hours=settings.LINKCHECK["RECHECK_AFTER_HOURS"])
    outcomes = {
        link.pk: _result_apply(
            link=link, result=results[link.url], now=now, recheck_after=recheck_after
        )
        for link in selected
    }
    with transaction.atomic():
        unchanged = _links_still_at_their_url(selected)
        ResourceLink.objects.bulk_update(unchanged, _CHECKER_FIELDS, batch_size=500)
        changes = resource_link_health_refresh(
            resource_ids={
                link.resource_id
                for link in unchanged
                if outcomes[link.pk] is not Outcome.SKIPPED
            }
        )
    return _summarize(selected, outcomes=outcomes, changes=changes)


def link_failure_backoff(*, failures: int) -> timedelta:
    """How long to wait before rechecking a link that failed ``failures`` times.

    1 hour after the first failure, doubling each time, at most 7 days.
    """
    exponent = min(max(failures, 1) - 1, 16)  # 2**16 hours is far past the cap
    return min(FAILURE_BACKOFF_BASE * 2**exponent, FAILURE_BACKOFF_CAP)


def resource_link_health(links: Iterable[tuple[str, bool | None]]) -> LinkHealth:
    """A resource's health from its links' ``(kind, healthy)`` pairs.

    The primary link decides: unchecked (or missing) -> UNCHECKED, unhealthy ->
    BROKEN. With a healthy primary, any other link known to be unhealthy makes
    it DEGRADED; unchecked secondary links do not count against it.
    """
    primary: bool | None = None
    others_broken = False
    for kind, healthy in links:
        if kind == LinkKind.PRIMARY:
            primary = healthy
        elif healthy is False:
            others_broken = True
    if primary is None:
        return LinkHealth.UNCHECKED
    if not primary:
        return LinkHealth.BROKEN
    return LinkHealth.DEGRADED if others_broken else LinkHealth.HEALTHY


# No savepoint: inside links_check the outer transaction is the unit of work,
# and a savepoint would cost two more queries per run.
@transaction.atomic(savepoint=False)
def resource_link_health_refresh(
    *, resource_ids: Iterable[int]
) -> tuple[HealthChange, ...]:
    """Recompute ``Resource.link_health`` for the given resources from their links.

    Writes with one ``UPDATE`` per new health value (no model signals), moves
    the catalog version once and sends ``resources_updated`` if any resource
    changed, and returns the changes
    ordered by resource slug. A BROKEN resource drops out of
    ``Resource.objects.offerable()``.
    """
    ids = set(resource_ids)
    if not ids:
        return ()
    links_by_resource: defaultdict[int, list[tuple[str, bool | None]]] = defaultdict(
        list
    )
    rows = ResourceLink.objects.filter(resource_id__in=ids).values_list(
        "resource_id", "kind", "healthy"
    )
    for resource_id, kind, healthy in rows:
        links_by_resource[resource_id].append((kind, healthy))

    changes: list[HealthChange] = []
    ids_by_health: defaultdict[str, list[int]] = defaultdict(list)
    resources = (
        Resource.objects.filter(pk__in=ids)
        .order_by("slug")
        .values_list("pk", "slug", "link_health")
    )
    for pk, slug, before in resources:
        after = resource_link_health(links_by_resource[pk])
        if after != before:
            ids_by_health[after].append(pk)
            changes.append(
                HealthChange(resource=slug, before=before, after=after.value)
            )
    for health, pks in ids_by_health.items():
        Resource.objects.filter(pk__in=pks).update(link_health=health)
    if changes:
        catalog_version_bump()
        # .update() sends no signal: send ours, so search drops a broken
        # resource from learners' results at once.
        resources_updated.send(
            sender=Resource, ids=[pk for pks in ids_by_health.values() for pk in pks]
        )
    return tuple(changes)


def _result_apply(
    *,
    link: ResourceLink,
    result: LinkResult,
    now: datetime,
    recheck_after: timedelta,
) -> Outcome:
    """Copy ``result`` onto ``link`` in memory (the caller saves) and schedule it.

    Returns the outcome as it counts for the catalog: a first 429/503 on a
    link that was not failing stays TRANSIENT (health unchanged, retried after
    the first backoff step); a repeated one is BROKEN. SKIPPED leaves the link
    as it was apart from ``last_error``, and still due.
    """
    if result.outcome is Outcome.SKIPPED:
        link.last_error = result.error[:_ERROR_MAX]
        return Outcome.SKIPPED
    link.last_checked_at = now
    link.last_status = result.status
    link.final_url = result.final_url[:_URL_MAX]
    link.redirects = [hop.as_dict() for hop in result.redirects]
    link.last_error = result.error[:_ERROR_MAX]
    if result.outcome is Outcome.HEALTHY:
        link.healthy = True
        link.consecutive_failures = 0
        link.next_check_at = now + recheck_after
        return Outcome.HEALTHY
    outcome = result.outcome
    if outcome is Outcome.TRANSIENT and link.consecutive_failures > 0:
        outcome = Outcome.BROKEN
    if outcome is Outcome.BROKEN:
        link.healthy = False
    link.consecutive_failures = min(link.consecutive_failures + 1, _FAILURES_MAX)
    link.next_check_at = now + link_failure_backoff(failures=link.consecutive_failures)
    return outcome


def _links_still_at_their_url(links: list[ResourceLink]) -> list[ResourceLink]:
    """The links not edited or deleted since they were read, locked until commit."""
    current = dict(
        ResourceLink.objects.select_for_update()
        .filter(pk__in=[link.pk for link in links])
        .values_list("pk", "url")
    )
    return [link for link in links if current.get(link.pk) == link.url]


def _summarize(
    links: list[ResourceLink],
    *,
    outcomes: dict[int, Outcome],
    changes: tuple[HealthChange, ...],
) -> LinkCheckSummary:
    counts = dict.fromkeys(Outcome, 0)
    for outcome in outcomes.values():
        counts[outcome] += 1
    broken = tuple(
        BrokenLink(
            resource=link.resource.slug,
            kind=link.kind,
            url=link.url,
            status=link.last_status,
            error=link.last_error,
        )
        for link in links
        if outcomes[link.pk] is Outcome.BROKEN
    )
    return LinkCheckSummary(
        checked=len(links) - counts[Outcome.SKIPPED],
        healthy=counts[Outcome.HEALTHY],
        broken=counts[Outcome.BROKEN],
        transient=counts[Outcome.TRANSIENT],
        skipped=counts[Outcome.SKIPPED],
        broken_links=broken,
        health_changes=changes,
    )


def resource_feedback_tally(*, resource_id: int, up: int = 0, down: int = 0) -> None:
    """Add learners' votes to a resource's quality signals (``feedback_up``,
    ``feedback_down``; negative numbers take votes back). One atomic UPDATE,
    never below zero. The catalog version does not move for a vote: ranking
    reads the new counts from the next snapshot (the next catalog change),
    so a stream of votes does not rebuild the planner's snapshot each time.
    """
    changes = {}
    if up:
        changes["feedback_up"] = Greatest(F("feedback_up") + up, 0)
    if down:
        changes["feedback_down"] = Greatest(F("feedback_down") + down, 0)
    if changes:
        Resource.objects.filter(pk=resource_id).update(**changes)


@transaction.atomic
def resource_save(
    *,
    resource: Resource,
    changes: Mapping[str, Any],
    topics: Sequence[tuple[Topic, Decimal]] | None = None,
    links: Sequence[tuple[str, str]] | None = None,
) -> Resource:
    """Create or change a resource and, when given, replace its topics and links.

    ``topics`` holds ``(topic, coverage)`` pairs, ``links`` ``(url, kind)``
    pairs; a new resource needs both, as in the admin. Links are matched by
    URL: a kept URL keeps the link checker's verdict, a new one starts
    unchecked; the resource's ``link_health`` is then recomputed. One
    transaction, so the catalog version moves once. A change that changes
    nothing writes nothing. Raises ``ValidationError`` (under ``topics`` or
    ``links`` for the child rows: none, duplicates, not exactly one primary
    link).
    """
    saved = resource.pk is not None
    current_topics = dict(
        ResourceTopic.objects.filter(resource_id=resource.pk).values_list(
            "topic_id", "coverage"
        )
        if saved
        else {}
    )
    current_links = (
        {link.url: link for link in ResourceLink.objects.filter(resource=resource)}
        if saved
        else {}
    )
    wanted_topics = None if topics is None else {t.pk: c for t, c in topics}
    wanted_links = None if links is None else dict(links)
    same_topics = wanted_topics is None or wanted_topics == current_topics
    same_links = wanted_links is None or wanted_links == {
        url: link.kind for url, link in current_links.items()
    }
    unchanged = same_topics and same_links
    if saved and unchanged and not catalog_record_differs(resource, changes):
        return resource
    _resource_children_validate(saved=saved, topics=topics, links=links)
    catalog_record_apply(resource, changes)
    resource.save()
    if not same_topics:
        _resource_topics_replace(
            resource=resource, wanted=wanted_topics or {}, current=current_topics
        )
    if not same_links:
        _resource_links_replace(
            resource=resource, wanted=wanted_links or {}, current=current_links
        )
        resource_link_health_refresh(resource_ids=[resource.pk])
    return resource


def _resource_children_validate(
    *,
    saved: bool,
    topics: Sequence[tuple[Topic, Decimal]] | None,
    links: Sequence[tuple[str, str]] | None,
) -> None:
    errors: dict[str, str] = {}
    if topics is not None or not saved:
        listed = [topic.slug for topic, _coverage in topics or ()]
        duplicates = sorted({slug for slug in listed if listed.count(slug) > 1})
        if not listed:
            errors["topics"] = "A resource covers at least one topic."
        elif duplicates:
            errors["topics"] = (
                f"Each topic may be listed once: {', '.join(duplicates)}."
            )
    if links is not None or not saved:
        urls = [url for url, _kind in links or ()]
        duplicates = sorted({url for url in urls if urls.count(url) > 1})
        primaries = sum(kind == LinkKind.PRIMARY for _url, kind in links or ())
        if duplicates:
            errors["links"] = f"Each URL may be listed once: {', '.join(duplicates)}."
        elif primaries != 1:
            errors["links"] = (
                "A resource needs exactly one link of kind “primary” "
                f"(this one has {primaries})."
            )
    if errors:
        raise ValidationError(errors)


def _resource_topics_replace(
    *, resource: Resource, wanted: dict[int, Decimal], current: dict[int, Decimal]
) -> None:
    ResourceTopic.objects.filter(resource=resource).exclude(
        topic_id__in=wanted
    ).delete()
    for topic_id, coverage in wanted.items():
        if current.get(topic_id) == coverage:
            continue
        row = ResourceTopic(resource=resource, topic_id=topic_id, coverage=coverage)
        if topic_id in current:
            row = ResourceTopic.objects.get(resource=resource, topic_id=topic_id)
            row.coverage = coverage
        row.full_clean()
        row.save()


def _resource_links_replace(
    *, resource: Resource, wanted: dict[str, str], current: dict[str, ResourceLink]
) -> None:
    ResourceLink.objects.filter(resource=resource).exclude(url__in=wanted).delete()
    # Demotions before the promotion: at most one primary link at any moment
    # (a partial unique constraint).
    for url, kind in sorted(wanted.items(), key=lambda item: item[1] == "primary"):
        link = current.get(url) or ResourceLink(resource=resource, url=url)
        if link.pk is not None and link.kind == kind:
            continue
        link.kind = kind
        link.full_clean()
        link.save()


# -- bulk deletes ---------------------------------------------------------------


@dataclass(frozen=True)
class CatalogDeletion:
    """What :func:`catalog_delete` deleted, or would delete in a dry run.

    ``deleted`` counts rows by model label (``"catalog.Resource"``), the rows
    that went with them included; ``unlinked`` counts rows that stay but lose
    their link (a learner's profile keeps its data, not the deleted subject).
    """

    deleted: dict[str, int]
    unlinked: dict[str, int]
    dry_run: bool = False

    def count(self, label: str) -> int:
        return self.deleted.get(label, 0)

    @property
    def total(self) -> int:
        return sum(self.deleted.values())


def catalog_delete(
    *,
    subject_ids: Iterable[int] = (),
    resource_ids: Iterable[int] = (),
    everything: bool = False,
    dry_run: bool = False,
    reindex: str = "task",
) -> CatalogDeletion:
    """Delete catalog records in bulk, all or nothing.

    ``subject_ids``: each subject with everything under it: its topics,
    tracks and choice groups, and the resources that cover no other
    subject's topics (a resource also covering another subject only loses
    its rows here). ``resource_ids``: those resources, with their links and
    topic rows. ``everything``: the whole catalog, providers included.
    Dependent rows go as the models' ``on_delete`` says (prerequisites on
    the deleted topics, learners' feedback on the resources...), a statement
    per batch and no per-row signal: the catalog version moves once, and
    search re-indexes once, after the commit (``reindex`` as for
    :func:`catalog.transfer.catalog_import`: ``"task"``, ``"now"`` or
    ``"none"``). ``dry_run`` only counts, for a confirmation page.

    Returns a :class:`CatalogDeletion`. Raises ``NotFound`` for an id with
    no record, ``Conflict`` if a protected row would be left without what
    it needs, ``ValueError`` for an unknown ``reindex``.
    """
    if reindex not in REBUILD_MODES:
        raise ValueError(f"reindex must be 'task', 'now' or 'none', not {reindex!r}")
    with transaction.atomic():
        if not dry_run:
            catalog_version_lock()
        roots = _deletion_roots(
            subject_ids=set(subject_ids),
            resource_ids=set(resource_ids),
            everything=everything,
        )
        cascade = Cascade(execute=not dry_run)
        if not dry_run and any(pks for _, pks in roots):
            catalog_bulk_deleting.send(
                sender=CatalogDeletion,
                deleted=None if everything else _indexed_kinds(roots),
                rebuild=reindex,
            )
        for model, pks in roots:
            cascade.delete(model, pks)
        if cascade.deleted and not dry_run:
            catalog_version_bump()
    return CatalogDeletion(
        deleted={label: n for label, n in cascade.deleted.items() if n},
        unlinked={label: n for label, n in cascade.unlinked.items() if n},
        dry_run=dry_run,
    )


_ROOT_KINDS = {
    Resource: "resource",
    Track: "track",
    Topic: "topic",
    Subject: "subject",
    Provider: "provider",
}


def _indexed_kinds(roots: list[tuple[type, list[int]]]) -> dict[str, list[int]]:
    return {_ROOT_KINDS[model]: pks for model, pks in roots if model in _ROOT_KINDS}


def _deletion_roots(
    *, subject_ids: set[int], resource_ids: set[int], everything: bool
) -> list[tuple[type, list[int]]]:
    """The records to delete, dependents before what they depend on."""

    def pks(query: QuerySet) -> list[int]:
        return list(query.order_by().values_list("pk", flat=True))

    if everything:
        return [
            (model, pks(model.objects.all()))
            for model in (Resource, ChoiceGroup, Track, Topic, Subject, Provider)
        ]
    for model, wanted in ((Subject, subject_ids), (Resource, resource_ids)):
        found: set[int] = set()
        for batch in chunks(sorted(wanted)):
            found.update(pks(model.objects.filter(pk__in=batch)))
        if missing := sorted(wanted - found):
            name = model._meta.verbose_name_plural
            raise NotFound(f"No {name} with these ids: {missing[:10]}.")
    # The subjects of every topic the resources under them cover, in one
    # query: the NOT IN form of this took seconds per thousand resources.
    covering = ResourceTopic.objects.filter(topic__subject_id__in=subject_ids)
    rows = ResourceTopic.objects.filter(
        resource_id__in=covering.values("resource_id")
    ).values_list("resource_id", "topic__subject_id")
    under, elsewhere = set(), set()
    for resource_id, subject_id in rows:
        (under if subject_id in subject_ids else elsewhere).add(resource_id)
    only_there = under - elsewhere
    under = {"subject_id__in": subject_ids}
    return [
        (Resource, sorted(resource_ids | only_there)),
        (ChoiceGroup, pks(ChoiceGroup.objects.filter(**under))),
        (Track, pks(Track.objects.filter(**under))),
        (Topic, pks(Topic.objects.filter(**under))),
        (Subject, sorted(subject_ids)),
    ]
