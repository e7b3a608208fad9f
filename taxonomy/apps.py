from django.apps import AppConfig


class TaxonomyConfig(AppConfig):
    # The catalog-version receivers of taxonomy models are connected by
    # catalog.signals: the catalog owns the list of catalog models.
    name = "taxonomy"
    verbose_name = "Taxonomy"
