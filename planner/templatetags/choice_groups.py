"""``{% choice_label step as group %}``: the choice group a roadmap step was
chosen from (name and number of members), for the roadmap's path.

The labels of every group on the page are read once per render (from the
planner's catalog snapshot: one version check), only when a step was chosen
from a group at all.
"""

from __future__ import annotations

from typing import Any

from django import template

from planner.selectors import ChoiceGroupLabel, choice_group_labels

register = template.Library()

_KEY = "choice_group_labels"


@register.simple_tag(takes_context=True)
def choice_label(context: template.Context, step: Any) -> ChoiceGroupLabel | None:
    slug = getattr(step, "chosen_from", "")
    if not slug:
        return None
    asked, labels = context.render_context.get(_KEY, (frozenset(), {}))
    if slug not in asked:
        nodes = context.get("nodes") or ()
        asked = frozenset({getattr(n.step, "chosen_from", "") for n in nodes} | {slug})
        labels = choice_group_labels(slugs=asked)
        context.render_context[_KEY] = (asked, labels)
    return labels.get(slug)
