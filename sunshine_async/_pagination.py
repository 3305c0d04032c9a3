"""One pager for every paginated list: pages, or their items, as async iterator objects.

Class-based on purpose: an abandoned async generator makes trio warn, and cannot be
resumed; these hold no open request between pages and can say where to resume.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Generic, Protocol, TypeVar, runtime_checkable

from ._converter import CONVERTER, describe_invalid
from ._cursors import next_cursor
from ._exceptions import PaginationError
from ._responses import ApiResponse, unexpected_body
from ._types import QueryParams

if TYPE_CHECKING:
    from ._operation import Operation
    from ._options import RequestOptions
    from ._requester import Requester

__all__ = ["ItemIterator", "PageIterator", "decode"]

T = TypeVar("T")
Item = TypeVar("Item")


class _Meta(Protocol):
    @property
    def has_more(self) -> bool | None: ...
    @property
    def after_cursor(self) -> str | None: ...
    @property
    def before_cursor(self) -> str | None: ...


@runtime_checkable
class _Page(Protocol):
    @property
    def meta(self) -> _Meta | None: ...


#: A page: a list response model (its items, ``meta`` and ``links``), or for a list the
#: API does not page, the tuple of its items.
P = TypeVar("P")


def decode(response: ApiResponse, cls: type[T], *, key: str | None = None) -> T:
    """Structure a response body (or one key of it) into ``cls``.

    Raises:
        ResponseValidationError: the body is not what the operation returns.
    """
    data = response.data if key is None else response.data.get(key)
    try:
        return CONVERTER.structure(data, cls)
    except Exception as exc:
        where = f" in {key!r}" if key else ""
        problems = "; ".join(describe_invalid(exc)) + where
        raise unexpected_body(response, problems) from exc


class PageIterator(Generic[P]):
    """Async iterator over the pages of a list, following the server's cursors.

    Each page is read whole; nothing is held open between pages. It guards against a
    server whose cursors would loop, and `cursor` tells where to resume later. Not safe
    to share between concurrently running tasks; make one per task.

    .. versionadded:: 0.2
    """

    __slots__ = (
        "_backwards",
        "_cursor",
        "_done",
        "_error",
        "_operation",
        "_options",
        "_page_type",
        "_path",
        "_query",
        "_requester",
        "_seen",
        "_size",
    )

    def __init__(
        self,
        requester: Requester,
        path: str,
        page_type: type[P],
        *,
        query: QueryParams,
        page_size: int,
        cursor: str | None,
        backwards: bool,
        operation: Operation | None = None,
        options: RequestOptions | None = None,
    ) -> None:
        self._requester = requester
        self._operation = operation
        self._options = options
        self._path = path
        self._page_type = page_type
        self._query = query
        self._size = page_size
        self._cursor = cursor
        self._backwards = backwards
        self._seen: set[str] = set() if cursor is None else {cursor}
        self._done = False
        self._error: PaginationError | None = None

    @property
    def cursor(self) -> str | None:
        """The cursor of the next page to fetch, or None at the start or once done.

        Pass it as ``after=`` (``before=`` when walking backwards) to a new ``list()``
        or ``pages()`` to resume where this one stopped, e.g. in another process.
        """
        return None if self._done else self._cursor

    def __aiter__(self) -> PageIterator[P]:
        return self

    async def __anext__(self) -> P:
        if self._error is not None:
            raise self._error
        if self._done:
            raise StopAsyncIteration
        params: list[tuple[str, str]] = []
        if self._cursor is not None:
            params.append(("page[before]" if self._backwards else "page[after]", self._cursor))
        params.append(("page[size]", str(self._size)))
        params.extend(self._query)
        response = await self._requester.request(
            "GET", self._path, params=params, options=self._options, operation=self._operation
        )
        page = decode(response, self._page_type)
        # a list response model has its meta; the one "page" of a list that is not paged
        # (a tuple) has none: nothing follows it
        meta: _Meta | None = page.meta if isinstance(page, _Page) else None
        if meta is None:
            # no paging information (the spec's own ListApps example): nothing follows
            self._done = True
            return page
        try:
            cursor = next_cursor(
                has_more=meta.has_more,
                after_cursor=meta.after_cursor,
                before_cursor=meta.before_cursor,
                backwards=self._backwards,
                seen=self._seen,
            )
        except PaginationError as exc:
            # hand out this page's items first; the error comes on the next call
            self._error = exc
            return page
        if cursor is None:
            self._done = True
        else:
            self._seen.add(cursor)
            self._cursor = cursor
        return page


class ItemIterator(Generic[P, Item]):
    """Async iterator over the items of a list, a page at a time.

    .. versionadded:: 0.2
    """

    __slots__ = ("_index", "_items", "_items_of", "_pages")

    def __init__(self, pages: PageIterator[P], items_of: Callable[[P], Sequence[Item]]) -> None:
        self._pages = pages
        self._items_of = items_of
        self._items: Sequence[Item] = ()
        self._index = 0

    @property
    def pages(self) -> PageIterator[P]:
        """The page iterator underneath (its `PageIterator.cursor` resumes a walk)."""
        return self._pages

    def __aiter__(self) -> ItemIterator[P, Item]:
        return self

    async def __anext__(self) -> Item:
        while self._index >= len(self._items):
            page = await self._pages.__anext__()
            self._items = self._items_of(page)
            self._index = 0
        item = self._items[self._index]
        self._index += 1
        return item
