"""Choice groups in the pure core: the snapshot checks them, the planner picks
the member(s) per learner, says why, asks only when the choice matters."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.domain import (
    MAX_QUESTIONS,
    Answer,
    CatalogGraph,
    CatalogGraphError,
    ChoiceGroupNode,
    ChoiceReason,
    GroupPrerequisite,
    Prerequisite,
    QuestionKind,
    SubjectNode,
    TopicNode,
    TrackNode,
    assess,
    next_questions,
    normalize,
    plan,
    run_pipeline,
)
from planner.domain.choices import (
    QUESTION_MIN_QUARTERS,
    by_resources,
    member_quarters,
)

from . import TODAY, resource

LANGUAGES = ("go", "python", "java", "rust")
DATABASES = ("postgres", "mysql")
# slug: (name, hours, level)
TOPICS = {
    "basics": ("Backend basics", 2, "beginner"),
    "go": ("Go", 2, "beginner"),
    "python": ("Python", 2, "beginner"),
    "java": ("Java", 6, "beginner"),
    "jvm": ("The JVM", 6, "beginner"),
    "rust": ("Rust", 12, "beginner"),
    "web-servers": ("Web servers", 3, "beginner"),
    "postgres": ("PostgreSQL", 3, "beginner"),
    "mysql": ("MySQL", 3, "beginner"),
    "sql": ("SQL", 2, "beginner"),
    "orm": ("ORMs", 2, "intermediate"),
    "testing": ("Testing", 2, "beginner"),
    "loops": ("Loops", 1, "beginner"),
    "ui-react": ("React", 2, "beginner"),
}
EDGES = [
    ("web-servers", "basics", "required"),
    ("java", "jvm", "required"),
    ("postgres", "sql", "required"),
    ("mysql", "sql", "required"),
]
LANGUAGE_GROUP = ChoiceGroupNode(
    "server-language", "backend", "Server languages", LANGUAGES
)
DATABASE_GROUP = ChoiceGroupNode(
    "database", "backend", "Relational databases", DATABASES, default="postgres"
)
GROUP_EDGES = [
    GroupPrerequisite("web-servers", "server-language"),
    GroupPrerequisite("orm", "database"),
    GroupPrerequisite("testing", "server-language", "recommended"),
]
TRACK = TrackNode(
    "backend",
    "backend",
    "Backend developer",
    "Build web services.",
    "career",
    targets=("web-servers", "orm"),
    target_groups=(),
)
DB_TRACK = TrackNode(
    "databases",
    "backend",
    "Databases",
    "Store data.",
    "skill",
    targets=(),
    target_groups=("database",),
)


def _topics(levels=None, **hours: float) -> list[TopicNode]:
    return [
        TopicNode(
            slug,
            "frontend" if slug.startswith("ui-") else "backend",
            name,
            (levels or {}).get(slug, level),
            float(hours.get(slug, h)),
            objectives=(f"Use {name}",),
            mastery_description=f"Build something with {name}",
        )
        for slug, (name, h, level) in TOPICS.items()
    ]


def _resources() -> list:
    out = [resource(f"{slug}-docs", slug) for slug in TOPICS]
    # Python and MySQL have the better Spanish resources; Java has a weak one.
    out += [
        resource("python-es", "python", language="es", curator_rating=5),
        resource("java-es", "java", language="es", curator_rating=1),
        resource("mysql-es", "mysql", language="es", curator_rating=5),
    ]
    return out


def graph_build(
    *,
    groups=(LANGUAGE_GROUP, DATABASE_GROUP),
    group_edges=GROUP_EDGES,
    edges=EDGES,
    hours=None,
    levels=None,
    tracks=(TRACK, DB_TRACK),
) -> CatalogGraph:
    return CatalogGraph.build(
        version=1,
        subjects=[
            SubjectNode("backend", "Backend development", ("en", "es")),
            SubjectNode("frontend", "Frontend development", ("en",)),
        ],
        topics=_topics(levels, **(hours or {})),
        prerequisites=[Prerequisite(*e) for e in edges],
        tracks=tracks,
        resources=_resources(),
        groups=groups,
        group_prerequisites=group_edges,
    )


GRAPH = graph_build()


def _raw(**overrides: object) -> dict:
    raw = {
        "subject": "backend",
        "level": "beginner",
        "goals": "backend",
        "weekly_hours": 6,
        "language": "en",
        "start_date": TODAY.isoformat(),
    }
    raw.update(overrides)
    return {k: v for k, v in raw.items() if v is not None}


def _plan(graph=GRAPH, answers=None, **overrides):
    result = run_pipeline(
        _raw(**overrides), graph, today=TODAY, answers=answers, assume_unanswered=True
    )
    return result.plan


def _members_in(plan_, group) -> set[str]:
    return {s.topic for s in plan_.steps} & set(group.members)


# -- the snapshot ---------------------------------------------------------------------
def test_snapshot_indexes_groups_both_ways():
    assert set(GRAPH.groups) == {"server-language", "database"}
    assert GRAPH.requires_groups["web-servers"] == (("server-language", "required"),)
    assert GRAPH.groups_by_topic["go"] == ("server-language",)
    assert "web-servers" not in GRAPH.groups_by_topic
    # A group edge ranks the topic after every member, whichever is chosen.
    assert all(GRAPH.topo_rank[m] < GRAPH.topo_rank["web-servers"] for m in LANGUAGES)
    assert GRAPH.depth["web-servers"] == 3  # jvm -> java -> web servers


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"groups": (dataclasses.replace(LANGUAGE_GROUP, members=("go", "nope")),)},
            "unknown members nope",
        ),
        (
            {
                "groups": (
                    dataclasses.replace(LANGUAGE_GROUP, members=("go", "ui-react")),
                )
            },
            "members of another subject than 'backend': ui-react",
        ),
        (
            {"groups": (dataclasses.replace(LANGUAGE_GROUP, min_choices=5),)},
            "min_choices 5 must be from 1 to its 4 member(s)",
        ),
        (
            {"groups": (dataclasses.replace(LANGUAGE_GROUP, default="mysql"),)},
            "default 'mysql' is not a member",
        ),
        (
            {"group_edges": [GroupPrerequisite("go", "server-language")]},
            "'go' is a member of 'server-language', so it cannot need its own group",
        ),
        (
            {"group_edges": [GroupPrerequisite("web-servers", "nope")]},
            "unknown topic or choice group",
        ),
        (
            {"tracks": (dataclasses.replace(DB_TRACK, target_groups=("nope",)),)},
            "unknown target groups nope",
        ),
    ],
)
def test_snapshot_refuses_malformed_groups(change, message):
    kwargs = {"groups": (LANGUAGE_GROUP, DATABASE_GROUP), "group_edges": []}
    kwargs.update(change)
    with pytest.raises(CatalogGraphError) as caught:
        graph_build(**kwargs)
    assert any(message in p for p in caught.value.problems), caught.value.problems


def test_a_group_edge_closing_a_cycle_through_a_member_is_refused():
    # rust needs web servers, and web servers need a server language (rust among them).
    with pytest.raises(CatalogGraphError, match="cycle") as caught:
        graph_build(edges=[*EDGES, ("rust", "web-servers", "required")])
    assert "rust" in str(caught.value) and "web-servers" in str(caught.value)


# -- choosing -------------------------------------------------------------------------
def test_default_is_chosen_when_the_learner_said_nothing():
    result = _plan()
    db = {c.group: c for c in result.choices}["database"]
    assert db.members == ("postgres",)
    assert db.reason == ChoiceReason.DEFAULT
    assert db.note == "curator's default"
    assert _members_in(result, DATABASE_GROUP) == {"postgres"}


def test_goal_text_naming_a_member_chooses_it():
    result = _plan(goals="backend developer using Go", track="backend")
    lang = {c.group: c for c in result.choices}["server-language"]
    assert lang.members == ("go",)
    assert lang.reason == ChoiceReason.MENTIONED
    assert lang.note == "you mentioned Go"
    assert _members_in(result, LANGUAGE_GROUP) == {"go"}


def test_an_everyday_word_names_a_member_only_as_written():
    # "go" in lower case is the verb, not the language.
    profile = normalize(
        _raw(goals="I want to go build APIs", track="backend"), GRAPH, TODAY
    )
    lang = {c.group: c for c in assess(profile, GRAPH).profile.choices}
    assert lang["server-language"].reason != ChoiceReason.MENTIONED


def test_a_known_member_is_chosen_and_not_planned():
    result = _plan(known_topics="rust")
    lang = {c.group: c for c in result.choices}["server-language"]
    assert lang.members == ("rust",)
    assert lang.reason == ChoiceReason.KNOWN
    assert _members_in(result, LANGUAGE_GROUP) == set()
    assert "rust" in result.known


def test_a_liked_technology_chooses_the_member_and_is_not_planned_for_itself():
    result = _plan(likes="Rust, MySQL")
    chosen = {c.group: c for c in result.choices}
    assert chosen["server-language"].members == ("rust",)
    assert chosen["server-language"].reason == ChoiceReason.MENTIONED
    assert chosen["server-language"].note == "you like Rust"
    assert chosen["database"].note == "you like MySQL"  # over the curator's default
    assert _members_in(result, LANGUAGE_GROUP) == {"rust"}
    step = next(s for s in result.steps if s.topic == "rust")
    assert (step.chosen_from, step.choice_note) == ("server-language", "you like Rust")


def test_the_goal_text_outranks_a_like_and_a_like_outranks_what_is_known():
    said = _plan(goals="backend developer using Go", track="backend", likes="rust")
    assert {c.group: c for c in said.choices}["server-language"].members == ("go",)
    liked = _plan(likes="java", known_topics="rust")
    lang = {c.group: c for c in liked.choices}["server-language"]
    assert (lang.members, lang.note) == (("java",), "you like Java")


def test_a_liked_member_asks_no_choice_question():
    profile = normalize(_raw(likes="rust"), GRAPH, TODAY)
    assert profile.liked_topics == ("rust",)
    questions = next_questions(profile, GRAPH, {})
    assert not [q for q in questions if q.kind == QuestionKind.CHOICE]


def test_an_unknown_liked_technology_is_refused_with_suggestions():
    with pytest.raises(Exception, match="likes") as caught:
        normalize(_raw(likes="Cobol"), GRAPH, TODAY)
    assert "Unknown topic 'Cobol'" in str(caught.value)


def test_best_resources_decide_without_a_default():
    spanish = normalize(_raw(language="es"), GRAPH, TODAY)
    english = normalize(_raw(language="en"), GRAPH, TODAY)
    assert by_resources(spanish, GRAPH, LANGUAGE_GROUP)[0] == "python"
    # In English every member has the same docs: the curated order decides.
    assert by_resources(english, GRAPH, LANGUAGE_GROUP) == list(LANGUAGES)
    result = _plan(language="es")
    lang = {c.group: c for c in result.choices}["server-language"]
    assert (lang.members, lang.reason) == (("python",), ChoiceReason.RESOURCES)
    assert lang.note == "best resources in Spanish for beginners"


def test_picks_override_every_other_signal_and_unknown_picks_are_refused():
    result = _plan(goals="backend using Go", choices={"server-language": ["rust"]})
    lang = {c.group: c for c in result.choices}["server-language"]
    assert (lang.members, lang.reason) == (("rust",), ChoiceReason.PICKED)
    with pytest.raises(Exception, match="choices") as caught:
        normalize(_raw(choices={"server-language": ["cobol"]}), GRAPH, TODAY)
    assert "'cobol' is not one of" in str(caught.value)


def test_at_least_n_fills_from_weaker_signals():
    group = dataclasses.replace(LANGUAGE_GROUP, min_choices=2, default="java")
    graph = graph_build(groups=(group, DATABASE_GROUP))
    result = _plan(graph, goals="backend developer using Go", track="backend")
    lang = {c.group: c for c in result.choices}["server-language"]
    assert lang.members == ("go", "java")  # mentioned, then the default
    assert lang.reason == ChoiceReason.MENTIONED
    assert _members_in(result, group) == {"go", "java"}


def test_steps_record_the_group_and_why_and_come_before_what_needs_them():
    result = _plan(goals="backend developer using Go", track="backend")
    steps = {s.topic: s for s in result.steps}
    assert (steps["go"].chosen_from, steps["go"].choice_reason) == (
        "server-language",
        "mentioned",
    )
    assert steps["go"].choice_note == "you mentioned Go"
    assert steps["go"].because == "web-servers"
    assert steps["web-servers"].chosen_from == ""
    assert steps["go"].position < steps["web-servers"].position
    assert steps["postgres"].position < steps["orm"].position
    assert steps["sql"].position < steps["postgres"].position


def test_a_track_aiming_at_a_group_targets_the_chosen_member():
    result = _plan(goals="databases", track="databases", language="es")
    assert [s.topic for s in result.steps] == ["sql", "postgres"]  # the default
    assert result.steps[-1].kind == "target"
    assert result.targets == ("postgres",)


def test_a_recommended_group_adds_the_chosen_member_as_recommended():
    track = dataclasses.replace(TRACK, slug="testing", targets=("testing",))
    graph = graph_build(tracks=(track,))
    result = _plan(
        graph, goals="testing", track="testing", choices={"server-language": "python"}
    )
    kinds = {s.topic: s.kind for s in result.steps}
    assert kinds == {"testing": "target", "python": "recommended"}


# -- the property ---------------------------------------------------------------------
@settings(max_examples=60, deadline=None)
@given(
    pick=st.one_of(st.none(), st.sampled_from(LANGUAGES)),
    mention=st.one_of(st.none(), st.sampled_from(("Go", "Python", "Java", "Rust"))),
    known=st.lists(st.sampled_from(LANGUAGES + DATABASES + ("sql",)), max_size=2),
    language=st.sampled_from(("en", "es")),
    min_choices=st.integers(min_value=1, max_value=3),
    default=st.one_of(st.none(), st.sampled_from(LANGUAGES)),
    liked=st.lists(st.sampled_from(LANGUAGES + DATABASES), max_size=2),
)
def test_a_group_contributes_exactly_its_chosen_members(
    pick, mention, known, language, min_choices, default, liked
):
    group = dataclasses.replace(
        LANGUAGE_GROUP, min_choices=min_choices, default=default
    )
    graph = graph_build(groups=(group, DATABASE_GROUP))
    goals = f"backend developer using {mention}" if mention else "backend"
    result = _plan(
        graph,
        goals=goals,
        track="backend",
        language=language,
        known_topics=known or None,
        choices={"server-language": [pick]} if pick else None,
        likes=liked or None,
    )
    choices = {c.group: c for c in result.choices}
    for g in (group, DATABASE_GROUP):
        chosen = set(choices[g.slug].members)
        assert len(chosen) >= (
            1 if choices[g.slug].reason == "picked" else g.min_choices
        )
        # Planned members are exactly the chosen ones the learner does not know.
        assert _members_in(result, g) == chosen - set(result.known) - set(known)
        for step in result.steps:
            if step.topic in chosen:
                assert step.chosen_from == g.slug
    if pick:
        assert choices["server-language"].members == (pick,)
    elif liked and not mention:
        # Nothing stronger said: a liked member is chosen, and the note says so.
        liked_languages = set(liked) & set(LANGUAGES)
        if liked_languages:
            lang = choices["server-language"]
            assert liked_languages <= set(lang.members)
            assert lang.note.startswith("you like ")
    planned = [s.topic for s in result.steps]
    for member in set(planned) & set(LANGUAGES):
        assert planned.index(member) < planned.index("web-servers")


# -- the question -----------------------------------------------------------------
def test_a_question_is_asked_when_the_choice_changes_the_plan_by_hours():
    profile = normalize(_raw(), GRAPH, TODAY)
    hours = member_quarters(
        assess(profile, GRAPH).profile, GRAPH, frozenset(), "server-language"
    )
    assert hours == {"go": 8, "python": 8, "java": 48, "rust": 48}
    (question,) = next_questions(profile, GRAPH)
    assert question.kind == QuestionKind.CHOICE
    assert question.id == "choice:server-language"
    assert [o.value for o in question.options] == list(LANGUAGES)
    assert question.options[2].label == "Java (adds about 12 hours)"
    assert question.hours == 10.0
    assert "2 hours to 12 hours" in question.reason
    # The database group has no question: both members weigh the same.
    answered = assess(profile, GRAPH, {question.id: Answer("java")})
    assert answered.pending == ()
    result = plan(answered, GRAPH)
    lang = {c.group: c for c in result.choices}["server-language"]
    assert (lang.members, lang.reason, lang.note) == (
        ("java",),
        ChoiceReason.ANSWER,
        "your answer",
    )
    assert {"java", "jvm"} <= {s.topic for s in result.steps}


def test_no_question_when_members_weigh_about_the_same():
    graph = graph_build(hours={"java": 1, "jvm": 1, "rust": 2})
    profile = normalize(_raw(), graph, TODAY)
    assert next_questions(profile, graph) == ()
    spread = member_quarters(
        assess(profile, graph).profile, graph, frozenset(), "server-language"
    )
    assert max(spread.values()) - min(spread.values()) <= QUESTION_MIN_QUARTERS


def test_no_question_when_the_learner_already_said_which():
    for raw in (
        _raw(goals="backend developer using Rust", track="backend"),
        _raw(choices={"server-language": "go"}),
        _raw(known_topics="python"),
    ):
        assert next_questions(normalize(raw, GRAPH, TODAY), GRAPH) == ()


def test_a_skipped_choice_question_assumes_and_says_so():
    profile = normalize(_raw(), GRAPH, TODAY)
    answered = assess(profile, GRAPH, {"choice:server-language": Answer(skipped=True)})
    assert answered.pending == ()
    assert (
        "Assumed Go for Server languages (best resources in English"
        in (answered.assumptions[0])
    )


def test_questions_stay_within_the_cap_with_placement_and_choices():
    profile = normalize(_raw(level="intermediate"), GRAPH, TODAY)
    answers: dict[str, Answer] = {}
    kinds = []
    for _ in range(10):
        pending = next_questions(profile, GRAPH, answers)
        if not pending:
            break
        (question,) = pending
        kinds.append(question.kind)
        answers[question.id] = Answer(question.options[-1].value)
    assert 1 <= len(kinds) <= MAX_QUESTIONS
    assert QuestionKind.CHOICE in kinds
    final = assess(profile, GRAPH, answers)
    assert len(final.asked) <= MAX_QUESTIONS and final.pending == ()


def test_the_choice_question_outranks_a_placement_question_deciding_fewer_hours():
    profile = normalize(_raw(level="intermediate"), GRAPH, TODAY)
    (first,) = next_questions(profile, GRAPH)
    assert first.kind == QuestionKind.CHOICE  # 10 hours at stake
    heavy = graph_build(
        hours={"basics": 30},
        levels={"basics": "intermediate", "web-servers": "intermediate"},
    )
    (first,) = next_questions(
        normalize(_raw(level="intermediate"), heavy, TODAY), heavy
    )
    assert first.kind == QuestionKind.PLACEMENT
