"""Placeholder: being written."""


def submit(request, *args, **kwargs):
    raise NotImplementedError

def edit(request, *args, **kwargs):
    raise NotImplementedError

def mine(request, *args, **kwargs):
    raise NotImplementedError
