from django.apps import AppConfig


class CatalogConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "catalog"

    def ready(self):
        from django.db.models.signals import post_migrate

        from catalog import pagecache, search

        pagecache.connect_signals()
        search.connect_signals()
        post_migrate.connect(search.ensure_index, sender=self, dispatch_uid="search-index")
