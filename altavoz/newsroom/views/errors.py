"""Placeholder: being written."""


def bad_request(request, *args, **kwargs):
    raise NotImplementedError

def forbidden(request, *args, **kwargs):
    raise NotImplementedError

def not_found(request, *args, **kwargs):
    raise NotImplementedError

def server_error(request, *args, **kwargs):
    raise NotImplementedError
