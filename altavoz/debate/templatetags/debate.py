"""Placeholder: being written. {% comments_for article %} renders the thread."""

from django import template

register = template.Library()


@register.simple_tag
def comments_for(article) -> str:
    return ""
