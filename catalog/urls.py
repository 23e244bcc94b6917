from django.urls import path, re_path

from catalog import downloads, views
from catalog.models import IMAGE_ID, KEPT_SIZES
from catalog.views import images, play

# Only the sizes scrape keeps and IGDB's image ids: the one way a name reaches the images folder.
IMAGE_SIZES = "|".join(sorted({size for sizes in KEPT_SIZES.values() for size in sizes}))

app_name = "catalog"

urlpatterns = [
    path("", views.index, name="index"),
    path("games/<int:pk>/<slug:slug>/", views.game_detail, name="game-detail"),
    path("favorites/", views.favorites, name="favorites"),
    path("favorites/<int:pk>/", views.favorite_toggle, name="favorite-toggle"),
    path("files/<int:pk>/download/", downloads.download, name="rom-download"),
    path("play/<int:pk>/", play.play_game, name="play-game"),
    path("files/<int:pk>/play/", play.play, name="play"),
    path("files/<int:pk>/play/<str:version>/<str:name>", play.play_file, name="play-file"),
    path("files/<int:pk>/save/", play.save, name="save"),
    path("files/<int:pk>/save/delete/", play.delete_save, name="save-delete"),
    re_path(
        rf"^images/t_(?P<size>{IMAGE_SIZES})/(?P<image_id>{IMAGE_ID.pattern})\.jpg$",
        images.image,
        name="image",
    ),
]
