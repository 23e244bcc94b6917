from django.urls import path, register_converter

from catalog import downloads, views
from catalog.models import IMAGE_ID, KEPT_SIZES
from catalog.views import images, play


class _Text:
    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


# Only the sizes scrape keeps and IGDB's image ids: the one way a name reaches the images folder.
class ImageSize(_Text):
    regex = "|".join(sorted({size for sizes in KEPT_SIZES.values() for size in sizes}))


class ImageId(_Text):
    regex = IMAGE_ID.pattern


register_converter(ImageSize, "image_size")
register_converter(ImageId, "image_id")

app_name = "catalog"

urlpatterns = [
    path("", views.index, name="index"),
    path("search/suggest/", views.suggest, name="suggest"),
    # Before game-detail, whose slug would match "download-all".
    path("games/<int:pk>/download-all/", downloads.download_all, name="game-download-all"),
    path("games/<int:pk>/<slug:slug>/", views.game_detail, name="game-detail"),
    path("favorites/", views.favorites, name="favorites"),
    path("favorites/<int:pk>/", views.favorite_toggle, name="favorite-toggle"),
    path("files/<int:pk>/download/", downloads.download, name="rom-download"),
    path("play/<int:pk>/", play.play_game, name="play-game"),
    path("files/<int:pk>/play/", play.play, name="play"),
    path("files/<int:pk>/play/<str:version>/<str:name>", play.play_file, name="play-file"),
    path("files/<int:pk>/save/", play.save, name="save"),
    path("files/<int:pk>/save/delete/", play.delete_save, name="save-delete"),
    path("images/t_<image_size:size>/<image_id:image_id>.jpg", images.image, name="image"),
]
