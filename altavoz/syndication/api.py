"""Placeholder: being written (django-ninja API)."""

from django.urls import path

urlpatterns: list = []
