from django.urls import path

from catalog import downloads, views
from catalog.views import play

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
]
