from django.urls import path

from catalog import downloads, views

app_name = "catalog"

urlpatterns = [
    path("", views.index, name="index"),
    path("games/<int:pk>/<slug:slug>/", views.game_detail, name="game-detail"),
    path("favorites/", views.favorites, name="favorites"),
    path("favorites/<int:pk>/", views.favorite_toggle, name="favorite-toggle"),
    path("files/<int:pk>/download/", downloads.download, name="rom-download"),
]
