"""The roadmap API's fast step serialization says exactly what DRF would.

``StepSerializer`` and ``StepResourceSerializer`` read plain fields with
``wayfinder.serializing.PlainFieldsMixin``; here the same rows go through
DRF's own ``to_representation`` too, and the two outputs must be equal.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from rest_framework import serializers

from roadmaps.api import StepResourceSerializer, StepSerializer
from roadmaps.selectors import version_steps_read

pytestmark = pytest.mark.django_db


class _DrfStepResource(StepResourceSerializer):
    def to_representation(self, instance):
        return serializers.ModelSerializer.to_representation(self, instance)


class _DrfStep(StepSerializer):
    resources = _DrfStepResource(many=True)

    def to_representation(self, instance):
        return serializers.ModelSerializer.to_representation(self, instance)


def _context(roadmap, actor) -> dict:
    read = version_steps_read(version=roadmap.current, actor=actor)
    return {
        "steps": read.steps,
        "step_ids": read.step_ids,
        "states": read.states,
        "votes": read.votes,
        "owner": True,
    }


def test_fast_and_drf_step_output_are_equal(roadmap, learner):
    first = roadmap.current.steps.order_by("position").first()
    first.started_at = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
    first.notes = "Read chapter 2"
    first.hours = Decimal("1.25")
    first.save()
    context = _context(roadmap, learner)
    assert context["steps"] and any(s.resources.all() for s in context["steps"])

    fast = StepSerializer(context["steps"], many=True, context=context).data
    drf = _DrfStep(context["steps"], many=True, context=context).data

    assert fast == drf
    assert fast[0]["started_at"] == "2026-03-01T09:30:00Z"
    assert fast[0]["hours"] == "1.25"
    assert list(fast[0]) == StepSerializer.Meta.fields


def test_a_step_resource_whose_resource_was_deleted_serializes_alike(roadmap, learner):
    row = roadmap.current.steps.order_by("position").first().resources.first()
    row.resource.delete()
    context = _context(roadmap, learner)
    rows = [r for s in context["steps"] for r in s.resources.all()]

    fast = StepResourceSerializer(rows, many=True, context=context).data
    drf = _DrfStepResource(rows, many=True, context=context).data

    assert fast == drf
    gone = next(r for r in fast if r["id"] == row.pk)
    assert gone["provider"] is None and gone["format"] is None
