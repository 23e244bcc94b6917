"""Titles and alternative names stored before romvault/text.py: without the characters that
make them display as something else (bidi controls, zero-width characters). New ones are
stored that way (Game.title_fields, the importer)."""

from django.db import migrations
from django.utils.text import slugify

from romvault.text import INVISIBLE, strip_invisible

HAS_INVISIBLE = f"[{INVISIBLE}]"


def sort_title_for(title):
    # catalog.models.sort_title_for as of this migration.
    folded = title.casefold().strip()
    for article in ("the ", "a ", "an "):
        if folded.startswith(article):
            return folded[len(article) :].lstrip()
    return folded


def strip_titles(apps, schema_editor):
    Game = apps.get_model("catalog", "Game")
    AlternativeName = apps.get_model("catalog", "AlternativeName")
    for game in Game.objects.filter(title__regex=HAS_INVISIBLE).only("title"):
        title = strip_invisible(game.title)[:255]
        Game.objects.filter(pk=game.pk).update(
            title=title, sort_title=sort_title_for(title)[:255], slug=slugify(title)[:255]
        )
    for alt in AlternativeName.objects.filter(name__regex=HAS_INVISIBLE):
        name = strip_invisible(alt.name)
        if not name or AlternativeName.objects.filter(game_id=alt.game_id, name=name).exists():
            alt.delete()  # the game has it already, spelled plainly
        else:
            AlternativeName.objects.filter(pk=alt.pk).update(name=name)


class Migration(migrations.Migration):
    dependencies = [("catalog", "0004_play")]

    operations = [migrations.RunPython(strip_titles, migrations.RunPython.noop, elidable=True)]
