"""Page numbers for API listings, with the neighbours' addresses."""

from __future__ import annotations

from typing import Any

from django.core.paginator import EmptyPage, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _

from altavoz.syndication.api_errors import ApiError


def paginate(request: HttpRequest, items: QuerySet, page: int, page_size: int
             ) -> tuple[list[Any], dict[str, Any]]:
    """(the page's objects, count/page/pages/page_size/next/previous).

    A page past the end is a 404 with the last page's number, as on the site:
    a crawler walking page numbers gets a cheap, clear answer.
    """
    paginator = Paginator(items, page_size)
    try:
        current = paginator.page(page)
    except EmptyPage as exc:
        raise ApiError(404, _("There is no page %(page)d; the last one is %(last)d.")
                       % {"page": page, "last": paginator.num_pages}) from exc

    def url(number: int) -> str:
        # Relative to the site, like every address the API gives: the same
        # answer is right behind any edge, mirror or onion address.
        query = request.GET.copy()
        query["page"] = str(number)
        return f"{request.path}?{query.urlencode()}"

    return list(current.object_list), {
        "count": paginator.count,
        "page": current.number,
        "pages": paginator.num_pages,
        "page_size": page_size,
        "next": url(current.next_page_number()) if current.has_next() else None,
        "previous": url(current.previous_page_number()) if current.has_previous() else None,
    }
