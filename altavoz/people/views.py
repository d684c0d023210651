"""Placeholder: being written."""


def register(request, *args, **kwargs):
    raise NotImplementedError


def login(request, *args, **kwargs):
    raise NotImplementedError


def logout(request, *args, **kwargs):
    raise NotImplementedError


def two_factor(request, *args, **kwargs):
    raise NotImplementedError


def two_factor_setup(request, *args, **kwargs):
    raise NotImplementedError
