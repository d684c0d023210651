from django.urls import path

from altavoz.newsroom.views import editor

app_name = "editor"

urlpatterns = [
    path("", editor.queue, name="queue"),
    path("bulk/", editor.bulk, name="bulk"),
    path("article/<int:pk>/", editor.article, name="article"),
    path("article/<int:pk>/revisions/", editor.revisions, name="revisions"),
    path("audit/", editor.audit_log, name="audit"),
]
