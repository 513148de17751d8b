# Copyright 2026 The connector_openproject authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Deterministic synthetic OpenProject instances of any size (for benchmarks).

The same arguments always give the same data. Variety mirrors what a sync meets
in the field: closed work packages, parent chains, milestones, assignees that
are groups or placeholder users, durations over a day, running timers, time
booked on a project without a work package, archived projects, and runs of
records sharing one ``updated_at`` (bulk edits) that break naive keyset paging.
"""

import datetime as dt
import random

from . import reference
from .store import Instance, format_hours, format_timestamp

_WORDS = (
    "invoice report dashboard export import login search billing sync backup "
    "template footer header menu profile cache upload calendar reminder archive "
    "permission workflow api webhook mobile layout filter migration onboarding "
    "payment newsletter translation audit label chart"
).split()
_VERBS = (
    "Fix Add Improve Refactor Review Document Test Remove Update Design Migrate "
    "Translate Automate Clean up"
).split()
_FIRST = (
    "Ada Ben Chloe David Elif Femi Grace Hugo Ines Jonas Kira Liam Maya Noah "
    "Olga Pavel Quinn Rosa Sami Tara Ugo Vera Wei Xena Yusuf Zoe"
).split()
_LAST = (
    "Archer Baker Castro Dahl Eriksen Fischer Garcia Haas Ito Jensen Kowalski "
    "Lund Moreau Novak Okafor Perez Quist Rossi Sato Tanaka Ueda Varga Weber"
).split()
_HOURS = (0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 2.5, 3.0, 4.0, 6.0, 7.5, 8.0, 26.0, 40.0)
_ESTIMATES = (None, None, 1.5, 2.0, 4.0, 8.0, 16.0, 24.0, 40.0, 48.0, 80.0, 33.6)
_COMMENTS = (
    "Looks good to me.",
    "I can take this one **next week**.",
    "Blocked by the *API change*; waiting for feedback.",
    "Reproduced on staging.\n\n- Firefox\n- Safari",
    "Done, please review.",
    "See `config/settings.yml` for the new option.",
)


def _stamp(base, rng, span_seconds):
    return base + dt.timedelta(milliseconds=rng.randrange(span_seconds * 1000))


def generate_instance(
    projects=50,
    work_packages=10000,
    time_entries=30000,
    activities=40000,
    users=300,
    seed=1,
):
    """Build a synthetic :class:`Instance` with the given record counts.

    ``activities`` counts all journals: every work package gets its creation
    journal first (while the budget lasts), the rest are comments and changes.
    """
    rng = random.Random(seed)
    start = dt.datetime(2026, 1, 5, 8, 0, 0)
    year_seconds = 300 * 86400
    data = {
        "meta": reference.meta(f"Synthetic OpenProject (seed {seed})"),
        "statuses": reference.statuses(),
        "types": reference.types(),
        "priorities": reference.priorities(),
        "time_entry_activities": reference.time_entry_activities(),
        "meetings": [],
    }
    statuses = data["statuses"]
    closed_ids = [s["id"] for s in statuses if s["is_closed"]]
    open_ids = [s["id"] for s in statuses if not s["is_closed"]]
    status_names = {s["id"]: s["name"] for s in statuses}
    type_ids = [t["id"] for t in data["types"]]
    milestone_type = next(t["id"] for t in data["types"] if t["is_milestone"])
    priority_ids = [p["id"] for p in data["priorities"]]
    activity_ids = [a["id"] for a in data["time_entry_activities"]]

    # ---------------------------------------------------------------- users
    seed_stamp = format_timestamp(start - dt.timedelta(days=3))
    people = [
        reference.user(
            1, "Sync", "Admin", "admin", "admin@example.com", seed_stamp, admin=True
        )
    ]
    people += reference.builtin_users()
    next_id = 4
    for index in range(max(users - 1, 0)):
        first, last = rng.choice(_FIRST), rng.choice(_LAST)
        login = f"{first[0]}{last}{index}".lower()
        status = rng.choices(
            ("active", "locked", "invited", "registered"), (90, 6, 3, 1)
        )[0]
        created = format_timestamp(
            _stamp(start - dt.timedelta(days=400), rng, 400 * 86400)
        )
        people.append(
            reference.user(
                next_id,
                first,
                last,
                login,
                f"{login}@example.com",
                created,
                status=status,
                hide_email=rng.random() < 0.3,
            )
        )
        next_id += 1
    user_ids = [p["id"] for p in people if p["type"] == "User"]
    groups = []
    for index in range(max(1, users // 50)):
        groups.append(
            reference.principal(next_id, "Group", f"Team {index + 1}", seed_stamp)
        )
        next_id += 1
    for index in range(max(1, users // 100)):
        groups.append(
            reference.principal(
                next_id, "PlaceholderUser", f"Placeholder {index + 1}", seed_stamp
            )
        )
        next_id += 1
    data["users"] = people + groups
    assignable = user_ids + [g["id"] for g in groups]

    # ------------------------------------------------------------- projects
    project_rows = []
    for pid in range(1, projects + 1):
        parent = None
        if pid > 3 and rng.random() < 0.2:
            parent = rng.randrange(1, pid)
        created = format_timestamp(_stamp(start, rng, 30 * 86400))
        project_rows.append(
            {
                "id": pid,
                "identifier": f"project-{pid}",
                "name": f"Project {pid}: {rng.choice(_WORDS).capitalize()}",
                "description": f"Synthetic project **{pid}**.",
                "public": rng.random() < 0.3,
                "active": not (pid > 1 and rng.random() < 0.05),
                "parent_id": parent,
                "workspace_type": "program" if pid == 2 else "project",
                "status_code": rng.choice((None, "on_track", "at_risk", "off_track")),
                "status_explanation": "",
                "created_at": created,
                "updated_at": created,
            }
        )
    data["projects"] = project_rows

    # -------------------------------------------------------- work packages
    wps = []
    by_project = {}
    journal_budget = activities
    journals = []
    for wp_id in range(1, work_packages + 1):
        project_id = rng.randrange(1, projects + 1)
        siblings = by_project.setdefault(project_id, [])
        parent_id = None
        if siblings and rng.random() < 0.15:
            candidate = wps[rng.choice(siblings) - 1]
            if candidate["parent_id"] is None or rng.random() < 0.5:
                parent_id = candidate["id"]
        type_id = rng.choice(type_ids)
        closed = rng.random() < 0.25
        status_id = rng.choice(closed_ids if closed else open_ids)
        created_dt = _stamp(start, rng, year_seconds)
        start_date = created_dt.date() + dt.timedelta(days=rng.randrange(0, 20))
        due_date = start_date + dt.timedelta(days=rng.randrange(0, 30))
        if type_id == milestone_type:
            start_date = due_date
        estimate = rng.choice(_ESTIMATES) if type_id != milestone_type else None
        wp = {
            "id": wp_id,
            "project_id": project_id,
            "type_id": type_id,
            "status_id": status_id,
            "priority_id": rng.choices(priority_ids, (2, 6, 2, 1))[0],
            "subject": " ".join(
                (rng.choice(_VERBS), rng.choice(_WORDS), rng.choice(_WORDS))
            ),
            "description": (
                f"Generated work package **{wp_id}**.\n\n- {rng.choice(_WORDS)}"
                if rng.random() < 0.5
                else ""
            ),
            "author_id": rng.choice(user_ids),
            "assignee_id": rng.choice(assignable) if rng.random() < 0.8 else None,
            "responsible_id": rng.choice(assignable) if rng.random() < 0.3 else None,
            "parent_id": parent_id,
            "start_date": start_date.isoformat() if rng.random() < 0.8 else None,
            "due_date": due_date.isoformat() if rng.random() < 0.8 else None,
            "estimated_hours": estimate,
            "remaining_hours": (
                0.0 if closed and estimate is not None else (estimate and estimate / 2)
            ),
            "percentage_done": 100 if closed else rng.choice((None, 0, 10, 50, 80)),
            "lock_version": 0,
            "created_at": format_timestamp(created_dt),
            "updated_at": format_timestamp(created_dt),
            "_created": created_dt,
        }
        if type_id == milestone_type and wp["due_date"] is None:
            wp["start_date"] = None
        wps.append(wp)
        siblings.append(wp_id)
        if journal_budget > 0:
            journals.append((wp_id, created_dt, wp["author_id"], "create"))
            journal_budget -= 1
    # Remaining journals: comments and changes at random on random packages.
    for _ in range(max(journal_budget, 0)):
        wp = wps[rng.randrange(len(wps))] if wps else None
        if wp is None:
            break
        when = wp["_created"] + dt.timedelta(seconds=rng.randrange(60, 60 * 86400))
        journals.append((wp["id"], when, rng.choice(user_ids), rng.choice(("c", "d"))))
    journals.sort(key=lambda j: (j[0], j[1]))
    # Bulk edits: some packages share one updated_at with others.
    bulk_stamps = [
        _stamp(start, rng, year_seconds) for _ in range(max(1, work_packages // 200))
    ]

    activity_rows = []
    version_of = {}
    last_status = {}
    for aid, (wp_id, when, user_id, kind) in enumerate(journals, start=1):
        wp = wps[wp_id - 1]
        version = version_of.get(wp_id, 0) + 1
        version_of[wp_id] = version
        comment, details = "", []
        if kind == "c":
            comment = rng.choice(_COMMENTS)
        elif kind == "d":
            old = last_status.get(wp_id, 1)
            new = wp["status_id"] if rng.random() < 0.5 else rng.choice(open_ids)
            last_status[wp_id] = new
            details.append(
                {
                    "property": "Status",
                    "old": status_names[old],
                    "new": status_names[new],
                }
            )
            if rng.random() < 0.3 and wp["estimated_hours"]:
                details.append(
                    {
                        "property": "Work",
                        "old": format_hours(wp["estimated_hours"] / 2),
                        "new": format_hours(wp["estimated_hours"]),
                    }
                )
        stamp = format_timestamp(when)
        activity_rows.append(
            {
                "id": aid,
                "work_package_id": wp_id,
                "user_id": user_id,
                "version": version,
                "comment": comment,
                "details": details,
                "internal": kind == "c" and rng.random() < 0.05,
                "created_at": stamp,
                "updated_at": stamp,
            }
        )
        if stamp > wp["updated_at"]:
            wp["updated_at"] = stamp
    for wp in wps:
        wp["lock_version"] = max(version_of.get(wp["id"], 1) - 1, 0)
        if rng.random() < 0.02:
            bulk = format_timestamp(rng.choice(bulk_stamps))
            if bulk > wp["updated_at"]:
                wp["updated_at"] = bulk
        del wp["_created"]
    data["work_packages"] = wps
    data["activities"] = activity_rows

    # --------------------------------------------------------- time entries
    entries = []
    for entry_id in range(1, time_entries + 1):
        wp = wps[rng.randrange(len(wps))] if wps and rng.random() < 0.85 else None
        project_id = wp["project_id"] if wp else rng.randrange(1, projects + 1)
        ongoing = rng.random() < 0.003
        spent = (start + dt.timedelta(days=rng.randrange(0, 300))).date()
        created_dt = dt.datetime.combine(spent, dt.time(17)) + dt.timedelta(
            seconds=rng.randrange(0, 4 * 3600)
        )
        updated_dt = created_dt
        if rng.random() < 0.1:
            updated_dt += dt.timedelta(seconds=rng.randrange(60, 10 * 86400))
        entries.append(
            {
                "id": entry_id,
                "project_id": project_id,
                "work_package_id": wp["id"] if wp else None,
                "meeting_id": None,
                "user_id": rng.choice(user_ids),
                "activity_id": rng.choice(activity_ids),
                "hours": None if ongoing else rng.choice(_HOURS),
                "spent_on": spent.isoformat(),
                "comment": rng.choice(("", "", "Review", "Pairing session", "Fixes")),
                "ongoing": ongoing,
                "lock_version": 0,
                "created_at": format_timestamp(created_dt),
                "updated_at": format_timestamp(updated_dt),
            }
        )
    data["time_entries"] = entries
    return Instance(data)
