"""Placeholder: being written."""


def robots_txt(request):
    raise NotImplementedError
