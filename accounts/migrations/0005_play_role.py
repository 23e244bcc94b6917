from django.db import migrations

from accounts.migrations._roles import create_roles


class Migration(migrations.Migration):
    """Normal and super users may play games in the browser (catalog.play_game)."""

    dependencies = [
        ("accounts", "0004_login_failure"),
        ("catalog", "0004_play"),
    ]

    operations = [migrations.RunPython(create_roles, migrations.RunPython.noop)]
