"""The board's web pages (its API routes are in ``board.urls``)."""

from django.urls import path

from .views import board_action_view, board_view

urlpatterns = [
    path("", board_view, name="board"),
    path("selection/", board_action_view, name="board-action"),
]
