"""What the roadmap API's writes accept."""

from __future__ import annotations

from rest_framework import serializers

from ..models import NOTES_MAX_LENGTH, SHORT_NOTE_MAX_LENGTH


class ShareInput(serializers.Serializer):
    partner = serializers.CharField(
        max_length=150, help_text="The username of a partner account."
    )


class StepUpdateInput(serializers.Serializer):
    pinned = serializers.BooleanField(required=False)
    notes = serializers.CharField(
        required=False,
        allow_blank=True,
        trim_whitespace=False,
        max_length=NOTES_MAX_LENGTH,
        help_text=f"Plain text, at most {NOTES_MAX_LENGTH} characters.",
    )


class MasteryInput(serializers.Serializer):
    passed = serializers.BooleanField()
    note = serializers.CharField(
        required=False, allow_blank=True, max_length=SHORT_NOTE_MAX_LENGTH, default=""
    )


class ResourcePinInput(serializers.Serializer):
    pinned = serializers.BooleanField()


class FeedbackInput(serializers.Serializer):
    helpful = serializers.BooleanField(
        allow_null=True, help_text="true, false, or null to withdraw your vote."
    )
    reason = serializers.CharField(
        required=False, allow_blank=True, max_length=SHORT_NOTE_MAX_LENGTH, default=""
    )
