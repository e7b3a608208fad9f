"""The roadmap detail's steps: their plan part rendered once and cached, the
progress of each request merged into its text."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from django.core.cache import cache

from rest_framework.renderers import JSONRenderer

from ..models import RoadmapVersion
from ..selectors import ProgressRead, steps_read, version_cache_key, version_steps
from .serializers import StepResourceSerializer, StepSerializer

#: What a step's output holds that changes once the version is stored
#: (progress, pins, notes, the mastery mark) or depends on the reader, with
#: the step's id: serialized on every request. The rest of a step's output
#: is the version's plan, the same for every reader until the catalog
#: changes: serialized once and cached (:func:`plan_part_get`).
STEP_PROGRESS_OUTPUT = [
    "id",
    "state",
    "blocked_by",
    "pinned",
    "notes",
    "started_at",
    "completed_at",
    "skipped_at",
    "mastery",
]
#: Moved when the step output changes shape, so no entry of the old shape is read.
PLAN_CACHE_FORMAT = 2
PLAN_CACHE_SECONDS = 24 * 60 * 60


class StepProgressSerializer(StepSerializer):
    """The changing part of a step's output, from a step read with only
    ``roadmaps.selectors.STEP_PROGRESS_FIELDS``."""

    class Meta(StepSerializer.Meta):
        fields = STEP_PROGRESS_OUTPUT


#: The renderer every piece of a spliced detail is rendered with: DRF's, with
#: the project's settings (compact, unicode, strict), so the pieces joined
#: read byte for byte as the whole would.
_JSON = JSONRenderer()
_LITERAL = {True: "true", False: "false", None: "null"}
#: A step's plan fields: those before its progress fields in the output.
_STEP_PLAN_OUTPUT = StepSerializer.Meta.fields[
    : StepSerializer.Meta.fields.index(STEP_PROGRESS_OUTPUT[1])
]
#: A step resource's fields but the two a request says (always the last two).
_RESOURCE_PLAN_OUTPUT = StepResourceSerializer.Meta.fields[:-2]


def json_text(data: Any) -> str:
    """``data`` as the API's JSON renderer says it, as text."""
    return _JSON.render(data).decode()


def _object_head(data: dict[str, Any], fields: Sequence[str]) -> str:
    """``fields`` of ``data`` as the opening of a JSON object: no closing brace."""
    return json_text({name: data[name] for name in fields})[:-1]


class PlannedResource(NamedTuple):
    """A step resource's output but its ``pinned`` and ``my_vote`` (an open
    JSON object), its id and its catalog resource's id (for the votes)."""

    id: int
    resource_id: int | None
    head: str


class PlannedStep(NamedTuple):
    """A step's output up to its progress fields (an open JSON object), its
    id and its resources."""

    id: int
    head: str
    resources: tuple[PlannedResource, ...]


@dataclass(frozen=True)
class PlanPart:
    """A version's steps in order as :class:`StepSerializer` outputs them,
    already rendered as JSON but for :data:`STEP_PROGRESS_OUTPUT` and each
    resource's ``pinned`` and ``my_vote`` (rendering the same text on every
    request was the detail's largest single cost)."""

    steps: list[PlannedStep]


def _plan_part_build(version: RoadmapVersion) -> PlanPart:
    read = steps_read(version_steps(version=version), {})
    context = {"step_ids": read.step_ids, "states": read.states, "votes": {}}
    data = StepSerializer(read.steps, many=True, context=context).data
    steps = []
    for step, output in zip(read.steps, data, strict=True):
        resources = tuple(
            PlannedResource(
                id=row.pk,
                resource_id=row.resource_id,
                head=_object_head(row_output, _RESOURCE_PLAN_OUTPUT),
            )
            for row, row_output in zip(
                step.resources.all(), output["resources"], strict=True
            )
        )
        head = _object_head(output, _STEP_PLAN_OUTPUT)
        steps.append(PlannedStep(id=step.pk, head=head, resources=resources))
    return PlanPart(steps=steps)


def plan_part_get(
    version: RoadmapVersion, *, catalog_version: int, rebuild: bool = False
) -> PlanPart:
    """``version``'s plan part as the catalog at ``catalog_version`` shows
    it: from the cache (no query), or built (two queries) and cached."""
    key = version_cache_key(
        version=version,
        catalog_version=catalog_version,
        prefix=f"roadmap-plan-{PLAN_CACHE_FORMAT}",
    )
    part = None if rebuild else cache.get(key)
    if part is None:
        part = _plan_part_build(version)
        cache.set(key, part, PLAN_CACHE_SECONDS)
    return part


def steps_output(
    part: PlanPart, progress: ProgressRead, context: dict[str, Any]
) -> list[str] | None:
    """Each step's output as JSON text: the plan part with the progress
    merged in, key for key as :class:`StepSerializer` would say it. None when
    the two do not hold the same steps (a stale entry: build the plan part
    again)."""
    changing = {
        step["id"]: step
        for step in StepProgressSerializer(
            progress.read.steps, many=True, context=context
        ).data
    }
    if len(changing) != len(part.steps) or any(
        s.id not in changing for s in part.steps
    ):
        return None
    pinned, votes = progress.pinned_resources, progress.read.votes
    output = []
    for planned in part.steps:
        now = changing[planned.id]
        del now["id"]
        resources = ",".join(
            f'{row.head},"pinned":{_LITERAL[row.id in pinned]},'
            f'"my_vote":{_LITERAL[votes.get(row.resource_id)]}}}'
            for row in planned.resources
        )
        output.append(
            f'{planned.head},{json_text(now)[1:-1]},"resources":[{resources}]}}'
        )
    return output


#: What stands for the steps in the detail's rendered text until they are put
#: in: text no serializer of this process writes, so found only where put.
_STEPS_MARK = f"wayfinder-steps-{uuid.uuid4().hex}"


def steps_splice(detail: dict[str, Any], steps: Sequence[str]) -> str:
    """``detail`` (a :class:`RoadmapDetailSerializer`'s data) as JSON text with
    ``steps`` (each step's text, :func:`steps_output`) as its ``steps``, in
    the place the serializer gives them.

    Raises ``ValueError`` if the detail holds no ``steps`` field.
    """
    if "steps" not in detail:
        raise ValueError("the roadmap detail has no steps field to put them in")
    # Replacing a key's value keeps the key where it was.
    marked = {**detail, "steps": _STEPS_MARK}
    head, mark, tail = json_text(marked).partition(f'"{_STEPS_MARK}"')
    if not mark:
        raise ValueError("the roadmap detail rendered without its steps field")
    return f"{head}[{','.join(steps)}]{tail}"


class JSONText(str):
    """Response data already rendered as JSON by :data:`_JSON`."""


class JSONTextRenderer(JSONRenderer):
    """DRF's JSON renderer, which answers :class:`JSONText` as it is (parsed
    and rendered again only for an indented answer)."""

    def render(
        self,
        data: Any,
        accepted_media_type: str | None = None,
        renderer_context: dict[str, Any] | None = None,
    ) -> bytes:
        if isinstance(data, JSONText):
            if self.get_indent(accepted_media_type, renderer_context or {}) is None:
                return data.encode()
            data = json.loads(data)
        return super().render(data, accepted_media_type, renderer_context)
