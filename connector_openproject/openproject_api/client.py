# Copyright 2026 The connector_openproject authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""HTTP client of the OpenProject API v3, read-only, for a one-way sync.

One ``OpenProjectClient`` holds one ``requests`` session: authentication (API key over
HTTP Basic, or Bearer), TLS verification, timeouts and the retry policy of
``retry.py`` mounted on it. Answers become dicts; failures become the typed errors of
``errors.py``, chosen from OpenProject's ``errorIdentifier``.

Collection walks are the delicate part. OpenProject pages by offset (a 1-based page
number) and a page is computed at request time, so records created, updated or
deleted during a walk shift the pages under it. Two walks are offered:

* keyset (``keyset=True``, for collections with an ``updatedAt`` filter: work
  packages, time entries on 9.0+): pages sorted by ``updatedAt`` then ``id`` and a
  moving lower bound ``updatedAt >= last seen``, restarting at page 1 after each page.
  A record changed during the walk gets a newer ``updatedAt`` and comes later in the
  same walk; a deleted one can no longer shift unread records past the cursor.
* by id (every other collection): sorted by ``id``, so updates never move a record
  and new records come last. The walk reads page 1 (to learn ``total`` and the page
  size the server allows), then the pages from the last one down to 2, then page 1
  again: a deletion shifts records towards pages not read yet instead of past the
  walk, and pages beyond the first count are read again when ``total`` grew. If the
  distinct ids still do not add up to ``total``, the walk is repeated once, then
  ``InconsistentPaging`` (retryable) is raised.

Both de-duplicate by id and hold one page (plus the set of seen ids) at a time.
"""

import logging
import math
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter

from . import __version__, errors
from . import filters as op_filters
from .retry import OpenProjectRetry, RetryObserver, requested_wait
from .values import format_datetime, parse_datetime

_logger = logging.getLogger(__name__)

API_PREFIX = "/api/v3"


@dataclass(frozen=True)
class Page:
    """One page of a collection, as the server described it."""

    elements: list
    total: int
    count: int
    offset: int
    page_size: int


class OpenProjectClient(RetryObserver):
    """Read-only client of one OpenProject instance.

    ``base_url`` is the instance root (``https://host`` or ``https://host/openproject``
    for an instance under a sub-path; a trailing ``/api/v3`` is tolerated).
    ``api_key`` goes over HTTP Basic as user ``apikey`` (every version), or as a
    Bearer token with ``auth_mode="bearer"`` (API tokens from 17.0, OAuth tokens).
    ``max_retries``, ``backoff_factor`` and ``backoff_max`` shape the retry policy
    (``retry.py``); ``page_size`` is what walks ask for, the server may clamp it.

    A client is not meant to be shared between threads (its ``requests`` session and
    counters are not locked): each job builds its own, which is cheap.
    """

    def __init__(
        self,
        base_url,
        api_key,
        auth_mode="basic",
        connect_timeout=5.0,
        read_timeout=30.0,
        verify=True,
        max_retries=5,
        backoff_factor=0.5,
        backoff_max=60.0,
        page_size=1000,
        user_agent=None,
    ):
        if auth_mode not in ("basic", "bearer"):
            raise ValueError(
                f"auth_mode must be 'basic' or 'bearer', not {auth_mode!r}"
            )
        base_url = (base_url or "").strip().rstrip("/")
        if base_url.endswith(API_PREFIX):
            base_url = base_url[: -len(API_PREFIX)]
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"Not an http(s) URL: {base_url!r}")
        self.base_url = base_url
        self.origin = f"{parts.scheme}://{parts.netloc}"
        self.base_path = parts.path.rstrip("/")
        self.api_url = self.origin + self.base_path + API_PREFIX
        self.auth_mode = auth_mode
        self.timeout = (connect_timeout, read_timeout)
        self.page_size = page_size
        self.request_count = 0
        self.retry_count = 0
        #: Seconds slept before each retry, in order (for tests, bench and logs).
        self.waits = []

        # Passed with every request: a Session's own `verify` loses against the
        # REQUESTS_CA_BUNDLE environment variable, a custom CA bundle must not.
        self.verify = verify
        self.session = requests.Session()
        self.session.headers["User-Agent"] = user_agent or (
            f"connector_openproject/{__version__} "
            f"python-requests/{requests.__version__}"
        )
        self.session.headers["Accept"] = "application/hal+json, application/json"
        if api_key:
            if auth_mode == "bearer":
                self.session.headers["Authorization"] = f"Bearer {api_key}"
            else:
                self.session.auth = ("apikey", api_key)
        retry = OpenProjectRetry.for_client(
            max_retries, backoff_factor, backoff_max, observer=self
        )
        adapter = HTTPAdapter(max_retries=retry)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)

    def __repr__(self):
        # Never show the key.
        return f"<OpenProjectClient {self.base_url} ({self.auth_mode})>"

    def close(self):
        self.session.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    # RetryObserver -------------------------------------------------------------

    def retry_scheduled(self, method, url, error, status):
        self.request_count += 1
        self.retry_count += 1

    def waiting(self, seconds, reason):
        self.waits.append(seconds)
        if seconds >= 1:
            _logger.info("Waiting %.1f s before retrying (%s)", seconds, reason)

    # URLs and single requests ----------------------------------------------------

    def url_for(self, path_or_href):
        """Return the absolute URL of an API path or of an href taken from ``_links``.

        ``"work_packages/5"`` is relative to the API root. An href (``/openproject/
        api/v3/...``) already carries the instance's sub-path and is joined to the
        scheme and host only; one lacking the sub-path gets it. An absolute URL must
        point at this instance: the API key is never sent anywhere else.
        """
        target = (path_or_href or "").strip()
        if "://" in target:
            parts = urlsplit(target)
            if f"{parts.scheme}://{parts.netloc}" != self.origin:
                raise ValueError(f"URL outside the OpenProject instance: {target!r}")
            return target
        if target.startswith("/"):
            if self.base_path and not (
                target == self.base_path or target.startswith(self.base_path + "/")
            ):
                target = self.base_path + target
            return self.origin + target
        return f"{self.api_url}/{target}" if target else self.api_url

    def get(self, path_or_href, params=None):
        """GET one resource (or any API answer) and return its JSON body as a dict."""
        url = self.url_for(path_or_href)
        response = self._send(url, params)
        return self._decode(response, url)

    def _send(self, url, params):
        path = urlsplit(url).path
        self.request_count += 1
        started = time.monotonic()
        try:
            response = self.session.get(
                url, params=params, timeout=self.timeout, verify=self.verify
            )
        except requests.exceptions.SSLError as err:
            raise errors.TLSError(
                message=f"TLS handshake failed: {_reason(err)}", path=path
            ) from err
        except (
            requests.exceptions.ConnectionError,
            requests.exceptions.Timeout,
            requests.exceptions.ChunkedEncodingError,
            requests.exceptions.ContentDecodingError,
        ) as err:
            # Also raised while reading the body after the headers arrived (a
            # connection dropped mid-body), where urllib3's retries no longer apply.
            raise errors.TransportError(
                message=f"{type(err).__name__}: {_reason(err)}", path=path
            ) from err
        except requests.exceptions.RequestException as err:
            raise errors.OpenProjectError(
                message=f"{type(err).__name__}: {_reason(err)}", path=path
            ) from err
        _logger.debug(
            "GET %s -> %s (%d bytes, %.3f s)",
            path,
            response.status_code,
            len(response.content),
            time.monotonic() - started,
        )
        return response

    def _decode(self, response, url):
        path = urlsplit(url).path
        if response.status_code >= 400:
            raise self._error_for(response, path)
        try:
            body = response.json()
        except ValueError as err:
            raise errors.MalformedResponse(
                status=response.status_code,
                message="The answer is not valid JSON (truncated or not from the API)",
                body_excerpt=errors.text_excerpt(response.text),
                path=path,
            ) from err
        if not isinstance(body, dict):
            raise errors.MalformedResponse(
                status=response.status_code,
                message="The answer is JSON but not an object",
                path=path,
            )
        return body

    def _error_for(self, response, path):
        retry_after = None
        if response.status_code == 429:
            retry_after = requested_wait(response.headers)
        try:
            body = response.json()
        except ValueError:
            body = None
        if isinstance(body, dict) and (
            body.get("_type") in ("Error", "MultipleErrors")
            or "errorIdentifier" in body
        ):
            return errors.from_hal(body, response.status_code, path, retry_after)
        return errors.from_status(
            response.status_code, response.text, path, retry_after
        )

    def root(self):
        """GET the API root (``/api/v3``), checking this is an OpenProject API.

        A web server that is not OpenProject often answers 200 with an HTML page, or
        some other JSON: that is ``NotAnOpenProjectInstance``, as is a plain 404 page,
        so the backend can tell the user the URL is wrong rather than "try later".
        """
        url = self.api_url
        try:
            body = self.get(url)
        except errors.MalformedResponse as err:
            raise errors.NotAnOpenProjectInstance(
                status=err.status,
                message=f"{self.base_url} does not answer as an OpenProject API v3",
                body_excerpt=err.body_excerpt,
                path=err.path,
            ) from err
        except errors.NotFound as err:
            if err.identifier:
                raise
            raise errors.NotAnOpenProjectInstance(
                status=err.status,
                message=f"{self.base_url} has no OpenProject API v3 (HTTP 404)",
                body_excerpt=err.body_excerpt,
                path=err.path,
            ) from err
        if body.get("_type") != "Root":
            raise errors.NotAnOpenProjectInstance(
                status=200,
                message=f"{self.base_url} answers JSON that is not an OpenProject "
                "API v3 root",
                path=urlsplit(url).path,
            )
        return body

    def me(self):
        """GET ``/api/v3/users/me``: the user the key belongs to.

        An instance that does not force login answers anonymous requests too, so a
        missing or ignored key is not an error there: check ``is_anonymous``.
        """
        return self.get("users/me")

    @staticmethod
    def is_anonymous(user):
        """Tell whether ``me()`` answered for the anonymous user (no login, no id)."""
        return user.get("_type") == "AnonymousUser" or not user.get("login")

    # Collections -----------------------------------------------------------------

    def get_page(
        self,
        path,
        offset=1,
        page_size=None,
        filters=None,
        sort_by=None,
        select=None,
        params=None,
    ):
        """GET one page of a collection.

        ``filters`` (a list, sent as JSON) and ``sort_by`` are optional; for
        ``work_packages`` collections a missing ``filters`` is sent as ``[]``, because
        OpenProject lists open work packages only when the parameter is absent.
        ``select`` (list or comma-separated string) always includes ``total``.
        """
        requested_size = self.page_size if page_size is None else page_size
        query = dict(params or {})
        query["offset"] = offset
        query["pageSize"] = requested_size
        if filters is None and _last_segment(path) == "work_packages":
            filters = []
        if filters is not None:
            query["filters"] = (
                filters if isinstance(filters, str) else op_filters.encode(filters)
            )
        if sort_by is not None:
            query["sortBy"] = (
                sort_by if isinstance(sort_by, str) else op_filters.encode(sort_by)
            )
        if select is not None:
            fields = select.split(",") if isinstance(select, str) else list(select)
            if "total" not in fields:
                fields.insert(0, "total")
            query["select"] = ",".join(fields)
        url = self.url_for(path)
        body = self._decode(self._send(url, query), url)
        return self._page_from(body, offset, requested_size, urlsplit(url).path)

    @staticmethod
    def _page_from(body, offset, requested_size, path):
        elements = (body.get("_embedded") or {}).get("elements")
        total = body.get("total")
        if not isinstance(elements, list) or not isinstance(total, int):
            raise errors.MalformedResponse(
                status=200,
                message="The answer is not a collection (no elements or total)",
                path=path,
            )
        page_size = body.get("pageSize")
        if not isinstance(page_size, int) or page_size <= 0:
            # A lean `select` drops pageSize. On page 1 a short, non-final page tells
            # the size the server clamped us to.
            page_size = requested_size
            if offset == 1 and 0 < len(elements) < min(requested_size, total):
                page_size = len(elements)
        return Page(
            elements=elements,
            total=total,
            count=body.get("count", len(elements)),
            offset=body.get("offset", offset),
            page_size=page_size,
        )

    def iter_pages(self, path, filters=None, sort_by=None, keyset=False, select=None):
        """Yield the elements of a collection page by page, each id once.

        See the module docstring for the two walks. ``filters`` are AND-ed with the
        keyset's own ``updatedAt`` bound; a caller's ``updatedAt`` ``<>d`` filter
        becomes the walk's starting bound and upper limit. Yielded lists hold only
        records not yielded before and are never empty.
        """
        if keyset:
            return self._iter_keyset(path, filters, sort_by, select)
        return self._iter_by_id(path, filters, sort_by, select)

    def iter_elements(
        self, path, filters=None, sort_by=None, keyset=False, select=None
    ):
        """Like ``iter_pages``, one element at a time."""
        for page in self.iter_pages(path, filters, sort_by, keyset, select):
            yield from page

    def list_ids(self, path, filters=None):
        """Return the sorted ids of a collection, read with the lean ``select``.

        ``select=total,elements/id`` makes each page a list of ids: cheap enough to
        compare with the bindings for a deletion sweep.
        """
        ids = set()
        for page in self._iter_by_id(path, filters, None, ["total", "elements/id"]):
            ids.update(element["id"] for element in page)
        return sorted(ids)

    def get_elements(self, path, params=None):
        """Return all elements of an unpaginated collection (statuses, activities).

        Should the server page it anyway (``total`` above the elements sent), the
        rest is walked by id.
        """
        url = self.url_for(path)
        body = self._decode(self._send(url, params), url)
        page = self._page_from(body, 1, 0, urlsplit(url).path)
        if page.total <= len(page.elements):
            return page.elements
        extra = dict(params or {})
        flt = extra.pop("filters", None)
        return list(
            element
            for chunk in self._iter_by_id(path, flt, None, None, params=extra)
            for element in chunk
        )

    def _iter_by_id(self, path, filters, sort_by, select, params=None):
        sort_by = sort_by if sort_by is not None else op_filters.SORT_BY_ID
        seen = set()
        for attempt in (1, 2):
            walk_ids = set()
            last_total = None
            for page in self._walk_by_id_once(path, filters, sort_by, select, params):
                last_total = page.total
                fresh = []
                for element in page.elements:
                    element_id = element.get("id")
                    walk_ids.add(element_id)
                    if element_id not in seen:
                        seen.add(element_id)
                        fresh.append(element)
                if fresh:
                    yield fresh
            if len(walk_ids) >= last_total:
                return
            _logger.info(
                "Walk %d of %s saw %d distinct records of %d: records changed "
                "during the walk",
                attempt,
                path,
                len(walk_ids),
                last_total,
            )
        raise errors.InconsistentPaging(
            message=f"Listing {path} twice saw {len(walk_ids)} distinct records while "
            f"the server counted {last_total}; records changed during the walk, "
            "try again later",
            path=urlsplit(self.url_for(path)).path,
        )

    def _walk_by_id_once(self, path, filters, sort_by, select, params):
        def fetch(offset, size):
            return self.get_page(
                path,
                offset=offset,
                page_size=size,
                filters=filters,
                sort_by=sort_by,
                select=select,
                params=params,
            )

        first = fetch(1, None)
        yield first
        size = first.page_size
        if not first.elements or first.total <= size:
            return
        last_page = math.ceil(first.total / size)
        newest_total = first.total
        # Backwards: a deletion shifts records towards the pages still to read.
        for offset in range(last_page, 1, -1):
            page = fetch(offset, size)
            newest_total = page.total
            yield page
        again = fetch(1, size)
        newest_total = again.total
        yield again
        # Forwards over what was appended (new ids come last) while we walked.
        offset = last_page
        while offset * size < newest_total:
            offset += 1
            page = fetch(offset, size)
            newest_total = page.total
            yield page
            if not page.elements:
                break

    def _iter_keyset(self, path, filters, sort_by, select):
        others, bounds = op_filters.split_updated_at(filters)
        low, high = bounds or ("", "")
        sort_by = sort_by if sort_by is not None else op_filters.SORT_BY_UPDATED
        if select is not None:
            select = select.split(",") if isinstance(select, str) else list(select)
            for field in ("elements/id", "elements/updatedAt"):
                if field not in select:
                    select.append(field)
        cursor = low
        cursor_at = parse_datetime(low) if low else None
        offset = 1
        size = self.page_size
        # id -> the newest updatedAt yielded for it. A record changed while
        # the walk goes on is met again further on, newer: it is yielded again
        # so that its last version is the one imported; an unchanged record
        # met twice (a page boundary on equal timestamps) is not.
        seen = {}
        while True:
            page_filters = list(others)
            if cursor or high:
                page_filters.append(
                    op_filters.build(op_filters.UPDATED_AT, "<>d", [cursor, high])
                )
            page = self.get_page(
                path,
                offset=offset,
                page_size=size,
                filters=page_filters,
                sort_by=sort_by,
                select=select,
            )
            size = page.page_size
            fresh = []
            for element in page.elements:
                element_id = element.get("id")
                try:
                    stamp = parse_datetime(element.get("updatedAt"))
                except ValueError:
                    stamp = None
                if element_id in seen and not (
                    stamp and seen[element_id] and stamp > seen[element_id]
                ):
                    continue
                seen[element_id] = stamp
                fresh.append(element)
            if fresh:
                yield fresh
            if not page.elements or offset * size >= page.total:
                return
            # The cursor moves to the newest readable updatedAt of the page: a
            # record with a date that does not parse is yielded (its import
            # reports it) but cannot serve as the cursor.
            last_at = None
            for element in reversed(page.elements):
                try:
                    last_at = parse_datetime(element.get("updatedAt"))
                except ValueError:
                    continue
                if last_at is not None:
                    break
            if last_at is None:
                raise errors.MalformedResponse(
                    message="A keyset walk needs an ISO 8601 updatedAt; none on this "
                    "page can be read (ids "
                    + ", ".join(str(e.get("id")) for e in page.elements[:10])
                    + ")",
                    path=urlsplit(self.url_for(path)).path,
                )
            if cursor_at is not None and last_at <= cursor_at:
                # A whole page shares the bound's updatedAt: page on within it.
                offset += 1
            else:
                cursor_at = last_at
                cursor = format_datetime(last_at)
                offset = 1


def _last_segment(path):
    return urlsplit(path or "").path.rstrip("/").rsplit("/", 1)[-1]


def _reason(err):
    """A short reason for a requests error, without the URL's query string."""
    text = str(err.args[0] if err.args else err)
    return text[:300]
