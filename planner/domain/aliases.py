"""What learners type, mapped to the vocabularies: the alias tables of normalize.

Phrase tables are ordered: the first phrase found (as consecutive words of
the folded input, or a plural of a single word) decides, so negations such
as "no experience" sit before the words they contain. docs/planner.md lists
these values for whoever writes onboarding answers by hand.
"""

from __future__ import annotations

from collections.abc import Mapping

from .text import fold
from .types import (
    LANGUAGE_NAMES,
    AgeRange,
    CostPreference,
    Format,
    GoalIntent,
    Language,
    Level,
)

#: Words learners type for a subject, mapped to the subject's own key words.
SUBJECT_ALIASES: Mapping[str, tuple[str, ...]] = {
    "py": ("python",),
    "python3": ("python",),
    "js": ("javascript",),
    "ecmascript": ("javascript",),
    "ts": ("typescript",),
    "golang": ("go",),
    "ml": ("machine",),
    "ai": ("artificial", "intelligence"),
    "db": ("database",),
    "postgres": ("postgresql",),
    "webdev": ("web",),
}

LEVEL_PHRASES: tuple[tuple[str, Level], ...] = (
    ("no experience", Level.BEGINNER),
    ("not much", Level.BEGINNER),
    ("very little", Level.BEGINNER),
    ("never", Level.BEGINNER),
    ("beginner", Level.BEGINNER),
    ("novice", Level.BEGINNER),
    ("newbie", Level.BEGINNER),
    ("new", Level.BEGINNER),
    ("none", Level.BEGINNER),
    ("zero", Level.BEGINNER),
    ("basic", Level.BEGINNER),
    ("starting", Level.BEGINNER),
    ("intermediate", Level.INTERMEDIATE),
    ("some", Level.INTERMEDIATE),
    ("bit", Level.INTERMEDIATE),
    ("little", Level.INTERMEDIATE),
    ("familiar", Level.INTERMEDIATE),
    ("comfortable", Level.INTERMEDIATE),
    ("medium", Level.INTERMEDIATE),
    ("moderate", Level.INTERMEDIATE),
    ("mid", Level.INTERMEDIATE),
    ("advanced", Level.ADVANCED),
    ("expert", Level.ADVANCED),
    ("experienced", Level.ADVANCED),
    ("professional", Level.ADVANCED),
    ("pro", Level.ADVANCED),
    ("senior", Level.ADVANCED),
    ("fluent", Level.ADVANCED),
)

COST_PHRASES: tuple[tuple[str, CostPreference], ...] = (
    ("free or paid", CostPreference.ANY),
    ("paid or free", CostPreference.ANY),
    ("no paid", CostPreference.FREE_ONLY),
    ("not paid", CostPreference.FREE_ONLY),
    ("no money", CostPreference.FREE_ONLY),
    ("free", CostPreference.FREE_ONLY),
    ("any", CostPreference.ANY),
    ("anything", CostPreference.ANY),
    ("paid", CostPreference.ANY),
    ("care", CostPreference.ANY),
    ("whatever", CostPreference.ANY),
    ("either", CostPreference.ANY),
    ("preference", CostPreference.ANY),
)

FORMAT_ALIASES: Mapping[str, Format] = {
    **{f.value: f for f in Format},
    "vid": Format.VIDEO,
    "youtube": Format.VIDEO,
    "screencast": Format.VIDEO,
    "blog": Format.ARTICLE,
    "post": Format.ARTICLE,
    "reading": Format.ARTICLE,
    "read": Format.ARTICLE,
    "text": Format.ARTICLE,
    "mooc": Format.COURSE,
    "class": Format.COURSE,
    "ebook": Format.BOOK,
    "textbook": Format.BOOK,
    "playground": Format.INTERACTIVE,
    "sandbox": Format.INTERACTIVE,
    "practice": Format.EXERCISE,
    "drill": Format.EXERCISE,
    "kata": Format.EXERCISE,
    "audio": Format.PODCAST,
    "doc": Format.DOCUMENTATION,
    "docs": Format.DOCUMENTATION,
    "reference": Format.DOCUMENTATION,
    "manual": Format.DOCUMENTATION,
}

LANGUAGE_ALIASES: Mapping[str, Language] = {
    **{fold(name): code for code, names in LANGUAGE_NAMES.items() for name in names},
    "castellano": Language.ES,
    "ingles": Language.EN,
    "anglais": Language.EN,
    "englisch": Language.EN,
    "mandarin": Language.ZH,
    "cantonese": Language.ZH,
    "brazilian": Language.PT,
    "portugues": Language.PT,
    "francais": Language.FR,
    "deutsch": Language.DE,
    "nihongo": Language.JA,
}

AGE_WORDS: Mapping[str, AgeRange] = {
    **{a.value: a for a in AgeRange},
    "children": AgeRange.CHILD,
    "kid": AgeRange.CHILD,
    "kids": AgeRange.CHILD,
    "teens": AgeRange.TEEN,
    "teenager": AgeRange.TEEN,
    "teenagers": AgeRange.TEEN,
    "adolescent": AgeRange.TEEN,
    "highschool": AgeRange.TEEN,
    "adults": AgeRange.ADULT,
    "grown": AgeRange.ADULT,
    "grownup": AgeRange.ADULT,
    "retired": AgeRange.ADULT,
    "university": AgeRange.ADULT,
    "college": AgeRange.ADULT,
}


#: Words that say what kind of plan a goal wants, per language. A single word
#: matches through that language's stemmer ("básicos" finds "básico"); a phrase
#: (several words) matches as consecutive folded words. Words naming a track's
#: content ("data", "git") never belong here: those come from the catalog.
# fmt: off
INTENT_WORDS: Mapping[GoalIntent, Mapping[str, tuple[str, ...]]] = {
    GoalIntent.BASICS: {
        "en": ("basic", "basics", "fundamentals", "essentials", "foundations",
               "beginner", "intro", "introduction", "getting started",
               "first steps"),
        "es": ("básico", "básicos", "básica", "básicas", "fundamentos",
               "principiante", "introducción", "primeros pasos"),
        "fr": ("les bases", "notions de base", "bases de", "fondamentaux",
               "débutant", "débutants", "introduction", "premiers pas"),
        "pt": ("básico", "básicos", "básica", "fundamentos", "iniciante",
               "introdução", "primeiros passos"),
        "de": ("Grundlagen", "Grundkenntnisse", "Einführung", "Anfänger",
               "Einstieg", "Basics", "Basiswissen"),
    },
    GoalIntent.QUICK: {
        "en": ("quick", "quickly", "fast", "asap", "rapidly", "crash course",
               "in a hurry"),
        "es": ("rápido", "rápidamente", "cuanto antes", "curso intensivo"),
        "fr": ("vite", "rapidement", "rapide", "au plus vite", "cours intensif"),
        "pt": ("rápido", "rapidamente", "depressa", "curso intensivo"),
        "de": ("schnell", "zügig", "Crashkurs", "Schnellkurs"),
    },
    GoalIntent.JOB: {
        "en": ("job", "jobs", "job ready", "career", "employment", "employable",
               "hired", "get hired", "interview", "interviews", "entry level"),
        "es": ("empleo", "conseguir trabajo", "encontrar trabajo", "carrera",
               "entrevista", "contratado", "contratada"),
        "fr": ("emploi", "embauche", "embauché", "trouver un travail",
               "trouver du travail", "carrière", "entretien"),
        "pt": ("emprego", "conseguir trabalho", "arranjar trabalho", "carreira",
               "entrevista", "contratado", "contratada"),
        "de": ("Job", "Beruf", "Berufseinstieg", "Stelle", "Karriere",
               "Vorstellungsgespräch", "Arbeitsstelle"),
    },
    GoalIntent.EXAM: {
        "en": ("exam", "exams", "examination", "certification", "certificate",
               "certified"),
        "es": ("examen", "exámenes", "certificación", "certificado", "oposiciones"),
        "fr": ("examen", "examens", "certification", "certificat", "concours"),
        "pt": ("exame", "exames", "prova", "certificação", "certificado",
               "vestibular"),
        "de": ("Prüfung", "Prüfungen", "Klausur", "Zertifikat", "Zertifizierung",
               "Examen", "Abitur"),
    },
}
# fmt: on

#: Intents whose words say how, not what: left out when scoring tracks.
MANNER_INTENTS = frozenset((GoalIntent.BASICS, GoalIntent.QUICK))
