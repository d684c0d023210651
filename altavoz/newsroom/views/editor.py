"""Placeholder: being written."""


def queue(request, *args, **kwargs):
    raise NotImplementedError

def bulk(request, *args, **kwargs):
    raise NotImplementedError

def article(request, *args, **kwargs):
    raise NotImplementedError

def revisions(request, *args, **kwargs):
    raise NotImplementedError

def audit_log(request, *args, **kwargs):
    raise NotImplementedError
