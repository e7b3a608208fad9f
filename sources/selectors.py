"""Reads for the review queue and the gap search."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import reduce
from operator import or_

from django.db.models import (
    Case,
    CharField,
    Exists,
    Expression,
    ExpressionWrapper,
    F,
    IntegerField,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
    Window,
)
from django.db.models.functions import Coalesce, NullIf, RowNumber

from catalog.models import Resource, ResourceLink
from catalog.reports import catalog_health_report
from taxonomy.enums import Format, Language

from .canonical import title_key_word, titles_near_identical, url_canonical
from .models import Candidate, CandidateStatus, DuplicateKind, GapKind, RejectedUrl

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


# -- what learners may see -----------------------------------------------------------
#: At most this many unreviewed candidates are suggested for one step.
SUGGESTIONS_PER_TOPIC = 3

#: The columns a suggestion shows (the rest of a candidate stays unread).
SUGGESTION_FIELDS = (
    "topic_id",
    "source",
    "title",
    "url",
    "provider_name",
    "provider_url",
    "format",
    "language",
    "gap_language",
    "duration_minutes",
    "status",
)
#: How well a candidate's language fits the learner: their language, English
#: (the fallback the planner prefers too), another stated language, unknown.
IN_LANGUAGE, ENGLISH, OTHER_LANGUAGE, UNKNOWN_LANGUAGE = range(4)


@dataclass(frozen=True)
class Suggestion:
    """An open candidate as a learner (or an export) sees it: never curated.

    ``language`` is the source's, else the language its gap was searched in,
    else ""; ``language_fallback`` is true when it is not the learner's.
    """

    topic_id: int
    source: str
    title: str
    url: str
    provider_name: str
    provider_url: str
    format: str
    language: str
    duration_minutes: int | None
    language_fallback: bool

    @property
    def format_label(self) -> str:
        return Format(self.format).label if self.format in Format.values else ""

    @property
    def language_label(self) -> str:
        """The language's name, "" when unknown."""
        return Language(self.language).label if self.language in Language.values else ""


def candidates_suggested(
    *,
    topic_ids: Iterable[int],
    language: str | Expression,
    adult: bool | Expression,
    per_topic: int = SUGGESTIONS_PER_TOPIC,
) -> dict[int, list[Suggestion]]:
    """The unreviewed candidates a learner may be shown for each topic: one
    query for any number of topics (none for no topics or a minor).

    Only open candidates (pending, then deferred), never one whose URL
    curators rejected, one flagged as a duplicate of a catalog resource or one
    whose URL is not http(s). Per topic, those in the learner's ``language``
    when there are any; otherwise the best other tier (English, then another
    stated language, then unknown), flagged ``language_fallback``. At most
    ``per_topic``, ordered by status, title and id. ``language`` and ``adult``
    may be SQL expressions (a subquery on the learner's profile), so a
    caller that has not read the profile pays no query for it; ``adult``
    false shows nothing: unreviewed material has had no age judgement.
    """
    topic_ids = sorted(set(topic_ids))
    if not topic_ids or adult is False:
        return {}
    if isinstance(language, str):
        language = Value(language)
    said = ExpressionWrapper(
        Coalesce(
            NullIf(F("language"), Value("")), NullIf(F("gap_language"), Value(""))
        ),
        output_field=CharField(),
    )
    fit = Case(
        When(Q(said_language=language), then=Value(IN_LANGUAGE)),
        When(said_language="en", then=Value(ENGLISH)),
        When(said_language__isnull=False, then=Value(OTHER_LANGUAGE)),
        default=Value(UNKNOWN_LANGUAGE),
        output_field=IntegerField(),
    )
    status_rank = Case(
        When(status=CandidateStatus.PENDING, then=Value(0)),
        default=Value(1),
        output_field=IntegerField(),
    )
    order = [F("fit").asc(), F("status_rank").asc(), F("title").asc(), F("pk").asc()]
    rows = (
        Candidate.objects.filter(
            topic_id__in=topic_ids,
            status__in=OPEN_STATUSES,
            duplicate=DuplicateKind.NONE,
        )
        .filter(Q(url__startswith="https://") | Q(url__startswith="http://"))
        .exclude(
            Exists(RejectedUrl.objects.filter(canonical_url=OuterRef("canonical_url")))
        )
        .annotate(said_language=said)
        .annotate(fit=fit, status_rank=status_rank)
        .annotate(
            best_fit=Window(Min("fit"), partition_by=[F("topic_id")]),
            place=Window(RowNumber(), partition_by=[F("topic_id")], order_by=order),
        )
        .filter(place__lte=per_topic, fit=F("best_fit"))
        .order_by("topic_id", *order)
    )
    if adult is not True:
        rows = rows.filter(adult)
    found: dict[int, list[Suggestion]] = {}
    for row in rows.only(*SUGGESTION_FIELDS):
        found.setdefault(row.topic_id, []).append(
            Suggestion(
                topic_id=row.topic_id,
                source=row.source,
                title=row.title,
                url=row.url,
                provider_name=row.provider_name,
                provider_url=row.provider_url,
                format=row.format,
                language=row.said_language or "",
                duration_minutes=row.duration_minutes,
                language_fallback=row.fit != IN_LANGUAGE,
            )
        )
    return found
