"""The one list of the catalog's models.

Everything that must follow every catalog model reads it: the catalog-version
receivers (``catalog.signals``), search's indexing receivers
(``search.signals``, which refuses to start if a model is neither indexed nor
declared as not indexed) and the Curators group's permissions
(``catalog.groups``). A new catalog model is added here, once.
"""

from __future__ import annotations

# Parents first, then the rows edited inline with them; labels as Django
# spells them (``Model._meta.label``).
CATALOG_MODELS = (
    "taxonomy.Subject",
    "taxonomy.Topic",
    "taxonomy.Prerequisite",
    "taxonomy.Track",
    "taxonomy.TrackTarget",
    "taxonomy.ChoiceGroup",
    "taxonomy.ChoiceGroupMember",
    "taxonomy.GroupPrerequisite",
    "catalog.Provider",
    "catalog.Resource",
    "catalog.ResourceTopic",
    "catalog.ResourceLink",
)

# Many-to-many relations whose rows are catalog data too: (model, field).
# A track's targets are rows of ``taxonomy.TrackTarget`` (the relation's
# through model, carrying the curator's order, listed above): a row saved
# or deleted on its own moves the version and re-indexes its track like any
# catalog row, and ``track.targets.add()`` (which writes the rows in bulk)
# sends m2m_changed.
CATALOG_M2M_FIELDS = (
    ("taxonomy.Track", "targets"),
    ("taxonomy.Track", "target_groups"),
)
