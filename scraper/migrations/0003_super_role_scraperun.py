from django.db import migrations

from accounts.migrations._roles import create_roles


class Migration(migrations.Migration):
    """The super role also holds ScrapeRun's permissions, "start_scrape" among them."""

    dependencies = [
        ("scraper", "0002_scraperun"),
        ("accounts", "0003_super_role_scraper"),
    ]

    operations = [migrations.RunPython(create_roles, migrations.RunPython.noop)]
