"""Search columns (catalog/search.py), filled for every game, and their indexes."""

from collections import defaultdict

from django.db import migrations, models

from catalog import search


def fill(apps, schema_editor):
    """The same columns search.refresh() writes, from the historical models."""
    Game = apps.get_model("catalog", "Game")
    names, related = defaultdict(list), defaultdict(list)
    for game_id, name in (
        apps.get_model("catalog", "AlternativeName")
        .objects.order_by("pk")
        .values_list("game_id", "name")
    ):
        names[game_id].append(name)
    for game_id, name in (
        apps.get_model("catalog", "Involvement")
        .objects.order_by("pk")
        .values_list("game_id", "company__name")
    ):
        related[game_id].append(name)
    for field in ("collections", "franchises"):
        through = Game._meta.get_field(field).remote_field.through
        target = Game._meta.get_field(field).m2m_reverse_field_name()
        for game_id, name in through.objects.order_by("pk").values_list(
            "game_id", f"{target}__name"
        ):
            related[game_id].append(name)
    batch = []
    for game in Game.objects.only("pk", "title").iterator(chunk_size=2000):
        for field, value in search.columns(game.title, names[game.pk], related[game.pk]).items():
            setattr(game, field, value)
        batch.append(game)
        if len(batch) == 2000:
            Game.objects.bulk_update(batch, search.FIELDS)
            batch = []
    Game.objects.bulk_update(batch, search.FIELDS)


def index(apps, schema_editor):
    search.ensure_index(schema_editor.connection.alias)


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0007_game_edited_fields"),
    ]

    operations = [
        migrations.AddField(
            model_name="game",
            name="search_names",
            field=models.TextField(blank=True, editable=False),
        ),
        migrations.AddField(
            model_name="game",
            name="search_related",
            field=models.TextField(blank=True, editable=False),
        ),
        migrations.AddField(
            model_name="game",
            name="search_title",
            field=models.CharField(blank=True, editable=False, max_length=255),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop, elidable=True),
        migrations.RunPython(index, migrations.RunPython.noop),
    ]
