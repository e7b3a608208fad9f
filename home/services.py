"""Writes of the site's pages: the demo content ``manage.py demo_pages`` puts in."""

from __future__ import annotations

import dataclasses
import uuid

from django.db import transaction

from wagtail.models import Page

from taxonomy.models import Subject

from .models import HomePage, StandardPage, SubjectPage

# Paths Django answers before Wagtail's tree (wayfinder/urls.py, and the
# learner routes being built): a page there could never be reached.
RESERVED_SLUGS = frozenset(
    {"admin", "api", "documents", "exports", "healthz", "readyz", "search"}
    | {"accounts", "onboarding", "roadmaps", "signup", "static", "media"}
)


@dataclasses.dataclass(frozen=True, slots=True)
class DemoPagesReport:
    home_filled: bool
    subject_pages_created: tuple[str, ...]
    standard_pages_created: tuple[str, ...]


def _block(kind: str, value: object) -> dict:
    return {"type": kind, "value": value, "id": str(uuid.uuid4())}


def _text(html: str) -> dict:
    return _block("text", html)


HOME_BODY = [
    _block(
        "hero",
        {
            "heading": "A learning roadmap made for you",
            "text": "Tell us what you want to learn and how much time you have. "
            "Wayfinder plans the topics in the right order, week by week, with "
            "the best resources for each from a curated catalog.",
            "cta_label": "Build my roadmap",
        },
    ),
    _block(
        "how_it_works",
        {
            "heading": "How it works",
            "steps": [
                {
                    "title": "Say where you want to go",
                    "text": "Pick a subject and a goal, your level and the hours "
                    "you have each week.",
                },
                {
                    "title": "Answer up to three questions",
                    "text": "Only when they change your plan, and each says why "
                    "it is asked.",
                },
                {
                    "title": "Follow your roadmap",
                    "text": "Steps in order, with resources ranked for you. Mark "
                    "progress, pin what you like, regenerate when things change.",
                },
            ],
        },
    ),
    _block(
        "subjects",
        {
            "heading": "Subjects",
            "intro": "Open a subject to see its goal tracks and a sample roadmap.",
        },
    ),
]

STANDARD_PAGES = {
    "about": (
        "About Wayfinder",
        "Personal learning roadmaps from a curated catalog.",
        [
            _text(
                "<p>Wayfinder turns a catalog of learning resources, curated by "
                "people, into a roadmap for one learner: the topics a goal needs, "
                "in an order where each builds on the last, scheduled to the hours "
                "you have.</p>"
            ),
            _block("heading", "Where the resources come from"),
            _text(
                "<p>Curators choose each resource and link it to the topics it "
                "teaches. Links are checked regularly; a broken one leaves the "
                "catalog until it is fixed.</p>"
            ),
        ],
    ),
    "help": (
        "Help",
        "Answers to the questions learners ask most.",
        [
            _block("heading", "How is my roadmap planned?"),
            _text(
                "<p>From your goal, Wayfinder finds the topics you need and "
                "everything they rely on, leaves out what you already know, and "
                "schedules the rest at your weekly hours.</p>"
            ),
            _block("heading", "Can I change it later?"),
            _text(
                "<p>Yes. Regenerating keeps what you pinned, completed and wrote "
                "down, and shows what changed.</p>"
            ),
            _block(
                "callout",
                {
                    "heading": "Keyboard and screen readers",
                    "text": "<p>Every part of the site works with a keyboard alone. "
                    "Tell us when something does not.</p>",
                },
            ),
        ],
    ),
    "privacy": (
        "Privacy",
        "What we keep about you, and why.",
        [
            _block("heading", "What we keep"),
            _text(
                "<ul><li>Your account: name, email address and password (stored "
                "hashed).</li><li>Your answers to the onboarding questions, used "
                "only to plan your roadmap.</li><li>Your roadmaps, progress, pins "
                "and notes.</li><li>Exports you ask for, kept for a short time.</li></ul>"
            ),
            _block("heading", "What we do not do"),
            _text(
                "<p>We do not sell your data or show you advertising. An optional "
                "language model may phrase texts; it never receives your name or "
                "email address.</p>"
            ),
        ],
    ),
}


@transaction.atomic
def demo_pages_ensure() -> DemoPagesReport:
    """Give the site its demo pages, leaving what exists alone: home content
    when the home page has none, a SubjectPage for each subject without one,
    and the about, help and privacy pages when missing. Running it again
    changes nothing. Raises Page.DoesNotExist when there is no home page."""
    home = HomePage.objects.get()
    home_filled = not home.body
    if home_filled:
        home.body = HOME_BODY
        home.save_revision().publish()
    taken = set(home.get_children().values_list("slug", flat=True))
    subject_created = _subject_pages_ensure(home=home, taken=taken)
    standard_created = []
    for slug, (title, intro, body) in STANDARD_PAGES.items():
        if slug in taken:
            continue
        _publish_child(
            home, StandardPage(title=title, slug=slug, intro=intro, body=body)
        )
        standard_created.append(slug)
    return DemoPagesReport(
        home_filled=home_filled,
        subject_pages_created=tuple(subject_created),
        standard_pages_created=tuple(standard_created),
    )


def _subject_pages_ensure(*, home: HomePage, taken: set[str]) -> list[str]:
    with_page = set(
        SubjectPage.objects.filter(subject__isnull=False).values_list(
            "subject_id", flat=True
        )
    )
    created = []
    for subject in Subject.objects.exclude(pk__in=with_page).order_by("name"):
        slug = subject.slug
        if slug in taken or slug in RESERVED_SLUGS:
            slug = f"learn-{subject.slug}"
        if slug in taken:
            continue
        _publish_child(
            home, SubjectPage(title=subject.name, slug=slug, subject=subject)
        )
        taken.add(slug)
        created.append(slug)
    return created


def _publish_child(parent: Page, page: Page) -> None:
    parent.add_child(instance=page)
    page.save_revision().publish()
