"""Placeholder: being written."""


def front(request, *args, **kwargs):
    raise NotImplementedError

def section(request, *args, **kwargs):
    raise NotImplementedError

def article(request, *args, **kwargs):
    raise NotImplementedError

def contributor(request, *args, **kwargs):
    raise NotImplementedError

def organizations(request, *args, **kwargs):
    raise NotImplementedError

def organization(request, *args, **kwargs):
    raise NotImplementedError

def tag(request, *args, **kwargs):
    raise NotImplementedError

def hidden(request, *args, **kwargs):
    raise NotImplementedError

def moderation_log(request, *args, **kwargs):
    raise NotImplementedError

def about(request, *args, **kwargs):
    raise NotImplementedError

def search(request, *args, **kwargs):
    raise NotImplementedError
