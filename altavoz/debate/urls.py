"""Comment pages under the language prefix. The editor pages sit under
/<lang>/editor/ beside newsroom's (Django tries newsroom's editor URLs first,
then these)."""

from django.urls import path

from altavoz.debate import editor, views
from altavoz.newsroom.views.listing import listing_urls

app_name = "debate"

urlpatterns = [
    path("article/<slug:slug>/comment/", views.new_comment, name="new"),
    path("comment/<int:pk>/reply/", views.reply, name="reply"),
    path("comment/<int:pk>/report/", views.report, name="report"),
    *listing_urls("moderation/comments/", views.moderation_log, "log"),
    path("editor/comments/", editor.queue, name="editor_queue"),
    path("editor/comment/<int:pk>/", editor.comment, name="editor_comment"),
    path("editor/comments/article/<int:pk>/", editor.article_comments, name="editor_article"),
    path("editor/comments/person/<int:pk>/", editor.person, name="editor_person"),
]
