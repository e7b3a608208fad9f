"""Reads for the site's pages: subjects for the home page, a subject page's
tracks and sample roadmap, and where the call to action leads."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Prefetch
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from planner.domain import CatalogGraph, CatalogGraphError, Plan
from taxonomy.enums import GoalKind, Language, Level
from taxonomy.models import Subject, Track
from taxonomy.selectors import catalog_version_cache_key
from wayfinder.errors import ApplicationError

SAMPLE_WEEKLY_HOURS = 5
SAMPLE_STEPS_SHOWN = 5
GOAL_KIND_LABELS = dict(GoalKind.choices)
# Plans only change with the catalog version (in the key); the timeout just
# lets entries of old versions leave the cache. ``settings.HOME_PAGES_CACHE``
# (default on) turns the cache off where rolled-back catalogs reuse version
# numbers: the tests.
SAMPLE_CACHE_SECONDS = int(timedelta(days=7).total_seconds())


def language_names(codes: list[str] | tuple[str, ...]) -> list[str]:
    """ISO 639-1 codes as English names ("es" -> "Spanish"), in the order
    given; an unknown code stays as it is."""
    # The choices' labels add the native name ("Spanish (Español)").
    labels = {code: str(label).split(" (")[0] for code, label in Language.choices}
    return [labels.get(code, code) for code in codes]


def wizard_url(*, subject_slug: str | None = None) -> str:
    """The onboarding wizard's address, with the subject chosen when given."""
    url = reverse("onboarding:start")
    if subject_slug:
        return f"{url}?{urlencode({'subject': subject_slug})}"
    return url


def subject_search_url(*, subject_slug: str) -> str:
    return f"{reverse('search:page')}?{urlencode({'subject': subject_slug})}"


def subject_list_for_home(*, request: HttpRequest | None = None) -> list[Subject]:
    """Subjects by name, each with ``topic_count``, ``track_list``,
    ``language_names`` and ``page_url`` (its SubjectPage, else the catalog
    search filtered to it), in three queries."""
    from .models import SubjectPage

    subjects = list(
        Subject.objects.annotate(topic_count=Count("topics", distinct=True))
        .prefetch_related(
            Prefetch(
                "tracks", queryset=Track.objects.order_by("name"), to_attr="track_list"
            )
        )
        .order_by("name")
    )
    pages = {
        page.subject_id: page
        for page in SubjectPage.objects.live().filter(subject__isnull=False)
    }
    for subject in subjects:
        page = pages.get(subject.pk)
        url = page.get_url(request) if page is not None else None
        subject.page_url = url or subject_search_url(subject_slug=subject.slug)
        subject.has_page = bool(url)
        subject.language_names = language_names(subject.languages or [])
    return subjects


@dataclasses.dataclass(frozen=True, slots=True)
class SampleStep:
    name: str
    hours: float
    week_start: int
    week_end: int

    @property
    def hours_text(self) -> str:
        return f"{self.hours:g}"


@dataclasses.dataclass(frozen=True, slots=True)
class TrackPlan:
    """A track as the planner plans it for a default beginner: no deadline,
    SAMPLE_WEEKLY_HOURS a week, nothing known. ``hours`` is None when the
    planner could not plan it."""

    slug: str
    name: str
    description: str
    goal_kind: str
    hours: float | None = None
    step_count: int = 0
    weeks: int = 0
    first_steps: tuple[SampleStep, ...] = ()

    @property
    def hours_text(self) -> str:
        return f"{round(self.hours or 0):d}"


@dataclasses.dataclass(frozen=True, slots=True)
class SubjectPageDetails:
    subject: Subject | None
    language_names: list[str]
    tracks: tuple[TrackPlan, ...]
    sample: TrackPlan | None
    weekly_hours: int
    wizard_url: str


def subject_page_details(*, page) -> SubjectPageDetails:
    """What a SubjectPage shows: the subject, its tracks with a beginner's
    hours, a sample roadmap (the editor's sample track, else the shortest)
    and the links onward. Tracks come from the planner's snapshot and plans
    cached per catalog version, so the page costs the same queries for any
    catalog."""
    from planner.selectors import catalog_graph_get

    subject = page.subject
    if subject is None:
        return SubjectPageDetails(None, [], (), None, 0, wizard_url())
    try:
        graph = catalog_graph_get()
    except CatalogGraphError:
        graph = None
    tracks = ()
    if graph is not None:
        tracks = subject_track_plans(
            graph=graph,
            subject_slug=subject.slug,
            language=_sample_language(subject.languages or []),
        )
    return SubjectPageDetails(
        subject=subject,
        language_names=language_names(subject.languages or []),
        tracks=tracks,
        sample=_sample_track(page=page, tracks=tracks),
        weekly_hours=SAMPLE_WEEKLY_HOURS,
        wizard_url=wizard_url(subject_slug=subject.slug),
    )


def subject_track_plans(
    *, graph: CatalogGraph, subject_slug: str, language: str
) -> tuple[TrackPlan, ...]:
    """The subject's tracks by name, each planned for a default beginner,
    cached per catalog version (planning a track takes milliseconds; a page
    view should not repeat it)."""
    use_cache = getattr(settings, "HOME_PAGES_CACHE", True)
    key = catalog_version_cache_key(
        f"home:track-plans:{subject_slug}:{language}", graph.version
    )
    cached = _cache_get(key) if use_cache else None
    if cached is not None:
        return cached
    today = timezone.localdate()
    plans = []
    for slug in graph.tracks_by_subject.get(subject_slug, ()):
        plans.append(
            _track_plan(graph=graph, track_slug=slug, language=language, today=today)
        )
    plans.sort(key=lambda t: (t.name.casefold(), t.slug))
    result = tuple(plans)
    if use_cache:
        cache.set(key, result, SAMPLE_CACHE_SECONDS)
    return result


def _cache_get(key: str) -> tuple[TrackPlan, ...] | None:
    try:
        return cache.get(key)
    except Exception:  # noqa: BLE001 -- an entry pickled by older code is a miss
        return None


def _track_plan(
    *, graph: CatalogGraph, track_slug: str, language: str, today: date
) -> TrackPlan:
    from planner.services import plan_preview

    track = graph.tracks[track_slug]
    known = TrackPlan(
        slug=track.slug,
        name=track.name,
        description=track.description,
        goal_kind=str(GOAL_KIND_LABELS.get(str(track.goal_kind), track.goal_kind)),
    )
    raw = {
        "subject": track.subject,
        "track": track.slug,
        "level": Level.BEGINNER.value,
        "weekly_hours": SAMPLE_WEEKLY_HOURS,
        "language": language,
    }
    try:
        plan = plan_preview(raw=raw, answers={}, today=today).plan
    except ApplicationError:
        # A track the planner refuses for a default beginner is an editorial
        # gap, not a broken page: the page shows the track without hours.
        return known
    if plan is None or not plan.steps:
        return known
    return dataclasses.replace(
        known,
        hours=plan.total_hours,
        step_count=len(plan.steps),
        weeks=max(step.week_end for step in plan.steps),
        first_steps=_first_steps(plan),
    )


def _first_steps(plan: Plan) -> tuple[SampleStep, ...]:
    return tuple(
        SampleStep(
            name=step.name,
            hours=step.hours,
            week_start=step.week_start,
            week_end=step.week_end,
        )
        for step in plan.steps[:SAMPLE_STEPS_SHOWN]
    )


def _sample_track(*, page, tracks: tuple[TrackPlan, ...]) -> TrackPlan | None:
    """The editor's sample track, else the planned track with the fewest
    hours: the gentlest way in for a beginner."""
    planned = [t for t in tracks if t.hours is not None]
    if page.sample_track_id is not None:
        chosen = (
            Track.objects.filter(pk=page.sample_track_id, subject_id=page.subject_id)
            .values_list("slug", flat=True)
            .first()
        )
        for track in planned:
            if track.slug == chosen:
                return track
    return min(planned, key=lambda t: (t.hours, t.name), default=None)


def _sample_language(codes: list[str]) -> str:
    """English when the subject is offered in it, else its first language."""
    if not codes or Language.EN in codes:
        return Language.EN.value
    return codes[0]
