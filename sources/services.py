"""Writes of the review queue: finding candidates, and a curator's verdicts.

Nothing here offers anything to learners: a candidate becomes part of the
catalog only through :func:`candidate_accept`, as a curated resource saved by
``catalog.services.resource_save`` like any other.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify

import structlog

from catalog.models import Provider, Resource
from catalog.services import resource_save
from embeddings.matching import candidate_topics_assign
from taxonomy.enums import Cost, Format, Language, LinkKind
from taxonomy.models import Topic
from taxonomy.services import catalog_record_save
from wayfinder.errors import Conflict

from .base import Found, Query, Source
from .canonical import url_canonical
from .fetch import SearchResult, sources_search
from .models import Candidate, CandidateStatus, GapKind, RejectedUrl
from .registry import fetch_config, sources_enabled
from .selectors import (
    OPEN_STATUSES,
    Gap,
    catalog_duplicates,
    catalog_gaps,
    gaps_with_open_candidates,
)

logger = structlog.get_logger(__name__)

# What an accepted candidate's duration is when its source did not say: a
# first guess for the curator to correct in the resource form it opens.
DEFAULT_MINUTES = {
    Format.BOOK: 600,
    Format.COURSE: 600,
    Format.PROJECT: 240,
    Format.VIDEO: 20,
    Format.PODCAST: 45,
}
DEFAULT_MINUTES_OTHER = 30
_SLUG_MAX = Resource._meta.get_field("slug").max_length


class CandidateClosed(Conflict):
    code = "candidate_closed"
    default_message = "This candidate has already been reviewed."


class CandidateDuplicate(Conflict):
    code = "candidate_duplicate"
    default_message = "This URL is already in the catalog."


@dataclass(frozen=True)
class SourceFailure:
    source: str
    query: str
    error: str


@dataclass(frozen=True)
class FindSummary:
    """What one search run did: candidates queued, searches made, failures."""

    queued: tuple[Candidate, ...] = ()
    searches: int = 0
    failures: tuple[SourceFailure, ...] = ()
    skipped: int = 0

    @property
    def all_failed(self) -> bool:
        """Every search failed: nothing could even be looked at."""
        return self.searches > 0 and len(self.failures) == self.searches


def candidates_find(
    *,
    topic: Topic,
    sources: Sequence[Source] | None = None,
    gaps: Sequence[Gap] | None = None,
) -> FindSummary:
    """Search the sources for one topic and queue what they found.

    ``gaps`` defaults to one manual search in the topic's subject's languages
    (or with no language when it lists none). Returns a :class:`FindSummary`.
    """
    if gaps is None:
        languages = list(topic.subject.languages or []) or [""]
        gaps = [Gap(topic.pk, GapKind.MANUAL, lang, topic.level) for lang in languages]
    return _find(gaps=gaps, topics={topic.pk: topic}, sources=sources)


def candidates_find_for_gaps(
    *, sources: Sequence[Source] | None = None, max_gaps: int | None = None
) -> FindSummary:
    """Search the sources for the catalog's gaps (``selectors.catalog_gaps``).

    Gaps that already have open candidates (pending or deferred) for their
    topic and language are left alone, so the queue does not pile up; at most
    ``max_gaps`` (``SOURCES["GAPS_PER_RUN"]``) are searched per run.
    """
    limit = max_gaps if max_gaps is not None else settings.SOURCES["GAPS_PER_RUN"]
    gaps = catalog_gaps()
    busy = gaps_with_open_candidates(gaps)
    todo = [g for g in gaps if (g.topic_id, g.language) not in busy][:limit]
    topics = (
        Topic.objects.select_related("subject")
        .prefetch_related("translations")
        .in_bulk({gap.topic_id for gap in todo})
    )
    return _find(gaps=todo, topics=topics, sources=sources)


def _find(
    *,
    gaps: Sequence[Gap],
    topics: dict[int, Topic],
    sources: Sequence[Source] | None,
) -> FindSummary:
    sources = list(sources) if sources is not None else sources_enabled()
    limit = settings.SOURCES["RESULTS_PER_SEARCH"]
    searches: list[tuple[Source, Query]] = []
    search_gaps: list[Gap] = []
    for gap in gaps:
        query = Query(
            text=_query_text(topics[gap.topic_id], gap.language),
            language=gap.language,
            level=gap.level,
            limit=limit,
        )
        for source in sources:
            searches.append((source, query))
            search_gaps.append(gap)
    if not searches:
        return FindSummary()
    results = sources_search(searches, config=fetch_config())
    failures = tuple(
        SourceFailure(r.source, r.query.text, str(r.error)) for r in results if r.error
    )
    queued, skipped = _queue(list(zip(search_gaps, results, strict=True)), topics)
    summary = FindSummary(
        queued=queued, searches=len(results), failures=failures, skipped=skipped
    )
    logger.info(
        "source_candidates_found",
        gaps=len(gaps),
        searches=summary.searches,
        failures=len(failures),
        queued=len(queued),
        skipped=skipped,
    )
    return summary


def _query_text(topic: Topic, language: str) -> str:
    """The topic's name in the wanted language when curators gave one."""
    if language and language != Language.EN:
        for translation in topic.translations.all():
            if translation.language == language and translation.name:
                return translation.name
    return topic.name


@transaction.atomic
def _queue(
    pairs: list[tuple[Gap, SearchResult]], topics: dict[int, Topic]
) -> tuple[tuple[Candidate, ...], int]:
    """Save the found items as candidates; returns them and how many were left
    out (rejected before, already queued for the topic, or in another language
    than the gap wants)."""
    wanted: list[tuple[Gap, Found]] = [
        (gap, item) for gap, result in pairs for item in result.found
    ]
    # With embeddings configured, an item clearly about a sibling topic is
    # filed under it (docs/embeddings.md); otherwise every topic stays.
    assigned = candidate_topics_assign(
        items=[(gap.topic_id, item.title, item.description) for gap, item in wanted]
    )
    wanted = [
        (replace(gap, topic_id=topic_id), item)
        for (gap, item), topic_id in zip(wanted, assigned, strict=True)
    ]
    canonical = {item.url: url_canonical(item.url) for _, item in wanted}
    rejected = set(
        RejectedUrl.objects.filter(
            canonical_url__in=set(canonical.values())
        ).values_list("canonical_url", flat=True)
    )
    known = set(
        Candidate.objects.filter(
            topic_id__in={gap.topic_id for gap, _ in wanted},
            canonical_url__in=set(canonical.values()),
        ).values_list("topic_id", "canonical_url")
    )
    duplicates = catalog_duplicates((item.url, item.title) for _, item in wanted)
    queued, skipped = [], 0
    for gap, item in wanted:
        key = (gap.topic_id, canonical[item.url])
        off_language = gap.language and item.language and item.language != gap.language
        if canonical[item.url] in rejected or key in known or off_language:
            skipped += 1
            continue
        known.add(key)
        candidate = _candidate_from(gap, item, canonical[item.url], duplicates)
        try:
            candidate.full_clean(validate_constraints=False)
        except ValidationError as exc:
            logger.info("source_candidate_invalid", url=item.url, errors=exc.messages)
            skipped += 1
            continue
        queued.append(candidate)
    try:
        with transaction.atomic():
            Candidate.objects.bulk_create(queued)
    except IntegrityError:
        # A concurrent run queued some of these first: keep the others.
        queued = Candidate.objects.bulk_create(queued, ignore_conflicts=True)
    topics = {**topics, **Topic.objects.in_bulk(set(assigned) - set(topics))}
    for candidate in queued:
        candidate.topic = topics[candidate.topic_id]
    return tuple(queued), skipped


def _candidate_from(
    gap: Gap,
    item: Found,
    canonical: str,
    duplicates: dict[tuple[str, str], tuple[str, int]],
) -> Candidate:
    duplicate, duplicate_of = duplicates.get((item.url, item.title), ("", None))
    return Candidate(
        topic_id=gap.topic_id,
        gap=gap.kind,
        gap_language=gap.language,
        gap_level=gap.level,
        source=item.source,
        source_ids=dict(item.identifiers),
        title=item.title,
        url=item.url,
        canonical_url=canonical,
        provider_name=item.provider_name[:160],
        provider_url=item.provider_url,
        format=item.format if item.format in Format.values else Format.ARTICLE,
        language=item.language if item.language in Language.values else "",
        duration_minutes=item.duration_minutes,
        description=item.description,
        duplicate=duplicate,
        duplicate_of_id=duplicate_of,
    )


def _locked_open(candidate: Candidate) -> Candidate:
    locked = (
        Candidate.objects.select_for_update()
        .select_related("topic")
        .get(pk=candidate.pk)
    )
    if locked.status not in OPEN_STATUSES:
        raise CandidateClosed(
            f"“{locked.title}” was already {locked.get_status_display().lower()}."
        )
    return locked


def _review(candidate: Candidate, *, actor: Any, now: datetime | None) -> None:
    candidate.reviewed_by = actor
    candidate.reviewed_at = now or timezone.now()


@transaction.atomic
def candidate_accept(
    *, candidate: Candidate, actor: Any, now: datetime | None = None
) -> Resource:
    """Make the candidate a curated resource covering its topic.

    The resource gets the candidate's title, description, format, language
    (the gap's when the source did not say), duration (a first guess per
    format when unknown), the gap's level, its URL as the primary link and a
    provider (found by name or URL, else created). Saved through
    ``catalog.services.resource_save``, so the catalog version moves and the
    link checker picks the link up. Raises :class:`CandidateClosed` for a
    reviewed candidate, :class:`CandidateDuplicate` when a catalog resource
    already has its URL, ``ValidationError`` when the metadata does not make
    a valid resource.
    """
    candidate = _locked_open(candidate)
    duplicates = catalog_duplicates([(candidate.url, candidate.title)])
    kind, resource_id = duplicates.get((candidate.url, candidate.title), ("", None))
    if kind == "url":
        existing = Resource.objects.get(pk=resource_id)
        raise CandidateDuplicate(
            f"{candidate.url} is already in the catalog as “{existing.title}” "
            f"({existing.slug}): add the topic to that resource instead.",
            details={"resource": existing.slug},
        )
    language = candidate.language or candidate.gap_language or Language.EN
    resource = resource_save(
        resource=Resource(),
        changes={
            "title": candidate.title,
            "slug": _free_slug(candidate.title),
            "description": candidate.description,
            "provider": _provider_for(candidate),
            "format": candidate.format,
            "language": language,
            "duration_minutes": candidate.duration_minutes
            or DEFAULT_MINUTES.get(candidate.format, DEFAULT_MINUTES_OTHER),
            "difficulty": candidate.gap_level or candidate.topic.level,
            "cost": Cost.FREE,
        },
        topics=[(candidate.topic, Decimal("1.00"))],
        links=[(candidate.url, LinkKind.PRIMARY)],
    )
    candidate.status = CandidateStatus.ACCEPTED
    candidate.resource = resource
    _review(candidate, actor=actor, now=now)
    candidate.save()
    return resource


@transaction.atomic
def candidate_reject(
    *, candidate: Candidate, actor: Any, reason: str, now: datetime | None = None
) -> int:
    """Turn the candidate down for ``reason``; its URL is never suggested again.

    Every other open candidate with the same URL (for other topics) is
    rejected with it. Returns how many candidates were rejected. Raises
    ``ValidationError`` without a reason, :class:`CandidateClosed` for a
    reviewed candidate.
    """
    reason = (reason or "").strip()[:255]
    if not reason:
        raise ValidationError({"reason": "Say why the candidate is rejected."})
    candidate = _locked_open(candidate)
    reviewed_at = now or timezone.now()
    RejectedUrl.objects.get_or_create(
        canonical_url=candidate.canonical_url,
        defaults={"reason": reason, "rejected_by": actor},
    )
    return Candidate.objects.filter(
        canonical_url=candidate.canonical_url, status__in=OPEN_STATUSES
    ).update(
        status=CandidateStatus.REJECTED,
        reject_reason=reason,
        reviewed_by=actor,
        reviewed_at=reviewed_at,
    )


@transaction.atomic
def candidate_defer(
    *, candidate: Candidate, actor: Any, now: datetime | None = None
) -> Candidate:
    """Put the candidate aside: it stays open (and keeps its gap searched
    no further) until a curator accepts or rejects it."""
    candidate = _locked_open(candidate)
    candidate.status = CandidateStatus.DEFERRED
    _review(candidate, actor=actor, now=now)
    candidate.save(update_fields=["status", "reviewed_by", "reviewed_at"])
    return candidate


def _provider_for(candidate: Candidate) -> Provider:
    slug = slugify(candidate.provider_name)[:80] or "external"
    provider = Provider.objects.filter(slug=slug).first()
    if provider is None and candidate.provider_url:
        provider = Provider.objects.filter(url=candidate.provider_url).first()
    if provider is not None:
        return provider
    return catalog_record_save(
        record=Provider(),
        changes={
            "slug": slug,
            "name": candidate.provider_name,
            "url": candidate.provider_url or candidate.url,
        },
    )


def _free_slug(title: str) -> str:
    base = slugify(title)[: _SLUG_MAX - 4].strip("-") or "resource"
    taken = set(
        Resource.objects.filter(slug__startswith=base).values_list("slug", flat=True)
    )
    if base not in taken:
        return base
    number = 2
    while f"{base}-{number}" in taken:
        number += 1
    return f"{base}-{number}"
