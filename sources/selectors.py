"""Reads for the review queue and the gap search."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import reduce
from operator import or_

from django.db.models import Q, QuerySet

from catalog.models import Resource, ResourceLink
from catalog.reports import catalog_health_report

from .canonical import title_key_word, titles_near_identical, url_canonical
from .models import Candidate, CandidateStatus, DuplicateKind, GapKind

OPEN_STATUSES = (CandidateStatus.PENDING, CandidateStatus.DEFERRED)


@dataclass(frozen=True)
class Gap:
    """A topic to search for, and why: the language and level wanted."""

    topic_id: int
    kind: GapKind
    language: str = ""
    level: str = ""


def candidate_list_for_admin() -> QuerySet[Candidate]:
    return Candidate.objects.select_related(
        "topic", "topic__subject", "duplicate_of", "resource", "reviewed_by"
    )


def catalog_gaps() -> list[Gap]:
    """The catalog's gaps, from the health report (catalog/reports.py): a
    language gap per missing language, a level gap at the topic's level, and
    thin topics (fewer than two offerable resources) in the subject's default.

    One gap per topic and language: a topic with language gaps gets only
    those; otherwise a level gap wins over a thin topic. Language gaps come
    first, each group in the report's order.
    """
    report = catalog_health_report()
    gaps: dict[tuple[int, str], Gap] = {}
    for item in report.language_gaps:
        for language in item.missing_languages:
            key = (item.topic.id, language)
            gaps.setdefault(
                key, Gap(item.topic.id, GapKind.LANGUAGE, language, item.topic.level)
            )
    # A topic searched for its missing languages is searched at its level
    # already: a level or thin gap adds a search only for other topics.
    searched = {topic_id for topic_id, _ in gaps}
    for kind, items in (
        (GapKind.LEVEL, report.level_gaps),
        (GapKind.THIN, report.thin_topics),
    ):
        for item in items:
            if item.topic.id not in searched:
                gaps.setdefault(
                    (item.topic.id, ""), Gap(item.topic.id, kind, "", item.topic.level)
                )
    return list(gaps.values())


def gaps_with_open_candidates(gaps: Iterable[Gap]) -> set[tuple[int, str]]:
    """``(topic_id, language)`` of the gaps that already have open candidates."""
    topic_ids = {gap.topic_id for gap in gaps}
    return set(
        Candidate.objects.filter(topic_id__in=topic_ids, status__in=OPEN_STATUSES)
        .values_list("topic_id", "gap_language")
        .distinct()
    )


def catalog_duplicates(
    items: Iterable[tuple[str, str]],
) -> dict[tuple[str, str], tuple[DuplicateKind, int]]:
    """For ``(url, title)`` pairs, the catalog resource each duplicates.

    Same canonical URL (any of a resource's links) first, else a near-identical
    title. Two queries whatever the number of items: links on the items'
    hosts, and resources whose title holds each item's longest word.
    """
    items = list(dict.fromkeys(items))
    found: dict[tuple[str, str], tuple[DuplicateKind, int]] = {}
    if not items:
        return found
    hosts = {url_canonical(url).split("/", 1)[0] for url, _ in items}
    by_url = (
        {
            url_canonical(url): resource_id
            for url, resource_id in ResourceLink.objects.filter(
                reduce(or_, (Q(url__icontains=host) for host in hosts if host))
            ).values_list("url", "resource_id")
        }
        if any(hosts)
        else {}
    )
    words = {title_key_word(title) for _, title in items} - {""}
    titles = (
        list(
            Resource.objects.filter(
                reduce(or_, (Q(title__icontains=word) for word in words))
            )
            .order_by("pk")
            .values_list("pk", "title")
        )
        if words
        else []
    )
    for url, title in items:
        resource_id = by_url.get(url_canonical(url))
        if resource_id is not None:
            found[(url, title)] = (DuplicateKind.URL, resource_id)
            continue
        for pk, existing in titles:
            if titles_near_identical(title, existing):
                found[(url, title)] = (DuplicateKind.TITLE, pk)
                break
    return found
