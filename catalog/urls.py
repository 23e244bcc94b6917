from django.urls import path

from catalog import views

app_name = "catalog"

urlpatterns = [
    path("", views.index, name="index"),
    path("games/<int:pk>/<slug:slug>/", views.game_detail, name="game-detail"),
]
