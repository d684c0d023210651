"""Placeholder: being written."""

app_name = "debate"
urlpatterns: list = []
