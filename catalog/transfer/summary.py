"""What an import changed (or would change, in a dry run)."""

from __future__ import annotations

from dataclasses import dataclass, field

from .issues import SECTIONS, ImportIssue

OUTCOMES = ("created", "updated", "unchanged")
#: What the summary counts: the record sections, then translations (keyed
#: ``kind:slug:language`` in the slug lists).
KINDS = (*SECTIONS, "translations")


def _zero_counts() -> dict[str, dict[str, int]]:
    return {kind: dict.fromkeys(OUTCOMES, 0) for kind in KINDS}


def _no_slugs() -> dict[str, dict[str, list[str]]]:
    return {kind: {"created": [], "updated": []} for kind in KINDS}


@dataclass
class ImportSummary:
    """Per kind of record (providers, subjects, topics, tracks, resources):
    how many were created, updated or left unchanged, and the slugs of the
    created and updated ones; and the warnings, in document order: what the
    import accepted but a curator should look at.
    """

    counts: dict[str, dict[str, int]] = field(default_factory=_zero_counts)
    slugs: dict[str, dict[str, list[str]]] = field(default_factory=_no_slugs)
    dry_run: bool = False
    warnings: list[ImportIssue] = field(default_factory=list)

    def record(self, *, kind: str, outcome: str, slug: str) -> None:
        self.counts[kind][outcome] += 1
        if outcome != "unchanged":
            self.slugs[kind][outcome].append(slug)

    @property
    def changed(self) -> bool:
        return any(
            counts["created"] or counts["updated"] for counts in self.counts.values()
        )

    def as_dict(self) -> dict[str, object]:
        return {
            "changed": self.changed,
            "dry_run": self.dry_run,
            "counts": {kind: dict(counts) for kind, counts in self.counts.items()},
            "created": {kind: list(s["created"]) for kind, s in self.slugs.items()},
            "updated": {kind: list(s["updated"]) for kind, s in self.slugs.items()},
            "warnings": [str(warning) for warning in self.warnings],
        }

    def lines(self) -> list[str]:
        lines = [
            f"{kind}: {c['created']} created, {c['updated']} updated, "
            f"{c['unchanged']} unchanged"
            for kind, c in self.counts.items()
        ]
        if not self.changed:
            lines.append("Nothing changed.")
        elif self.dry_run:
            lines.append("Dry run: nothing was written.")
        return lines

    def __str__(self) -> str:
        return "\n".join(self.lines())
