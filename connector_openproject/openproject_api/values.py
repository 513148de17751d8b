# Copyright 2026 The connector_openproject authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Turn OpenProject API v3 values into plain Python values.

Every function here is pure and knows nothing of HTTP or Odoo, so mappers can rely on
one interpretation of each OpenProject quirk (24-hour duration days, Formattable text
that was a bare string in 7.x, links whose path carries the instance's sub-path, links
that hide their target) and tests can pin it on recorded payloads.
"""

import datetime
import html
import re
from urllib.parse import urlsplit

import isodate
from dateutil.parser import isoparse

UNDISCLOSED_HREF = "urn:openproject-org:api:v3:undisclosed"

API_PATH_MARKER = "/api/v3/"

# Since 17.0 a work package's or project's "project" may be a workspace of another
# flavour; they share the projects table and their ids, so they are projects to us.
PROJECT_ALIASES = frozenset({"programs", "portfolios", "workspaces"})

_DURATION_SHAPE = re.compile(
    r"P(?:\d+(?:[.,]\d+)?[YMWD])*(?:T(?:\d+(?:[.,]\d+)?[HMS])+)?", re.ASCII
)


def parse_duration_hours(text):
    """Return the hours of an ISO 8601 duration as a float, None for null.

    OpenProject renders work and spent time with 24-hour days (40 h is ``P1DT16H``,
    48 h is ``P2D``), sometimes with fractions (``PT0.5H``). Years and months have no
    fixed length in hours, and negative or malformed text means a payload we do not
    understand: both raise ``ValueError`` naming the text, rather than importing a
    wrong number of hours.
    """
    if text is None:
        return None
    if not isinstance(text, str):
        raise ValueError(f"Not an ISO 8601 duration: {text!r}")
    stripped = text.strip()
    if not stripped:
        return None
    if stripped.startswith("-"):
        raise ValueError(f"Negative durations are not hours of work: {text!r}")
    if not _DURATION_SHAPE.fullmatch(stripped) or not any(
        char.isdigit() for char in stripped
    ):
        raise ValueError(f"Not an ISO 8601 duration: {text!r}")
    try:
        duration = isodate.parse_duration(stripped)
    except (isodate.ISO8601Error, ValueError) as err:
        raise ValueError(f"Not an ISO 8601 duration: {text!r}") from err
    if isinstance(duration, isodate.Duration):
        if duration.years or duration.months:
            raise ValueError(
                f"Durations in years or months have no fixed number of hours: {text!r}"
            )
        duration = duration.tdelta
    # Round away the binary noise of float division (P1DT9H36M is 33.6 h, not
    # 33.599999...); a microsecond is far below any time OpenProject can record.
    return round(duration.total_seconds() / 3600.0, 9)


def parse_date(text):
    """Return a ``datetime.date`` for an OpenProject date (``2025-06-02``), or None."""
    if text is None or text == "":
        return None
    if not isinstance(text, str):
        raise ValueError(f"Not an ISO 8601 date: {text!r}")
    try:
        return datetime.date.fromisoformat(text.strip())
    except ValueError as err:
        raise ValueError(f"Not an ISO 8601 date: {text!r}") from err


def parse_datetime(text):
    """Return a naive UTC ``datetime`` for an OpenProject date-time, or None.

    Odoo stores naive UTC datetimes, so the zone is applied and dropped here.
    OpenProject always sends a zone (``Z``); a date-time without one is rejected with
    ``ValueError``, because guessing the server's zone could shift every timestamp by
    hours and corrupt the ``updatedAt`` comparisons the sync relies on.
    """
    if text is None or text == "":
        return None
    if not isinstance(text, str):
        raise ValueError(f"Not an ISO 8601 date-time: {text!r}")
    stripped = text.strip()
    if "T" not in stripped:
        raise ValueError(f"Not an ISO 8601 date-time: {text!r}")
    try:
        value = isoparse(stripped)
    except (ValueError, OverflowError) as err:
        raise ValueError(f"Not an ISO 8601 date-time: {text!r}") from err
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"Date-time without a time zone: {text!r}")
    return value.astimezone(datetime.UTC).replace(tzinfo=None)


def format_datetime(value):
    """Format a datetime as OpenProject filters want it: full UTC date-time with ``Z``.

    A naive datetime is taken as UTC (Odoo's convention). Microseconds are truncated
    to milliseconds, the precision OpenProject renders, so a lower bound built from a
    rendered ``updatedAt`` never moves past the record it came from.
    """
    if not isinstance(value, datetime.datetime):
        raise TypeError(f"Expected a datetime, got {value!r}")
    if value.tzinfo is not None:
        value = value.astimezone(datetime.UTC).replace(tzinfo=None)
    text = value.strftime("%Y-%m-%dT%H:%M:%S")
    millis = value.microsecond // 1000
    if millis:
        text += f".{millis:03d}"
    return text + "Z"


def formattable_raw(value):
    """Return the source text of a Formattable value.

    A Formattable is ``{"format", "raw", "html"}``; OpenProject 7.x sent some of them
    (a time entry's comment) as a plain string, which is returned as is. None stays
    None so a mapper can tell "no value" from "empty text".
    """
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        return value.get("raw") or ""
    raise ValueError(f"Not a Formattable value: {value!r}")


def formattable_html(value):
    """Return HTML for a Formattable value, escaping a plain 7.x string.

    OpenProject's own ``html`` rendering is used when present (it resolves macros and
    mentions we could not render); plain text is escaped and its line breaks kept.
    """
    if value is None:
        return None
    if isinstance(value, dict):
        if value.get("html") is not None:
            return value["html"]
        value = value.get("raw") or ""
    elif not isinstance(value, str):
        raise ValueError(f"Not a Formattable value: {value!r}")
    if not value:
        return ""
    return "<p>" + html.escape(value).replace("\n", "<br/>") + "</p>"


def formattable_format(value):
    """Return the Formattable's format (``markdown``, ``plain``, ``custom``) or None."""
    if value is None:
        return None
    if isinstance(value, str):
        return "plain"
    if isinstance(value, dict):
        return value.get("format")
    raise ValueError(f"Not a Formattable value: {value!r}")


def parse_href(href, numeric=True):
    """Return ``(kind, id)`` for an API v3 resource href, None when there is no target.

    ``kind`` is the path between ``/api/v3/`` and the id (``"work_packages"``,
    ``"users"``, ``"groups"``, ``"time_entries/activities"``); whatever prefix the
    instance is served under is ignored, so ``/openproject/api/v3/work_packages/5``
    gives ``("work_packages", 5)``. Programs and portfolios (17.0+) are projects.
    A null href (``parent`` of a root work package) and the "undisclosed" URN
    (OpenProject hides a target the user may not see, such as an invisible parent)
    both give None: there is nothing the sync may link to.

    Ids are ints; ``numeric=False`` returns the last path segment as a string instead,
    for the few resources keyed by a name (``/api/v3/project_statuses/on_track``).
    An href that names no single API resource raises ``ValueError``.
    """
    if href is None or href == "":
        return None
    if not isinstance(href, str):
        raise ValueError(f"Not an API href: {href!r}")
    if href == UNDISCLOSED_HREF or href.startswith("urn:"):
        return None
    path = urlsplit(href).path
    marker = path.find(API_PATH_MARKER)
    if marker < 0:
        raise ValueError(f"Not an OpenProject API v3 href: {href!r}")
    segments = [part for part in path[marker + len(API_PATH_MARKER) :].split("/")]
    if len(segments) < 2 or not all(segments):
        raise ValueError(f"Href does not name a single resource: {href!r}")
    *kind_parts, key = segments
    kind = "/".join(kind_parts)
    if kind in PROJECT_ALIASES:
        kind = "projects"
    if not numeric:
        return kind, key
    if not key.isdigit():
        raise ValueError(f"Href does not end in a numeric id: {href!r}")
    return kind, int(key)


def _link(record, name):
    links = (record or {}).get("_links") or {}
    return links.get(name)


def link_ref(record, name, numeric=True):
    """Return ``(kind, id)`` of ``record["_links"][name]``, None when absent or empty.

    Multi-valued links (``ancestors``, multi-select custom fields) are lists: use
    ``link_refs`` for them; asking for one reference of a list raises ``ValueError``.
    """
    link = _link(record, name)
    if link is None:
        return None
    if isinstance(link, list):
        raise ValueError(f"Link {name!r} has several targets, use link_refs()")
    return parse_href(link.get("href"), numeric=numeric)


def link_refs(record, name, numeric=True):
    """Return the ``(kind, id)`` of every target of a link, single or multi-valued.

    Null and undisclosed targets are left out.
    """
    link = _link(record, name)
    if link is None:
        return []
    links = link if isinstance(link, list) else [link]
    refs = (parse_href(item.get("href"), numeric=numeric) for item in links)
    return [ref for ref in refs if ref is not None]


def link_title(record, name):
    """Return the ``title`` OpenProject puts on a link (a name it already resolved)."""
    link = _link(record, name)
    if link is None or isinstance(link, list):
        return None
    return link.get("title")


def is_deleted_user(record):
    """Tell whether a user payload is OpenProject's built-in "Deleted user".

    References to a deleted user point at this placeholder; 7.x rendered it as a
    ``User`` with ``subtype: "DeletedUser"`` and ``status: "builtin"``, newer versions
    give it its own ``_type``.
    """
    if not record:
        return False
    return "DeletedUser" in (record.get("_type"), record.get("subtype"))
