"""The attachments page, under the language prefix with the other writing pages."""

from django.urls import path

from altavoz.attachments import views

app_name = "attachments"
urlpatterns = [
    path("write/<int:pk>/attachments/", views.manage, name="manage"),
    path(
        "write/<int:pk>/attachments/<int:attachment_id>/remove/",
        views.remove,
        name="remove",
    ),
]
