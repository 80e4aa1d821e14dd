"""The web pages' addresses (the API's are in ``urls.py``)."""

from django.urls import path

from .web import comment_delete, comment_post

app_name = "conversations"

urlpatterns = [
    path("projects/<int:project_id>/comments/", comment_post, name="comment-post"),
    path(
        "projects/<int:project_id>/comments/<int:comment_id>/delete/",
        comment_delete,
        name="comment-delete",
    ),
]
