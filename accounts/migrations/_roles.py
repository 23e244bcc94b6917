from django.contrib.auth.management import create_permissions

from accounts.roles import sync_roles


def create_roles(apps, schema_editor):
    # Permissions are normally created after all migrations (post_migrate); make them now so the
    # groups can hold them on a fresh database.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    sync_roles(apps)
