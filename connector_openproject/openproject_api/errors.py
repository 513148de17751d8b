# Copyright 2026 The connector_openproject authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Typed errors of the OpenProject API client.

OpenProject answers every failure with a HAL ``Error`` body whose ``errorIdentifier``
is stable while its ``message`` is translated and reworded between versions, so the
client picks the exception class from the identifier, and from the HTTP status only
when the body is not OpenProject's (a proxy's HTML page). Callers decide what to do
from the class and from ``retryable``: the Odoo job layer re-queues retryable errors
and reports the others to the user.
"""

import html
import re

ERROR_URN_PREFIX = "urn:openproject-org:api:v3:errors:"


class OpenProjectError(Exception):
    """Base of every error the client raises.

    ``status`` is the HTTP status (None when no response arrived), ``identifier`` the
    short ``errorIdentifier`` (``"NotFound"``), ``message`` OpenProject's message (or
    ours), ``body_excerpt`` a short text excerpt of a non-HAL body, ``path`` the URL
    path that failed (never the query's secrets: the key travels in a header),
    ``messages`` every message of a ``MultipleErrors`` body.
    """

    retryable = False

    def __init__(
        self,
        status=None,
        identifier=None,
        message="",
        body_excerpt="",
        path=None,
        messages=None,
        details=None,
    ):
        self.status = status
        self.identifier = identifier
        self.message = message or ""
        self.body_excerpt = body_excerpt or ""
        self.path = path
        self.messages = list(messages) if messages else [self.message]
        self.details = details
        super().__init__(self._describe())

    def _describe(self):
        parts = []
        if self.path:
            parts.append(self.path)
        if self.status is not None:
            parts.append(f"HTTP {self.status}")
        if self.identifier:
            parts.append(self.identifier)
        head = " ".join(parts)
        text = "; ".join(m for m in self.messages if m) or self.body_excerpt
        if head and text:
            return f"{head}: {text}"
        return head or text or self.__class__.__name__


class InvalidQuery(OpenProjectError):
    """400: a filter, operator, sort or select the server does not accept."""


class Unauthenticated(OpenProjectError):
    """401: the API key is wrong, expired, or of a kind the version refuses."""


class MissingPermission(OpenProjectError):
    """403: the key's user may not do this (``/users`` without an admin)."""


class NotFound(OpenProjectError):
    """404: gone, or not visible to the key's user (OpenProject does not say which)."""


class Conflict(OpenProjectError):
    """409: ``UpdateConflict``, a stale ``lockVersion``."""


class PropertyConstraintViolation(OpenProjectError):
    """422: a value the server refused; ``details`` names the attribute if given."""


class Throttled(OpenProjectError):
    """429 after the client's own retries; ``retry_after``: seconds asked to wait."""

    retryable = True

    def __init__(self, *args, retry_after=None, **kwargs):
        self.retry_after = retry_after
        super().__init__(*args, **kwargs)


class ServerError(OpenProjectError):
    """5xx after the client's own retries."""

    retryable = True


class TransportError(OpenProjectError):
    """No usable response: connection refused or reset, timeout, body cut off."""

    retryable = True


class TLSError(OpenProjectError):
    """The TLS handshake failed (certificate not trusted, expired, wrong host).

    Not retryable: it needs a fixed certificate or CA bundle, not patience.
    """


class MalformedResponse(OpenProjectError):
    """A 2xx answer whose body is not the JSON we expect (truncated, invalid, HTML).

    Retryable: a proxy hiccup or a dropped connection is the usual cause.
    """

    retryable = True


class NotAnOpenProjectInstance(OpenProjectError):
    """The base URL answers, but not as an OpenProject API v3 root."""


class InconsistentPaging(OpenProjectError):
    """A collection walk saw fewer records than the server counted, twice.

    Records changed while the pages were read; a later walk will add up.
    """

    retryable = True


# errorIdentifier (after the URN prefix) -> class. Identifiers not listed here are
# typed by status, so a new OpenProject error still lands in a sensible class.
IDENTIFIER_CLASSES = {
    "InvalidQuery": InvalidQuery,
    "InvalidRequestBody": InvalidQuery,
    "Unauthenticated": Unauthenticated,
    "MissingPermission": MissingPermission,
    "Unauthorized": MissingPermission,
    "NotFound": NotFound,
    "UpdateConflict": Conflict,
    "PropertyConstraintViolation": PropertyConstraintViolation,
    "Throttled": Throttled,
    "TooManyRequests": Throttled,
    "InternalServerError": ServerError,
}

STATUS_CLASSES = {
    400: InvalidQuery,
    401: Unauthenticated,
    403: MissingPermission,
    404: NotFound,
    409: Conflict,
    422: PropertyConstraintViolation,
    429: Throttled,
}


def short_identifier(identifier):
    """``urn:openproject-org:api:v3:errors:NotFound`` -> ``NotFound``."""
    if not identifier:
        return None
    if identifier.startswith(ERROR_URN_PREFIX):
        return identifier[len(ERROR_URN_PREFIX) :]
    return identifier


def class_for(identifier, status):
    """Pick the exception class: by identifier first, by HTTP status otherwise."""
    cls = IDENTIFIER_CLASSES.get(short_identifier(identifier))
    if cls is not None:
        return cls
    if status is not None and status >= 500:
        return ServerError
    return STATUS_CLASSES.get(status, OpenProjectError)


_TAG = re.compile(r"<[^>]*>")
_HIDDEN_BLOCK = re.compile(
    r"<(script|style|head)\b[^>]*>.*?</\1\s*>", re.IGNORECASE | re.DOTALL
)
_SPACES = re.compile(r"\s+")


def text_excerpt(body, limit=200):
    """Return a short, readable excerpt of a non-JSON body (tags stripped)."""
    if not body:
        return ""
    if isinstance(body, bytes):
        body = body.decode("utf-8", errors="replace")
    text = _HIDDEN_BLOCK.sub(" ", body)
    text = html.unescape(_TAG.sub(" ", text))
    text = _SPACES.sub(" ", text).strip()
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text


def from_hal(body, status, path=None, retry_after=None):
    """Build the typed error for a HAL error body (``Error`` or ``MultipleErrors``).

    For ``MultipleErrors`` the first embedded error decides the class (they share a
    status) and every message is kept, so the user sees all refused attributes.
    """
    identifier = body.get("errorIdentifier")
    messages = [body.get("message") or ""]
    details = (body.get("_embedded") or {}).get("details")
    if short_identifier(identifier) == "MultipleErrors":
        embedded = (body.get("_embedded") or {}).get("errors") or []
        embedded = [item for item in embedded if isinstance(item, dict)]
        if embedded:
            identifier = embedded[0].get("errorIdentifier") or identifier
            details = (embedded[0].get("_embedded") or {}).get("details")
            messages = [item.get("message") or "" for item in embedded]
    cls = class_for(identifier, status)
    kwargs = {"retry_after": retry_after} if cls is Throttled else {}
    return cls(
        status=status,
        identifier=short_identifier(identifier),
        message=messages[0],
        path=path,
        messages=messages,
        details=details,
        **kwargs,
    )


def from_status(status, body_text, path=None, retry_after=None):
    """Build the typed error for a non-HAL error body: class by status, text excerpt."""
    cls = class_for(None, status)
    excerpt = text_excerpt(body_text)
    kwargs = {"retry_after": retry_after} if cls is Throttled else {}
    return cls(
        status=status,
        message=f"Unexpected non-API answer: {excerpt}" if excerpt else "",
        body_excerpt=excerpt,
        path=path,
        **kwargs,
    )
