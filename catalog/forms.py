"""Admin forms for the catalog.

``ResourceAdminForm`` is ``Resource.base_form_class``, so this module must not
import ``catalog.models`` at import time. The import form backs the admin's
catalog import view.
"""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.forms.formsets import DELETION_FIELD_NAME
from django.template.defaultfilters import filesizeformat

from wagtail.admin.forms import WagtailAdminModelForm

from taxonomy.enums import LinkKind

LINKS = "links"
IMPORT_MAX_BYTES = 20 * 1024 * 1024


class ResourceAdminForm(WagtailAdminModelForm):
    """A resource needs exactly one primary link among the links it keeps.

    A link whose URL a curator changes loses its old checker verdict, so a
    fixed URL is offered again (as not checked yet) and checked on the next run.
    """

    def save(self, commit: bool = True) -> Any:
        formset = self.formsets.get(LINKS)
        changed = [
            form.instance
            for form in (formset.forms if formset is not None else [])
            if form.instance.pk and "url" in form.changed_data
        ]
        for link in changed:
            link.check_state_reset()
        instance = super().save(commit=commit)
        if commit and changed:
            from .services import resource_link_health_refresh

            resource_link_health_refresh(resource_ids=[instance.pk])
        return instance

    def clean(self) -> dict[str, Any]:
        cleaned_data = super().clean()
        formset = self.formsets.get(LINKS)
        if formset is None:
            return cleaned_data
        formset.is_valid()  # runs each row's own cleaning so cleaned_data is set
        primaries = 0
        for form in formset.forms:
            data = getattr(form, "cleaned_data", None) or {}
            if formset.can_delete and data.get(DELETION_FIELD_NAME):
                continue
            if data.get("url") and data.get("kind") == LinkKind.PRIMARY:
                primaries += 1
        if primaries != 1:
            self.add_error(
                None,
                ValidationError(
                    "A resource needs exactly one link of kind “Primary” "
                    f"(this one has {primaries}).",
                    code="primary_link_count",
                ),
            )
        return cleaned_data


class CatalogImportForm(forms.Form):
    """A catalog JSON file (UTF-8, at most 20 MB) and the dry-run switch."""

    catalog_file = forms.FileField(
        label="Catalog file (JSON)",
        help_text=f"A catalog in the Wayfinder catalog format, UTF-8, at most "
        f"{filesizeformat(IMPORT_MAX_BYTES)}.",
        widget=forms.ClearableFileInput(attrs={"accept": ".json,application/json"}),
    )
    dry_run = forms.BooleanField(
        label="Only check, write nothing",
        required=False,
        initial=True,
        help_text="Validate the file and show what would change, without saving.",
    )

    def clean_catalog_file(self) -> Any:
        """The parsed JSON document; refuses big, non-UTF-8, non-JSON or too
        deeply nested files. Read as ``manage.py import_catalog`` reads."""
        upload = self.cleaned_data["catalog_file"]
        if upload.size > IMPORT_MAX_BYTES:
            raise ValidationError(
                f"The file is {filesizeformat(upload.size)}; the limit is "
                f"{filesizeformat(IMPORT_MAX_BYTES)}.",
                code="too_large",
            )
        # Not at the top: catalog.transfer imports the models, which import us.
        from .transfer.parsing import CatalogParseError, catalog_loads

        raw = upload.read()
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as error:
            raise ValidationError(
                f"The file is not UTF-8 text (byte {error.start} is not valid UTF-8).",
                code="not_utf8",
            ) from error
        try:
            return catalog_loads(text)
        except CatalogParseError as error:
            raise ValidationError(
                f"The file is not a catalog: {error}.", code="too_deep"
            ) from error
        except json.JSONDecodeError as error:
            raise ValidationError(
                f"The file is not valid JSON: {error.msg} at line {error.lineno}, "
                f"column {error.colno}.",
                code="invalid_json",
            ) from error
