from django.urls import path

from common.routers import Router

from .api.views import BoardReminderView, BoardView

router = Router()

urlpatterns = [
    *router.urls,
    path("board/", BoardView.as_view(), name="board"),
    path("board/reminders/", BoardReminderView.as_view(), name="board-reminders"),
]
