"""Placeholder: being written. {% attachments_for article %} lists documents and images."""

from django import template

register = template.Library()


@register.simple_tag
def attachments_for(article) -> str:
    return ""
