"""The canonical vocabularies of Wayfinder, in one place.

The catalog format, the admin, the API and the planner all speak these values;
``docs/catalog-format.md`` lists them for curators.
"""

from __future__ import annotations

from django.db import models


class Level(models.TextChoices):
    BEGINNER = "beginner", "Beginner"
    INTERMEDIATE = "intermediate", "Intermediate"
    ADVANCED = "advanced", "Advanced"

    @classmethod
    def rank(cls, value: str) -> int:
        """0 for beginner, 1 for intermediate, 2 for advanced."""
        return cls.values.index(value)


class Language(models.TextChoices):
    """ISO 639-1 codes of the languages the catalog carries."""

    EN = "en", "English"
    ES = "es", "Spanish (Español)"
    FR = "fr", "French (Français)"
    DE = "de", "German (Deutsch)"
    PT = "pt", "Portuguese (Português)"
    IT = "it", "Italian (Italiano)"
    NL = "nl", "Dutch (Nederlands)"
    PL = "pl", "Polish (Polski)"
    RU = "ru", "Russian (Русский)"
    UK = "uk", "Ukrainian (Українська)"
    TR = "tr", "Turkish (Türkçe)"
    AR = "ar", "Arabic (العربية)"
    HI = "hi", "Hindi (हिन्दी)"
    ZH = "zh", "Chinese (中文)"
    JA = "ja", "Japanese (日本語)"
    KO = "ko", "Korean (한국어)"


class AgeRange(models.TextChoices):
    CHILD = "child", "Under 13"
    TEEN = "teen", "13 to 17"
    ADULT = "adult", "18 and over"


class Format(models.TextChoices):
    VIDEO = "video", "Video"
    ARTICLE = "article", "Article"
    COURSE = "course", "Course"
    BOOK = "book", "Book"
    INTERACTIVE = "interactive", "Interactive"
    EXERCISE = "exercise", "Exercise"
    PROJECT = "project", "Project"
    PODCAST = "podcast", "Podcast"
    DOCUMENTATION = "documentation", "Documentation"


class Cost(models.TextChoices):
    FREE = "free", "Free"
    FREEMIUM = "freemium", "Freemium"
    PAID = "paid", "Paid"


class GoalKind(models.TextChoices):
    SKILL = "skill", "Learn a skill"
    CAREER = "career", "Get job-ready"
    EXAM = "exam", "Pass an exam or certificate"
    PROJECT = "project", "Build something"
    CURIOSITY = "curiosity", "Explore for its own sake"


class MasteryKind(models.TextChoices):
    QUIZ = "quiz", "Quiz"
    EXERCISE = "exercise", "Exercise"
    PROJECT = "project", "Project"
    SELF_ASSESSMENT = "self_assessment", "Self-assessment"


class PrerequisiteKind(models.TextChoices):
    REQUIRED = "required", "Required"
    RECOMMENDED = "recommended", "Recommended"


class LinkKind(models.TextChoices):
    PRIMARY = "primary", "Primary"
    MIRROR = "mirror", "Mirror"
    TRANSCRIPT = "transcript", "Transcript"
    EXERCISE = "exercise", "Exercise"
    DOWNLOAD = "download", "Download"


class LinkHealth(models.TextChoices):
    """A resource's health, derived from its links by the link checker."""

    UNCHECKED = "unchecked", "Not checked yet"
    HEALTHY = "healthy", "Healthy"
    DEGRADED = "degraded", "Primary healthy, another link broken"
    BROKEN = "broken", "Primary link broken"
