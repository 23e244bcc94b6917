from django.db import migrations

from accounts.migrations._roles import create_roles


class Migration(migrations.Migration):
    """The super role also holds the scraper app's permissions (its scrape lock admin)."""

    dependencies = [
        ("accounts", "0002_roles"),
        ("scraper", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_roles, migrations.RunPython.noop)]
