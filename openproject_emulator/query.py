# Copyright 2026 The connector_openproject authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Filters, sorting, paging and ``select`` the way OpenProject's API v3 reads them.

OpenProject quirks reproduced here:

* ``filters`` is a JSON list of ``{name: {"operator": op, "values": [...]}}``, all
  AND-ed; ``values`` must be a list of strings. Filter names are accepted in
  camelCase and snake_case (OpenProject underscores them before lookup).
* ``offset`` is a 1-based page number; values <= 0 mean page 1.
* ``pageSize`` above the maximum is clamped silently, ``-1`` means the maximum and
  ``0`` yields the total without elements.
* date-only bounds of a date-time filter mean midnight UTC of that day.
"""

import datetime as dt
import json
import re

from .store import format_timestamp


class QueryError(Exception):
    """A request the API answers with 400 InvalidQuery."""


def snake(name):
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower()


# ------------------------------------------------------------------ values


def parse_datetime_bound(text, name):
    """Filter bound -> stored-timestamp string, or None for an open bound."""
    if text == "":
        return None
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            value = dt.datetime.fromisoformat(text + "T00:00:00+00:00")
        else:
            value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
            if value.tzinfo is None:
                value = value.replace(tzinfo=dt.UTC)
    except ValueError:
        raise QueryError(
            f"Filters {name}: {text!r} is not a valid date-time."
        ) from None
    return format_timestamp(value)


def parse_date(text, name):
    if text == "":
        return None
    try:
        return dt.date.fromisoformat(text).isoformat()
    except ValueError:
        raise QueryError(f"Filters {name}: {text!r} is not a valid date.") from None


def parse_int(text, name, current_user_id=None):
    if text == "me" and current_user_id is not None:
        return current_user_id
    try:
        return int(text)
    except (TypeError, ValueError):
        raise QueryError(f"Filters {name}: {text!r} is not a valid id.") from None


def parse_days(values, name):
    if len(values) != 1:
        raise QueryError(f"Filters {name}: expects exactly one number of days.")
    try:
        return int(values[0])
    except ValueError:
        raise QueryError(f"Filters {name}: {values[0]!r} is not a number.") from None


def parse_bool(values, name):
    if len(values) != 1 or values[0].lower() not in ("t", "f", "true", "false"):
        raise QueryError(f"Filters {name}: expects ['t'] or ['f'].")
    return values[0].lower() in ("t", "true")


# ------------------------------------------------------------ filter kinds


def _today(ctx):
    return ctx.now().date()


def _compile_datetime(field, name, op, values, ctx):
    get = field
    if op == "<>d":
        if len(values) != 2:
            raise QueryError(f"Filters {name}: <>d expects two values.")
        low = parse_datetime_bound(values[0], name)
        high = parse_datetime_bound(values[1], name)
        return lambda r: (
            (v := get(r)) is not None
            and ((low is None or v >= low) and (high is None or v <= high))
        )
    if op == "=d":
        day = parse_date(values[0] if values else "", name)
        return lambda r: (v := get(r)) is not None and v[:10] == day
    if op in (">t-", "<t-", "t-"):
        start = _today(ctx) - dt.timedelta(days=parse_days(values, name))
        bound = start.isoformat() + "T00:00:00.000Z"
        end = (start + dt.timedelta(days=1)).isoformat() + "T00:00:00.000Z"
        if op == ">t-":
            return lambda r: (v := get(r)) is not None and v >= bound
        if op == "<t-":
            return lambda r: (v := get(r)) is not None and v < bound
        return lambda r: (v := get(r)) is not None and bound <= v < end
    if op == "t":
        today = _today(ctx).isoformat()
        return lambda r: (v := get(r)) is not None and v[:10] == today
    raise _bad_operator(name, op)


def _compile_date(field, name, op, values, ctx):
    get = field
    if op == "<>d":
        if len(values) != 2:
            raise QueryError(f"Filters {name}: <>d expects two values.")
        low, high = parse_date(values[0], name), parse_date(values[1], name)
        return lambda r: (
            (v := get(r)) is not None
            and ((low is None or v >= low) and (high is None or v <= high))
        )
    if op == "=d":
        day = parse_date(values[0] if values else "", name)
        return lambda r: get(r) == day
    if op in (">t-", "<t-", "t-"):
        day = (_today(ctx) - dt.timedelta(days=parse_days(values, name))).isoformat()
        if op == ">t-":
            return lambda r: (v := get(r)) is not None and v >= day
        if op == "<t-":
            return lambda r: (v := get(r)) is not None and v < day
        return lambda r: get(r) == day
    if op == "t":
        today = _today(ctx).isoformat()
        return lambda r: get(r) == today
    raise _bad_operator(name, op)


def _compile_ref(field, name, op, values, ctx):
    get = field
    if op in ("=", "!"):
        if not values:
            raise QueryError(f"Filters {name}: values must not be empty.")
        wanted = {parse_int(v, name, ctx.current_user_id) for v in values}
        if op == "=":
            return lambda r: get(r) in wanted
        return lambda r: get(r) not in wanted
    if op == "*":
        return lambda r: get(r) is not None
    if op == "!*":
        return lambda r: get(r) is None
    raise _bad_operator(name, op)


def _compile_bool(field, name, op, values, ctx):
    if op not in ("=", "!"):
        raise _bad_operator(name, op)
    wanted = parse_bool(values, name)
    if op == "!":
        wanted = not wanted
    return lambda r: bool(field(r)) == wanted


def _compile_string(field, name, op, values, ctx):
    if op == "=":
        wanted = set(values)
        return lambda r: field(r) in wanted
    if op in ("~", "!~"):
        needle = (values[0] if values else "").lower()
        if op == "~":
            return lambda r: needle in (field(r) or "").lower()
        return lambda r: needle not in (field(r) or "").lower()
    raise _bad_operator(name, op)


def _compile_status(field, name, op, values, ctx):
    statuses = ctx.inst.statuses
    if op == "o":
        return lambda r: not statuses[field(r)]["is_closed"]
    if op == "c":
        return lambda r: statuses[field(r)]["is_closed"]
    if op == "*":
        return lambda r: True
    return _compile_ref(field, name, op, values, ctx)


def _compile_user_status(field, name, op, values, ctx):
    if op not in ("=", "!"):
        raise _bad_operator(name, op)
    wanted = set(values)
    if op == "=":
        return lambda r: field(r) in wanted
    return lambda r: field(r) not in wanted


def _bad_operator(name, op):
    return QueryError(f"Filters {name}: operator {op!r} is not valid.")


def key(name):
    return lambda r: r.get(name)


COMPILERS = {
    "datetime": _compile_datetime,
    "date": _compile_date,
    "ref": _compile_ref,
    "bool": _compile_bool,
    "string": _compile_string,
    "status": _compile_status,
    "user_status": _compile_user_status,
}
VALUELESS = {"o", "c", "*", "!*", "t"}


def _principal_members(inst):
    """Principal ids per project, from what the data shows (the emulator keeps no
    memberships: a principal is taken as a member where it authored, is assigned
    or booked time)."""
    members = {}
    for wp in inst.work_packages.values():
        for field in ("author_id", "assignee_id", "responsible_id"):
            if wp[field] is not None:
                members.setdefault(wp["project_id"], set()).add(wp[field])
    for entry in inst.time_entries.values():
        members.setdefault(entry["project_id"], set()).add(entry["user_id"])
    return members


def _compile_member(field, name, op, values, ctx):
    if op != "=":
        raise _bad_operator(name, op)
    projects = {parse_int(v, name) for v in values}
    members = _principal_members(ctx.inst)
    ids = set().union(*(members.get(p, set()) for p in projects))
    return lambda r: r["id"] in ids


COMPILERS["member"] = _compile_member

# Collection -> filter name (snake_case) -> (kind, getter)
FILTERS = {
    "work_packages": {
        "id": ("ref", key("id")),
        "updated_at": ("datetime", key("updated_at")),
        "created_at": ("datetime", key("created_at")),
        "project": ("ref", key("project_id")),
        "project_id": ("ref", key("project_id")),
        "status": ("status", key("status_id")),
        "status_id": ("status", key("status_id")),
        "type": ("ref", key("type_id")),
        "type_id": ("ref", key("type_id")),
        "priority": ("ref", key("priority_id")),
        "assignee": ("ref", key("assignee_id")),
        "assigned_to": ("ref", key("assignee_id")),
        "responsible": ("ref", key("responsible_id")),
        "author": ("ref", key("author_id")),
        "parent": ("ref", key("parent_id")),
        "subject": ("string", key("subject")),
        "start_date": ("date", key("start_date")),
        "due_date": ("date", key("due_date")),
    },
    "projects": {
        "id": ("ref", key("id")),
        "active": ("bool", key("active")),
        "updated_at": ("datetime", key("updated_at")),
        "created_at": ("datetime", key("created_at")),
        "parent_id": ("ref", key("parent_id")),
        "identifier": ("string", key("identifier")),
        "name_and_identifier": ("string", lambda r: f"{r['name']} {r['identifier']}"),
    },
    "time_entries": {
        "id": ("ref", key("id")),
        "updated_at": ("datetime", key("updated_at")),
        "created_at": ("datetime", key("created_at")),
        "project": ("ref", key("project_id")),
        "project_id": ("ref", key("project_id")),
        "user": ("ref", key("user_id")),
        "user_id": ("ref", key("user_id")),
        "work_package": ("ref", key("work_package_id")),
        "work_package_id": ("ref", key("work_package_id")),
        "activity": ("ref", key("activity_id")),
        "spent_on": ("date", key("spent_on")),
        "ongoing": ("bool", key("ongoing")),
    },
    "users": {
        "id": ("ref", key("id")),
        "status": ("user_status", key("status")),
        "login": ("string", key("login")),
        "name": ("string", key("name")),
    },
    "principals": {
        "id": ("ref", key("id")),
        "type": ("string", key("type")),
        "status": ("user_status", key("status")),
        "member": ("member", None),
        "name": ("string", key("name")),
    },
}

SORTS = {
    "work_packages": {
        "id": "id",
        "updated_at": "updated_at",
        "created_at": "created_at",
        "subject": "subject",
        "start_date": "start_date",
        "due_date": "due_date",
    },
    "projects": {
        "id": "id",
        "updated_at": "updated_at",
        "created_at": "created_at",
        "name": "name",
        "identifier": "identifier",
    },
    "time_entries": {
        "id": "id",
        "updated_at": "updated_at",
        "created_at": "created_at",
        "spent_on": "spent_on",
        "hours": "hours",
    },
    "users": {"id": "id", "name": "name", "login": "login", "created_at": "created_at"},
    "principals": {"id": "id", "name": "name", "created_at": "created_at"},
}


def parse_filters(text):
    """Decode the ``filters`` parameter into (name, operator, values) triples."""
    try:
        data = json.loads(text)
    except ValueError:
        raise QueryError("Filters is not valid JSON.") from None
    if not isinstance(data, list):
        raise QueryError("Filters must be a JSON array.")
    parsed = []
    for item in data:
        if not isinstance(item, dict) or len(item) != 1:
            raise QueryError("Filters: each filter must be an object with one key.")
        ((name, spec),) = item.items()
        if not isinstance(spec, dict) or not isinstance(spec.get("operator"), str):
            raise QueryError(f"Filters {name}: an operator is required.")
        values = spec.get("values", [])
        if values is None and spec["operator"] in VALUELESS:
            values = []
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise QueryError(f"Filters {name}: values must be an array of strings.")
        parsed.append((name, spec["operator"], values))
    return parsed


def compile_filters(collection, parsed, ctx, refused=()):
    """Turn parsed filters into predicates; unknown names/operators raise."""
    table = FILTERS[collection]
    predicates = []
    for name, op, values in parsed:
        normalized = snake(name)
        if normalized not in table or normalized in refused:
            raise QueryError(f"Filters {name} filter does not exist.")
        kind, getter = table[normalized]
        if op not in VALUELESS and not values and kind != "member":
            raise QueryError(f"Filters {name}: values must not be empty.")
        predicates.append(COMPILERS[kind](getter, name, op, values, ctx))
    return predicates


def parse_sort(collection, text):
    """Decode ``sortBy`` into (record key, descending) pairs."""
    try:
        data = json.loads(text)
    except ValueError:
        raise QueryError("sortBy is not valid JSON.") from None
    if not isinstance(data, list):
        raise QueryError("sortBy must be a JSON array.")
    table = SORTS[collection]
    order = []
    for item in data:
        if (
            not isinstance(item, list)
            or len(item) != 2
            or not all(isinstance(part, str) for part in item)
        ):
            raise QueryError("sortBy: each entry must be [property, direction].")
        field, direction = item
        if snake(field) not in table:
            raise QueryError(f"sortBy: {field} is not a sortable property.")
        if direction not in ("asc", "desc"):
            raise QueryError(f"sortBy: {direction} is not a valid direction.")
        order.append((table[snake(field)], direction == "desc"))
    return order


def _sort_key(field):
    def get(record):
        value = record.get(field)
        return (0, "") if value is None else (1, value)

    return get


def sort_records(records, order):
    """Stable multi-key sort; id ascending breaks remaining ties, as OpenProject
    appends the primary key to every order. Nulls sort first ascending."""
    records = sorted(records, key=lambda r: r["id"])
    for field, descending in reversed(order):
        records.sort(key=_sort_key(field), reverse=descending)
    return records


def parse_paging(args, default_size, max_size):
    """Return (offset, page_size) from query args, OpenProject style."""
    try:
        offset = int(args.get("offset", "1"))
    except ValueError:
        raise QueryError("offset must be an integer.") from None
    try:
        size = int(args.get("pageSize", str(default_size)))
    except ValueError:
        raise QueryError("pageSize must be an integer.") from None
    offset = max(offset, 1)
    if size < 0 or size > max_size:
        size = max_size
    return offset, size


TOP_LEVEL_SELECT = {"total", "count", "pageSize", "offset", "_type", "*"}


def parse_select(text):
    """``select=total,elements/id`` -> (top-level keys, element keys or None)."""
    tops, elements = set(), set()
    for part in filter(None, (p.strip() for p in text.split(","))):
        if part.startswith("elements/"):
            elements.add(part.split("/", 1)[1])
        elif part in TOP_LEVEL_SELECT:
            tops.add(part)
        else:
            raise QueryError(f"select: {part} is not a selectable property.")
    return tops, elements


def apply_select(body, tops, elements):
    if "*" in tops:
        result = {k: v for k, v in body.items() if k != "_embedded"}
    else:
        result = {
            k: body[k]
            for k in ("_type", "total", "count", "pageSize", "offset")
            if k in tops and k in body
        }
    if elements:
        picked = []
        for element in body["_embedded"]["elements"]:
            item = {}
            for prop in elements:
                if prop == "*":
                    item.update(element)
                elif prop == "self":
                    item.setdefault("_links", {})["self"] = element["_links"]["self"]
                elif prop in element:
                    item[prop] = element[prop]
                elif prop in element.get("_links", {}):
                    item.setdefault("_links", {})[prop] = element["_links"][prop]
                else:
                    raise QueryError(f"select: elements/{prop} is not selectable.")
            picked.append(item)
        result["_embedded"] = {"elements": picked}
    return result
