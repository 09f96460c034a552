"""Keyset pagination of the API's lists: ``?limit=`` and ``?after=``, a ``Link: rel="next"`` header.

Bodies stay the JSON arrays they were (backwards compatible); the page's cursor travels in
the ``Link`` header (RFC 8288, a relative URI reference with the same filters and
``after`` = the id of the last row), and its total, where the list has one, in
``X-Total-Count``. ``limit`` is 1..500 (default 500); a longer list always has a next link,
so nothing is cut silently.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query, Request, Response

from regcoord.service.usecases.queries import DEFAULT_LIMIT, MAX_LIMIT, Page

Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description=f"rows per page, 1..{MAX_LIMIT} / 每页行数")]
After = Annotated[
    int | None,
    Query(ge=0, le=2**63 - 1, description="cursor: the id of the last row of the previous page / 游标"),
]

__all__ = ["DEFAULT_LIMIT", "After", "Limit", "next_link", "paged"]


def next_link(request: Request, page: Page[Any]) -> str | None:
    """The relative URL of the next page (same path and filters), ``None`` on the last page."""
    if page.next_after is None:
        return None
    url = request.url.include_query_params(after=page.next_after, limit=page.limit)
    return f"{url.path}?{url.query}"


def paged(request: Request, response: Response, page: Page[Any], items: list[Any]) -> list[Any]:
    """Set ``Link`` (next) and ``X-Total-Count`` on ``response`` and return the page's ``items``."""
    link = next_link(request, page)
    if link is not None:
        response.headers["Link"] = f'<{link}>; rel="next"'
    if page.total_capped:
        response.headers["X-Total-Count-Exceeds"] = str(page.total)
    elif page.total is not None:
        response.headers["X-Total-Count"] = str(page.total)
    return items
