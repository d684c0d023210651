"""Placeholder: being written."""

app_name = "attachments"
urlpatterns: list = []
