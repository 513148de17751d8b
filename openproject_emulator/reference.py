# Copyright 2026 The connector_openproject authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Reference data of a fresh OpenProject installation (English seed data).

Statuses, types, priorities and time entry activities as the standard seed
creates them. Priorities and time entry activities are both "enumerations" in
OpenProject and share one id sequence, hence the disjoint ids.
"""

SEED_STAMP = "2026-01-02T08:00:00.000Z"

# name, is_closed, color, default_done_ratio
_STATUSES = [
    ("New", False, "#1098AD", 0),
    ("In specification", False, "#0B7285", 10),
    ("Specified", False, "#0CA678", 20),
    ("Confirmed", False, "#37B24D", 20),
    ("To be scheduled", False, "#F59F00", 30),
    ("Scheduled", False, "#F76707", 30),
    ("In progress", False, "#3852C6", 50),
    ("Developed", False, "#5C7CFA", 70),
    ("In testing", False, "#9775FA", 80),
    ("Tested", False, "#BE4BDB", 90),
    ("Test failed", False, "#E03131", 70),
    ("Closed", True, "#868E96", 100),
    ("On hold", False, "#FAB005", 0),
    ("Rejected", True, "#C92A2A", 0),
]

# name, color, is_milestone
_TYPES = [
    ("Task", "#1A67A3", False),
    ("Milestone", "#35C53F", True),
    ("Phase", "#FF922B", False),
    ("Feature", "#1E88E5", False),
    ("Bug", "#E53935", False),
]

_PRIORITIES = [
    (7, "Low", "#C5F6FA"),
    (8, "Normal", "#74C0FC"),
    (9, "High", "#F59F00"),
    (10, "Immediate", "#E03131"),
]

_TIME_ENTRY_ACTIVITIES = [
    (1, "Management"),
    (2, "Specification"),
    (3, "Development"),
    (4, "Testing"),
    (5, "Support"),
    (6, "Other"),
]


def statuses():
    return [
        {
            "id": index,
            "name": name,
            "is_closed": closed,
            "is_default": index == 1,
            "is_readonly": name == "Rejected",
            "excluded_from_totals": name == "Rejected",
            "default_done_ratio": ratio,
            "position": index,
            "color": color,
        }
        for index, (name, closed, color, ratio) in enumerate(_STATUSES, start=1)
    ]


def types():
    return [
        {
            "id": index,
            "name": name,
            "color": color,
            "position": index,
            "is_default": index == 1,
            "is_milestone": milestone,
            "created_at": SEED_STAMP,
            "updated_at": SEED_STAMP,
        }
        for index, (name, color, milestone) in enumerate(_TYPES, start=1)
    ]


def priorities():
    return [
        {
            "id": pid,
            "name": name,
            "position": position,
            "color": color,
            "is_default": name == "Normal",
            "is_active": True,
        }
        for position, (pid, name, color) in enumerate(_PRIORITIES, start=1)
    ]


def time_entry_activities():
    return [
        {
            "id": aid,
            "name": name,
            "position": aid,
            "is_default": name == "Development",
            "active": True,
        }
        for aid, name in _TIME_ENTRY_ACTIVITIES
    ]


def builtin_users():
    """The anonymous and the "Deleted user" built-ins (ids 2 and 3)."""
    base = {
        "login": "",
        "first_name": "",
        "last_name": "",
        "email": None,
        "hide_email": True,
        "admin": False,
        "status": "active",
        "language": "en",
        "created_at": SEED_STAMP,
        "updated_at": SEED_STAMP,
    }
    return [
        dict(base, id=2, type="AnonymousUser", name="Anonymous"),
        dict(base, id=3, type="DeletedUser", name="Deleted user"),
    ]


def user(uid, first, last, login, email, created_at, **extra):
    record = {
        "id": uid,
        "type": "User",
        "name": f"{first} {last}",
        "login": login,
        "first_name": first,
        "last_name": last,
        "email": email,
        "hide_email": False,
        "admin": False,
        "status": "active",
        "language": "en",
        "created_at": created_at,
        "updated_at": created_at,
    }
    record.update(extra)
    return record


def principal(uid, kind, name, created_at):
    return {
        "id": uid,
        "type": kind,
        "name": name,
        "login": None,
        "first_name": None,
        "last_name": None,
        "email": None,
        "hide_email": True,
        "admin": False,
        "status": "active",
        "language": None,
        "created_at": created_at,
        "updated_at": created_at,
    }


def meta(instance_name):
    return {
        "instance_name": instance_name,
        "api_user_id": 1,
        "deleted_user_id": 3,
        "anonymous_user_id": 2,
    }
