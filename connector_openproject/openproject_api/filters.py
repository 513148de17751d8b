# Copyright 2026 The connector_openproject authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Build OpenProject API v3 ``filters`` and ``sortBy`` parameters.

A filter is ``{"name": {"operator": "op", "values": ["..."]}}`` and a listing takes a
JSON array of them, AND-ed. OpenProject answers 400 when ``values`` is a bare string,
so every builder here turns values into a list of strings. Two listing defaults of
OpenProject are silent traps for a sync, and the helpers below make them explicit:

* ``/work_packages`` WITHOUT a ``filters`` parameter lists OPEN work packages only;
  ``work_package_filters()`` always returns a list (``[]`` at least), and sending
  ``filters=[]`` lists closed ones too.
* ``/time_entries`` leaves running timers (``ongoing: true``, ``hours: null``) out
  unless an ``ongoing`` filter is sent; ``time_entry_filters()`` always sends one
  (finished entries by default, running timers on request), so the choice is the
  caller's, not a server default that could change.
"""

import datetime
import json

from .values import format_datetime

UPDATED_AT = "updatedAt"

#: Stable order for offset paging over data that may change: oldest change first, the
#: id breaking ties, so a record updated during the walk moves behind the cursor.
SORT_BY_UPDATED = [["updatedAt", "asc"], ["id", "asc"]]
#: Order for walks without an ``updatedAt`` filter: new records get higher ids and
#: updates do not move a record, so only deletions can shift a page.
SORT_BY_ID = [["id", "asc"]]


def _as_string(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, datetime.datetime):
        return format_datetime(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def build(name, operator, values=()):
    """Return one filter; ``values`` become a list of strings.

    A single value is accepted and wrapped; booleans become ``"t"``/``"f"``, dates and
    date-times ISO 8601 (UTC with ``Z``), None an empty (open) bound.
    """
    if isinstance(values, (str, int, float, bool, datetime.date)) or values is None:
        values = [values]
    return {name: {"operator": operator, "values": [_as_string(v) for v in values]}}


def updated_since(since, until=None):
    """Return an ``updatedAt`` range filter from ``since`` (inclusive), open-ended.

    OpenProject wants full date-times with a zone; a date-only bound would collapse
    to midnight. ``since``/``until`` naive datetimes are taken as UTC.
    """
    return build(UPDATED_AT, "<>d", [since, until])


def encode(filter_list):
    """Encode a list of filters (or a ``sortBy`` list) as compact JSON."""
    return json.dumps(list(filter_list), separators=(",", ":"))


def filter_names(filter_list):
    """Return the names of the filters in a list (each filter has one key)."""
    return [name for item in filter_list or () for name in item]


def work_package_filters(project_id=None, since=None, extra=()):
    """Return the filters of a work package listing, always a list.

    An empty list still matters: sent as ``filters=[]`` it lists closed work packages
    too, whereas no ``filters`` parameter would list open ones only.
    """
    result = []
    if project_id is not None:
        result.append(build("project", "=", [project_id]))
    if since is not None:
        result.append(updated_since(since))
    result.extend(extra)
    return result


def time_entry_filters(
    project_id=None, since=None, running=False, extra=(), include_running=None
):
    """Return the filters of a time entry listing, always with an ``ongoing`` filter.

    Running timers have no hours yet (``hours: null``) and change every minute, so a
    sync lists finished entries (``running=False``: ``ongoing = f``). Sending the
    filter explicitly keeps that choice ours rather than a server default.
    ``running=True`` lists the running timers only (``ongoing = t``): OpenProject's
    boolean filter takes a single value, so a caller wanting both lists twice.
    ``include_running=False`` is accepted as an explicit spelling of the default;
    ``include_running=True`` raises ``ValueError``, since no single filter lists both.
    ``since`` needs OpenProject 8.0+: 7.x answers 400 InvalidQuery to an
    ``updatedAt`` filter on time entries.
    """
    if include_running:
        raise ValueError(
            "One listing cannot hold finished entries and running timers: list the "
            "timers separately with running=True"
        )
    result = []
    if project_id is not None:
        result.append(build("project", "=", [project_id]))
    if since is not None:
        result.append(updated_since(since))
    result.append(build("ongoing", "=", [bool(running)]))
    result.extend(extra)
    return result


def split_updated_at(filter_list):
    """Split off an ``updatedAt`` ``<>d`` filter: ``(other_filters, (low, high))``.

    The keyset walk replaces the caller's ``updatedAt`` bound with its own moving one,
    keeping the caller's bounds as limits; OpenProject has no way to AND two filters
    of the same name. Bounds are returned as the strings sent (``""`` when open).
    """
    others = []
    bounds = None
    for item in filter_list or ():
        if UPDATED_AT in item:
            spec = item[UPDATED_AT]
            values = list(spec.get("values") or [])
            if spec.get("operator") != "<>d" or len(values) != 2 or bounds:
                raise ValueError(
                    "A keyset walk can only combine with one updatedAt '<>d' filter"
                )
            bounds = (values[0] or "", values[1] or "")
        else:
            others.append(item)
    return others, bounds
