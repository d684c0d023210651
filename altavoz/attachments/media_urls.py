"""Stored attachment files, outside the language prefix (altavoz/urls.py includes
this before the generic /media/ route, so every file gets safe headers)."""

from django.urls import path

from altavoz.attachments import views

app_name = "attachment_files"
urlpatterns = [
    path("attachments/<path:name>", views.serve_file, name="file"),
]
