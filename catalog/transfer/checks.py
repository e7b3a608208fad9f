"""Checks of a catalog document beyond its schema.

Every check walks the document defensively, skipping whatever the schema has
already refused, so that one pass reports every problem at once.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

from catalog.egress import url_targets_private_address
from catalog.models import Provider
from planner.domain.graph import find_cycle, format_cycle
from taxonomy.models import (
    ChoiceGroup,
    ChoiceGroupMember,
    GroupPrerequisite,
    Prerequisite,
    Subject,
    Topic,
)

from .issues import (
    FORMAT,
    SECTIONS,
    VERSIONS,
    ImportIssue,
    PathPart,
    describe,
    issue,
    json_path,
)
from .schema import schema_issues
from .translations import translation_issues

MAX_CYCLES = 50
_validate_url = URLValidator(schemes=["http", "https"])

Parts = tuple[PathPart, ...]


@dataclass(frozen=True)
class Existing:
    """What the database already holds that a document may refer to."""

    subjects: dict[str, str]  # slug -> name
    providers: frozenset[str]
    topics: frozenset[str]
    edges: dict[str, frozenset[str]]  # topic slug -> slugs it requires
    topic_subjects: dict[str, str] = field(default_factory=dict)  # slug -> subject
    group_subjects: dict[str, str] = field(default_factory=dict)  # slug -> subject
    group_members: dict[str, tuple[str, ...]] = field(default_factory=dict)
    group_edges: dict[str, frozenset[str]] = field(default_factory=dict)  # topic ->

    @property
    def groups(self) -> frozenset[str]:
        return frozenset(self.group_subjects)


def existing_load() -> Existing:
    edges: dict[str, set[str]] = defaultdict(set)
    rows = Prerequisite.objects.order_by().values_list("topic__slug", "requires__slug")
    for topic, requires in rows:
        edges[topic].add(requires)
    group_edges: dict[str, set[str]] = defaultdict(set)
    rows = GroupPrerequisite.objects.order_by().values_list(
        "topic__slug", "group__slug"
    )
    for topic, group in rows:
        group_edges[topic].add(group)
    members: dict[str, list[str]] = defaultdict(list)
    rows = ChoiceGroupMember.objects.order_by("sort_order").values_list(
        "group__slug", "topic__slug"
    )
    for group, topic in rows:
        members[group].append(topic)
    topic_subjects = dict(Topic.objects.order_by().values_list("slug", "subject__slug"))
    return Existing(
        subjects=dict(Subject.objects.order_by().values_list("slug", "name")),
        providers=frozenset(Provider.objects.order_by().values_list("slug", flat=True)),
        topics=frozenset(topic_subjects),
        edges={topic: frozenset(required) for topic, required in edges.items()},
        topic_subjects=topic_subjects,
        group_subjects=dict(
            ChoiceGroup.objects.order_by().values_list("slug", "subject__slug")
        ),
        group_members={group: tuple(topics) for group, topics in members.items()},
        group_edges={topic: frozenset(groups) for topic, groups in group_edges.items()},
    )


def document_text(data: object) -> str | None:
    """``data`` as compact JSON text, or None when JSON cannot carry it as it
    is: a value that is not JSON, a number that is not finite, a lone
    surrogate. Serialised once per import: the text is both what the
    import's outcome is kept under (``repeat``) and the quick answer of
    ``_check_values``."""
    try:
        text = json.dumps(data, ensure_ascii=False, allow_nan=False)
        text.encode("utf-8")
    except (ValueError, TypeError):
        return None
    return text


def document_issues(
    data: object, existing: Existing, *, text: str | None
) -> list[ImportIssue]:
    """Every problem in ``data``: its envelope, the schema, then the checks
    below; ``text`` is :func:`document_text` of ``data``."""
    if not isinstance(data, dict):
        return [issue((), f"must be a JSON object, not {describe(data)}")]
    if data.get("format") != FORMAT:
        return [issue(("format",), f"must be {describe(FORMAT)}")]
    version = data.get("version")
    if isinstance(version, bool) or version not in VERSIONS:
        return [
            issue(
                ("version",),
                'this importer reads version 1 only: 1 (that is 1.0), "1.1", "1.2" '
                'or "1.3"',
            )
        ]
    found = schema_issues(data)
    refused = {item.path for item in found}
    checks = (
        _check_duplicates,
        _check_lists,
        _check_urls,
        _check_numbers,
    )
    extra = _check_values(data, text)
    extra += [item for check in checks for item in check(data)]
    extra += _check_references(data, existing)
    extra += _check_groups(data, existing)
    extra += _check_subject_names(data, existing)
    extra += _check_cycles(data, existing)
    extra += translation_issues(data)
    return found + [item for item in extra if item.path not in refused]


# -- walking the document --------------------------------------------------


def _records(doc: dict, section: str) -> Iterator[tuple[int, dict]]:
    items = doc.get(section)
    if isinstance(items, list):
        for index, record in enumerate(items):
            if isinstance(record, dict):
                yield index, record


def _find(
    node: object, pattern: Parts, prefix: Parts = ()
) -> Iterator[tuple[Parts, object]]:
    """The values at ``pattern`` below ``node``; ``"*"`` stands for every list item."""
    if not pattern:
        yield prefix, node
        return
    head, rest = pattern[0], pattern[1:]
    if head == "*":
        if isinstance(node, list):
            for index, item in enumerate(node):
                yield from _find(item, rest, (*prefix, index))
    elif isinstance(node, dict) and head in node:
        yield from _find(node[head], rest, (*prefix, head))


def _strings_at(doc: dict, section: str, pattern: Parts) -> Iterator[tuple[Parts, str]]:
    for index, record in _records(doc, section):
        for parts, value in _find(record, pattern, (section, index)):
            if isinstance(value, str):
                yield parts, value


# -- the checks --------------------------------------------------------------


def _check_values(doc: dict, text: str | None) -> list[ImportIssue]:
    """Text the database cannot store, numbers that are not numbers;
    ``text`` is :func:`document_text` of ``doc``: when there is one without
    an escaped NUL, nothing is wrong, else find where below."""
    if text is not None and "\\u0000" not in text:
        return []
    found = []
    stack: list[tuple[Parts, object]] = [((), doc)]
    while stack:
        parts, node = stack.pop()
        if isinstance(node, dict):
            stack.extend(((*parts, key), value) for key, value in node.items())
        elif isinstance(node, list):
            stack.extend(((*parts, index), value) for index, value in enumerate(node))
        elif isinstance(node, str):
            if "\x00" in node:
                found.append(issue(parts, "contains a NUL character"))
            elif not _encodable(node):
                found.append(
                    issue(parts, "contains an invalid character (a lone surrogate)")
                )
        elif isinstance(node, float) and not math.isfinite(node):
            found.append(issue(parts, f"must be a finite number, not {node}"))
    return found


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _check_duplicates(doc: dict) -> list[ImportIssue]:
    """Slugs are unique per kind of record; a resource without one needs a unique url."""
    found = []
    for section in SECTIONS:
        first: dict[str, Parts] = {}
        for parts, slug in _strings_at(doc, section, ("slug",)):
            if slug in first:
                where = json_path(first[slug])
                found.append(
                    issue(parts, f"duplicate slug {describe(slug)} (also at {where})")
                )
            else:
                first[slug] = parts[:2]
    by_url: dict[str, list[int]] = defaultdict(list)
    for index, record in _records(doc, "resources"):
        if isinstance(record.get("url"), str):
            by_url[record["url"]].append(index)
    for indexes in by_url.values():
        for index in indexes:
            if len(indexes) > 1 and "slug" not in doc["resources"][index]:
                others = ", ".join(
                    json_path(("resources", i)) for i in indexes if i != index
                )
                found.append(
                    issue(
                        ("resources", index, "url"),
                        f"a resource without a slug is matched by its url, which {others} "
                        "uses too: add a slug",
                    )
                )
    return found


_LISTS = (
    ("topics", ("prerequisites", "*", "topic")),
    ("topics", ("group_prerequisites", "*", "group")),
    ("choice_groups", ("members", "*")),
    ("tracks", ("targets", "*")),
    ("tracks", ("target_groups", "*")),
    ("resources", ("topics", "*", "topic")),
)


def _check_lists(doc: dict) -> list[ImportIssue]:
    """A record lists each related topic, and each link url, once."""
    found = []
    for section, pattern in _LISTS:
        for index, record in _records(doc, section):
            found += _repeats(_find(record, pattern, (section, index)))
    for index, record in _records(doc, "resources"):
        found += _repeats(_resource_urls(index, record))
    return found


def _resource_urls(index: int, record: dict) -> Iterator[tuple[Parts, object]]:
    """A resource's primary url, then its links' urls."""
    yield from _find(record, ("url",), ("resources", index))
    yield from _find(record, ("links", "*", "url"), ("resources", index))


def _repeats(values: Iterator[tuple[Parts, object]]) -> list[ImportIssue]:
    seen: dict[str, Parts] = {}
    found = []
    for parts, value in values:
        if not isinstance(value, str):
            continue
        if value in seen:
            where = json_path(seen[value])
            found.append(
                issue(parts, f"{describe(value)} is listed twice (also at {where})")
            )
        else:
            seen[value] = parts
    return found


_REFERENCES = (
    ("topics", ("subject",), "subjects"),
    ("topics", ("prerequisites", "*", "topic"), "topics"),
    ("topics", ("group_prerequisites", "*", "group"), "choice_groups"),
    ("choice_groups", ("subject",), "subjects"),
    ("choice_groups", ("members", "*"), "topics"),
    ("tracks", ("subject",), "subjects"),
    ("tracks", ("targets", "*"), "topics"),
    ("tracks", ("target_groups", "*"), "choice_groups"),
    ("resources", ("provider",), "providers"),
    ("resources", ("topics", "*", "topic"), "topics"),
)


def _check_references(doc: dict, existing: Existing) -> list[ImportIssue]:
    """References name a record of the file or one already in the database."""
    known = {
        "subjects": set(existing.subjects),
        "providers": set(existing.providers),
        "topics": set(existing.topics),
        "choice_groups": set(existing.groups),
    }
    for section, slugs in known.items():
        slugs.update(slug for _, slug in _strings_at(doc, section, ("slug",)))
    found = []
    for section, pattern, target in _REFERENCES:
        noun = target[:-1].replace("_", " ")
        for parts, slug in _strings_at(doc, section, pattern):
            if slug not in known[target]:
                found.append(
                    issue(
                        parts,
                        f"unknown {noun} {describe(slug)}: not in this file's {target} "
                        "nor in the database",
                    )
                )
    return found


def _check_subject_names(doc: dict, existing: Existing) -> list[ImportIssue]:
    """Subject names are unique ignoring case, across the file and the database
    together (the database holds the same rule, on ``Lower(name)``)."""
    in_file = {slug for _, slug in _strings_at(doc, "subjects", ("slug",))}
    taken = {
        name.lower(): f"subject {describe(slug)} ({name}) in the database"
        for slug, name in existing.subjects.items()
        if slug not in in_file
    }
    found = []
    for index, record in _records(doc, "subjects"):
        name = record.get("name")
        if not isinstance(name, str):
            continue
        key = name.lower()
        if key in taken:
            message = f"{describe(name)} is the same name as {taken[key]}"
            found.append(issue(("subjects", index, "name"), message))
        else:
            where = json_path(("subjects", index))
            slug = record.get("slug")
            taken[key] = f"subject {describe(slug)} ({name}) at {where}"
    return found


def _check_groups(doc: dict, existing: Existing) -> list[ImportIssue]:
    """A group's members are topics of its subject, its default one of them,
    ``min_choices`` at most their number; a topic the file moves to another
    subject leaves no group of the database with a stranger."""
    subjects = dict(existing.topic_subjects)
    for _, record in _records(doc, "topics"):
        if isinstance(record.get("slug"), str) and isinstance(
            record.get("subject"), str
        ):
            subjects[record["slug"]] = record["subject"]
    found = []
    in_file = set()
    for index, record in _records(doc, "choice_groups"):
        in_file.add(record.get("slug"))
        subject, members = record.get("subject"), record.get("members")
        if not isinstance(members, list):
            continue
        where: Parts = ("choice_groups", index)
        for position, slug in enumerate(members):
            if isinstance(slug, str) and slug in subjects and subjects[slug] != subject:
                message = (
                    f"topic {describe(slug)} is in subject {describe(subjects[slug])}, "
                    f"not the group's subject {describe(subject)}"
                )
                found.append(issue((*where, "members", position), message))
        default, count = record.get("default"), len(set(members))
        if isinstance(default, str) and default not in members:
            message = f"{describe(default)} is not one of the group's members"
            found.append(issue((*where, "default"), message))
        least = record.get("min_choices")
        if isinstance(least, int) and not isinstance(least, bool) and least > count:
            message = f"must be at most the number of members, {count}, not {least}"
            found.append(issue((*where, "min_choices"), message))
    groups_of: dict[str, list[str]] = defaultdict(list)
    for group, members in existing.group_members.items():
        if group not in in_file:
            for member in members:
                groups_of[member].append(group)
    for index, record in _records(doc, "topics"):
        subject = record.get("subject")
        for group in sorted(groups_of.get(record.get("slug"), ())):
            if isinstance(subject, str) and existing.group_subjects[group] != subject:
                message = (
                    f"topic {describe(record['slug'])} is a member of choice group "
                    f"{describe(group)} of subject "
                    f"{describe(existing.group_subjects[group])}: remove it from the "
                    "group first"
                )
                found.append(issue(("topics", index, "subject"), message))
    return found


def document_warnings(
    doc: dict, *, allowed_networks: Iterable[str] = ()
) -> list[ImportIssue]:
    """What an import reports but accepts: each resource or link URL that
    visibly points inside (a private address, a local name), which the link
    checker will refuse to connect to."""
    networks = tuple(allowed_networks)
    found = []
    for index, record in _records(doc, "resources"):
        for parts, url in _resource_urls(index, record):
            if isinstance(url, str) and url_targets_private_address(
                url, allowed_networks=networks
            ):
                message = (
                    f"{describe(url)} targets a private address: "
                    "the link checker will not check it"
                )
                found.append(issue(parts, message))
    return found


def _check_urls(doc: dict) -> list[ImportIssue]:
    found = []
    for section, pattern in (
        ("providers", ("url",)),
        ("resources", ("url",)),
        ("resources", ("links", "*", "url")),
    ):
        for parts, url in _strings_at(doc, section, pattern):
            try:
                _validate_url(url)
            except ValidationError:
                found.append(
                    issue(parts, f"{describe(url)} is not a valid http or https URL")
                )
    return found


_DECIMALS = (
    ("providers", ("trust_score",)),
    ("topics", ("estimated_hours",)),
    ("resources", ("topics", "*", "coverage")),
)


def _check_numbers(doc: dict) -> list[ImportIssue]:
    """Two decimal places at most where the database keeps two; real dates."""
    found = []
    for section, pattern in _DECIMALS:
        for index, record in _records(doc, section):
            for parts, value in _find(record, pattern, (section, index)):
                if isinstance(value, int | float) and not isinstance(value, bool):
                    number = Decimal(str(value))
                    if number.is_finite() and number.as_tuple().exponent < -2:
                        found.append(
                            issue(parts, f"{value} has more than 2 decimal places")
                        )
    for parts, text in _strings_at(doc, "resources", ("quality", "freshness")):
        try:
            date.fromisoformat(text)
        except ValueError:
            found.append(issue(parts, f"{describe(text)} is not a date (YYYY-MM-DD)"))
    return found


_GROUP_SUFFIX = " (group)"


def _group_label(slug: str) -> str:
    """A group's node in the graph: never a topic slug (slugs have no spaces)."""
    return f"{slug}{_GROUP_SUFFIX}"


def _check_cycles(doc: dict, existing: Existing) -> list[ImportIssue]:
    """The prerequisites of the file and of the database, together, form a DAG.

    The file's prerequisites of a topic replace that topic's prerequisites in
    the database, so the union graph is the database's edges of the other
    topics plus the file's edges. A choice group is a node of its own, named
    ``slug (group)``: a topic requiring it points at it, and it points at each
    of its members (the file's members replace the database's; a topic
    without ``group_prerequisites`` keeps its stored ones). Each cycle is
    reported once, at the file edge that closes it last in the document; that
    edge is then set aside so the next cycle can be found.
    """
    topics = {slug for _, slug in _strings_at(doc, "topics", ("slug",))}
    edges = {t: set(reqs) for t, reqs in existing.edges.items() if t not in topics}
    where: dict[tuple[str, str], Parts] = {}
    found = []
    kept_groups = set(existing.group_edges)
    for _, record in _records(doc, "topics"):
        if "group_prerequisites" in record:
            kept_groups.discard(record.get("slug"))
    for topic in kept_groups:
        edges.setdefault(topic, set()).update(
            _group_label(group) for group in existing.group_edges[topic]
        )
    groups = {slug for _, slug in _strings_at(doc, "choice_groups", ("slug",))}
    for group, members in existing.group_members.items():
        if group not in groups:
            edges.setdefault(_group_label(group), set()).update(members)
    for index, record in _records(doc, "choice_groups"):
        group = record.get("slug")
        if not isinstance(group, str):
            continue
        for parts, member in _find(record, ("members", "*"), ("choice_groups", index)):
            if isinstance(member, str):
                edges.setdefault(_group_label(group), set()).add(member)
                where.setdefault((_group_label(group), member), parts)
    for index, record in _records(doc, "topics"):
        topic = record.get("slug")
        if not isinstance(topic, str):
            continue
        for parts, requires in _find(
            record, ("prerequisites", "*", "topic"), ("topics", index)
        ):
            if not isinstance(requires, str):
                continue
            if requires == topic:
                cycle = format_cycle([topic, topic])
                found.append(issue(parts, f"a topic cannot require itself: {cycle}"))
                continue
            edges.setdefault(topic, set()).add(requires)
            where.setdefault((topic, requires), parts)
        for parts, group in _find(
            record, ("group_prerequisites", "*", "group"), ("topics", index)
        ):
            if isinstance(group, str):
                edges.setdefault(topic, set()).add(_group_label(group))
                where.setdefault((topic, _group_label(group)), parts)
    return [*found, *_cycles_reported(edges, where)]


def _cycles_reported(
    edges: dict[str, set[str]], where: dict[tuple[str, str], Parts]
) -> list[ImportIssue]:
    found = []
    for _ in range(MAX_CYCLES):
        cycle = find_cycle(edges)
        if cycle is None:
            return found
        steps = [step for step in zip(cycle, cycle[1:], strict=False) if step in where]
        if not steps:
            message = f"the database already holds a prerequisite cycle: {format_cycle(cycle)}"
            return [*found, issue((), message)]
        # One group prerequisite closes a cycle through every member at once:
        # report it there, once, rather than at each member's edge.
        into_group = [step for step in steps if step[1].endswith(_GROUP_SUFFIX)]
        topic, requires = max(into_group or steps, key=lambda step: where[step])
        nodes = cycle[:-1]
        start = next(
            i
            for i, node in enumerate(nodes)
            if node == topic and nodes[(i + 1) % len(nodes)] == requires
        )
        loop = [*nodes[start:], *nodes[:start], topic]
        found.append(
            issue(where[(topic, requires)], f"prerequisite cycle: {format_cycle(loop)}")
        )
        edges[topic].discard(requires)
    message = (
        f"more than {MAX_CYCLES} prerequisite cycles: fix these and validate again"
    )
    return [*found, issue(("topics",), message)]
