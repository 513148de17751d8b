# Copyright 2026 The connector_openproject authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""In-memory OpenProject data the emulator serves, and the mutations tests apply.

Records are plain dicts with snake_case keys, kept in one dict per resource kind
(id -> record) on :class:`Instance`. They hold *stored* values, not API renderings:
hours are floats, dates ``YYYY-MM-DD`` strings, timestamps UTC strings with
milliseconds exactly as OpenProject renders them (``2026-03-01T10:20:30.123Z``), so
string order is time order and filters compare strings. Markdown is stored raw; the
HTML half of a Formattable is produced when rendering.

Record fields
-------------
projects
    id, identifier, name, description (markdown), public (bool), active (bool, False =
    archived), parent_id (int | None), workspace_type ("project" | "program" |
    "portfolio"; 17.x workspaces), status_code ("on_track", "at_risk", "off_track",
    "not_started", "finished", "discontinued" or None), status_explanation (markdown),
    created_at, updated_at
work_packages
    id, project_id, type_id, status_id, priority_id, subject, description (markdown),
    author_id, assignee_id, responsible_id (principal ids or None), parent_id,
    start_date, due_date (milestones keep the single date in both), estimated_hours,
    remaining_hours (float | None), percentage_done (int | None), lock_version (int,
    starts at 0), created_at, updated_at
activities
    Journals of work packages: id, work_package_id, user_id, version (1 = creation
    journal, per work package), comment (markdown, "" for pure change journals),
    details (list of {"property", "old", "new"}; old/new are display strings or
    None), internal (bool), created_at, updated_at
time_entries
    id, project_id, work_package_id (None = logged on the project), meeting_id (None,
    or a meeting the entry is logged on: the 17.x ``entity``), user_id, activity_id,
    hours (float, None while a timer runs), spent_on, comment (plain text), ongoing
    (bool), lock_version, created_at, updated_at
meetings
    id, project_id, title, created_at, updated_at (only targets of time entries)
users
    Every principal, as OpenProject keeps them in one table: id, type ("User",
    "Group", "PlaceholderUser", or the built-ins "DeletedUser" and "AnonymousUser"),
    name, login, first_name, last_name, email, hide_email (bool), admin (bool),
    status ("active", "registered", "locked", "invited"), language, created_at,
    updated_at. Groups and placeholders leave the user-only fields empty.
statuses
    id, name, is_closed, is_default, is_readonly, excluded_from_totals,
    default_done_ratio, position, color
types
    id, name, color, position, is_default, is_milestone, created_at, updated_at
priorities
    id, name, position, color, is_default, is_active
time_entry_activities
    id, name, position, is_default, active
api_overrides (optional, on work packages and time entries)
    Raw API properties served in place of the rendered ones (``_links`` entries
    replaced one by one): a record as a faulty server or proxy sends it, which the
    store itself cannot hold (an unparseable duration, a link to a missing status).
meta
    instance_name, api_user_id (the user the API key belongs to), deleted_user_id,
    anonymous_user_id

Every mutation takes :attr:`Instance.lock` (an ``RLock``): the server is threaded and
renders each page while holding the same lock, so a page is a consistent snapshot
while tests change data between requests.
"""

import copy
import datetime as dt
import json
import logging
import threading
from importlib import resources
from pathlib import Path

_logger = logging.getLogger(__name__)

KINDS = (
    "projects",
    "work_packages",
    "activities",
    "time_entries",
    "meetings",
    "users",
    "statuses",
    "types",
    "priorities",
    "time_entry_activities",
)

# Journal detail labels as OpenProject's English locale names the attributes.
WP_DETAIL_LABELS = {
    "subject": "Subject",
    "description": "Description",
    "type_id": "Type",
    "status_id": "Status",
    "priority_id": "Priority",
    "assignee_id": "Assignee",
    "responsible_id": "Accountable",
    "parent_id": "Parent",
    "project_id": "Project",
    "start_date": "Start date",
    "due_date": "Finish date",
    "estimated_hours": "Work",
    "remaining_hours": "Remaining work",
    "percentage_done": "% Complete",
}
WP_FIELDS = set(WP_DETAIL_LABELS)
TIME_ENTRY_FIELDS = {
    "project_id",
    "work_package_id",
    "meeting_id",
    "user_id",
    "activity_id",
    "hours",
    "spent_on",
    "comment",
    "ongoing",
}


def format_timestamp(value):
    """Render an aware or naive-UTC datetime the way OpenProject does (ms, Z)."""
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC).replace(tzinfo=None)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def parse_timestamp(text):
    """Parse a stored timestamp back into a naive UTC datetime."""
    return dt.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ")


def format_hours(hours):
    """Journal-style hours ("8h", "1.5h"), as the activity details show them."""
    if hours is None:
        return None
    return f"{hours:g}h"


class Instance:
    """One OpenProject installation's data, plus the mutations tests perform.

    The mutation methods mimic what OpenProject does on the same action (journals,
    ``updated_at``, ``lock_version``, cascades), so the connector meets the same
    traps it will meet on a real server.
    """

    def __init__(self, data=None):
        self.lock = threading.RLock()
        self.meta = {
            "instance_name": "OpenProject",
            "api_user_id": None,
            "deleted_user_id": None,
            "anonymous_user_id": None,
        }
        for kind in KINDS:
            setattr(self, kind, {})
        self._last_stamp = None
        # Tests may replace the clock with a callable returning an aware datetime.
        self.clock = lambda: dt.datetime.now(dt.UTC)
        if data:
            self._load_data(data)

    # ------------------------------------------------------------------ loading
    def _load_data(self, data):
        self.meta.update(data.get("meta", {}))
        for kind in KINDS:
            table = getattr(self, kind)
            for record in data.get(kind, []):
                table[record["id"]] = record
        self._rebuild_indexes()

    def _rebuild_indexes(self):
        self._activities_by_wp = {}
        for activity in self.activities.values():
            self._activities_by_wp.setdefault(activity["work_package_id"], []).append(
                activity["id"]
            )
        for ids in self._activities_by_wp.values():
            ids.sort()
        self._next_ids = {
            kind: max(getattr(self, kind), default=0) + 1 for kind in KINDS
        }

    @classmethod
    def load(cls, path):
        with open(path, encoding="utf-8") as handle:
            return cls(json.load(handle))

    @classmethod
    def demo(cls):
        """A fresh copy of the shipped demo instance (data/demo.json)."""
        text = (
            resources.files("openproject_emulator")
            .joinpath("data/demo.json")
            .read_text(encoding="utf-8")
        )
        return cls(json.loads(text))

    def to_dict(self):
        with self.lock:
            data = {"meta": copy.deepcopy(self.meta)}
            for kind in KINDS:
                table = getattr(self, kind)
                data[kind] = [copy.deepcopy(table[key]) for key in sorted(table)]
            return data

    def dump(self, path):
        Path(path).write_text(
            json.dumps(self.to_dict(), indent=1, ensure_ascii=False) + "\n",
            encoding="utf-8",
        )

    # ------------------------------------------------------------------ helpers
    def now(self):
        """Current time as a stored timestamp string, strictly increasing.

        Successive mutations get distinct ``updated_at`` values (1 ms apart at
        least) so that tests can order changes; a real server may well produce
        equal values, which the generator covers instead.
        """
        with self.lock:
            current = self.clock()
            if current.tzinfo is not None:
                current = current.astimezone(dt.UTC).replace(tzinfo=None)
            current = current.replace(microsecond=current.microsecond // 1000 * 1000)
            if self._last_stamp is not None and current <= self._last_stamp:
                current = self._last_stamp + dt.timedelta(milliseconds=1)
            self._last_stamp = current
            return format_timestamp(current)

    def _new_id(self, kind):
        new_id = self._next_ids[kind]
        self._next_ids[kind] = new_id + 1
        return new_id

    def _get(self, kind, record_id):
        try:
            return getattr(self, kind)[record_id]
        except KeyError:
            raise KeyError(f"{kind} {record_id} does not exist") from None

    def default_id(self, kind):
        for record in getattr(self, kind).values():
            if record.get("is_default"):
                return record["id"]
        return min(getattr(self, kind))

    def is_closed(self, work_package):
        return self.statuses[work_package["status_id"]]["is_closed"]

    def activities_of(self, wp_id):
        """Journals of a work package, oldest first."""
        return [self.activities[i] for i in self._activities_by_wp.get(wp_id, [])]

    def children_of(self, wp_id):
        return [wp for wp in self.work_packages.values() if wp["parent_id"] == wp_id]

    def descendant_ids(self, wp_id):
        found, todo = [], [wp_id]
        while todo:
            current = todo.pop()
            for child in self.children_of(current):
                found.append(child["id"])
                todo.append(child["id"])
        return found

    def principal_name(self, principal_id):
        if principal_id is None:
            return None
        return self.users[principal_id]["name"]

    def _display(self, field, value):
        """Display string of a work package value in a journal detail."""
        if value is None:
            return None
        if field == "status_id":
            return self.statuses[value]["name"]
        if field == "type_id":
            return self.types[value]["name"]
        if field == "priority_id":
            return self.priorities[value]["name"]
        if field in ("assignee_id", "responsible_id"):
            return self.principal_name(value)
        if field == "project_id":
            return self.projects[value]["name"]
        if field == "parent_id":
            parent = self.work_packages.get(value)
            return f"#{value} {parent['subject']}" if parent else f"#{value}"
        if field in ("estimated_hours", "remaining_hours"):
            return format_hours(value)
        if field == "percentage_done":
            return f"{value}%"
        return str(value)

    def _add_journal(
        self, wp_id, user_id, stamp, comment="", details=(), internal=False
    ):
        previous = self.activities_of(wp_id)
        activity_id = self._new_id("activities")
        self.activities[activity_id] = {
            "id": activity_id,
            "work_package_id": wp_id,
            "user_id": user_id,
            "version": previous[-1]["version"] + 1 if previous else 1,
            "comment": comment,
            "details": list(details),
            "internal": internal,
            "created_at": stamp,
            "updated_at": stamp,
        }
        self._activities_by_wp.setdefault(wp_id, []).append(activity_id)
        return activity_id

    def _check_refs(self, fields):
        refs = {
            "project_id": "projects",
            "type_id": "types",
            "status_id": "statuses",
            "priority_id": "priorities",
            "assignee_id": "users",
            "responsible_id": "users",
            "author_id": "users",
            "parent_id": "work_packages",
            "work_package_id": "work_packages",
            "meeting_id": "meetings",
            "user_id": "users",
            "activity_id": "time_entry_activities",
        }
        for field, value in fields.items():
            if field in refs and value is not None:
                self._get(refs[field], value)

    # ---------------------------------------------------------- work packages
    def create_work_package(self, project_id, subject, **fields):
        """Create a work package with its creation journal (version 1)."""
        with self.lock:
            unknown = set(fields) - WP_FIELDS - {"author_id"}
            if unknown:
                raise ValueError(f"unknown work package fields: {sorted(unknown)}")
            self._check_refs({"project_id": project_id, **fields})
            stamp = self.now()
            wp_id = self._new_id("work_packages")
            record = {
                "id": wp_id,
                "project_id": project_id,
                "type_id": self.default_id("types"),
                "status_id": self.default_id("statuses"),
                "priority_id": self.default_id("priorities"),
                "subject": subject,
                "description": "",
                "author_id": self.meta["api_user_id"],
                "assignee_id": None,
                "responsible_id": None,
                "parent_id": None,
                "start_date": None,
                "due_date": None,
                "estimated_hours": None,
                "remaining_hours": None,
                "percentage_done": None,
                "lock_version": 0,
                "created_at": stamp,
                "updated_at": stamp,
            }
            record.update(fields)
            self.work_packages[wp_id] = record
            self._add_journal(wp_id, record["author_id"], stamp)
            return wp_id

    def update_work_package(self, wp_id, user_id=None, **fields):
        """Change fields the way a user edit does: one journal listing the changes.

        ``user_id`` is the editor (default: the API key's user). Fields that do not
        change are ignored; a call that changes nothing writes nothing, as
        OpenProject saves no empty journal.
        """
        with self.lock:
            record = self._get("work_packages", wp_id)
            unknown = set(fields) - WP_FIELDS
            if unknown:
                raise ValueError(f"unknown work package fields: {sorted(unknown)}")
            self._check_refs(fields)
            changed = {k: v for k, v in fields.items() if record[k] != v}
            if not changed:
                return
            details = []
            for field, value in changed.items():
                details.append(
                    {
                        "property": WP_DETAIL_LABELS[field],
                        "old": self._display(field, record[field]),
                        "new": self._display(field, value),
                    }
                )
            stamp = self.now()
            record.update(changed)
            record["updated_at"] = stamp
            record["lock_version"] += 1
            editor = user_id if user_id is not None else self.meta["api_user_id"]
            self._add_journal(wp_id, editor, stamp, details=details)
            if "project_id" in changed:
                self._move_dependants(wp_id, changed["project_id"], editor, stamp)

    def _move_dependants(self, wp_id, project_id, editor, stamp):
        # OpenProject moves descendants along with their parent and re-books the
        # time entries of every moved work package onto the new project.
        moved = [wp_id]
        for child_id in self.descendant_ids(wp_id):
            child = self.work_packages[child_id]
            if child["project_id"] != project_id:
                detail = {
                    "property": "Project",
                    "old": self._display("project_id", child["project_id"]),
                    "new": self._display("project_id", project_id),
                }
                child["project_id"] = project_id
                child["updated_at"] = stamp
                child["lock_version"] += 1
                self._add_journal(child_id, editor, stamp, details=[detail])
            moved.append(child_id)
        moved = set(moved)
        for entry in self.time_entries.values():
            if entry["work_package_id"] in moved and entry["project_id"] != project_id:
                entry["project_id"] = project_id
                entry["updated_at"] = stamp
                entry["lock_version"] += 1

    def move_work_package(self, wp_id, project_id, user_id=None):
        self.update_work_package(wp_id, user_id=user_id, project_id=project_id)

    def delete_work_package(self, wp_id):
        """Delete a work package, its descendants, their journals and time entries."""
        with self.lock:
            self._get("work_packages", wp_id)
            doomed = {wp_id, *self.descendant_ids(wp_id)}
            for doomed_id in doomed:
                del self.work_packages[doomed_id]
                for activity_id in self._activities_by_wp.pop(doomed_id, []):
                    del self.activities[activity_id]
            for entry_id in [
                e["id"]
                for e in self.time_entries.values()
                if e["work_package_id"] in doomed
            ]:
                del self.time_entries[entry_id]

    # --------------------------------------------------------------- comments
    def add_comment(self, wp_id, user_id, text, internal=False):
        """Comment on a work package: a journal with notes.

        Like OpenProject's "add comment", this saves the work package, so its
        ``updated_at`` and ``lock_version`` move too.
        """
        with self.lock:
            record = self._get("work_packages", wp_id)
            self._get("users", user_id)
            stamp = self.now()
            record["updated_at"] = stamp
            record["lock_version"] += 1
            return self._add_journal(
                wp_id, user_id, stamp, comment=text, internal=internal
            )

    def edit_comment(self, activity_id, text):
        """Edit a comment's text.

        OpenProject only updates the journal: the work package's ``updated_at`` does
        not move, so an updatedAt-driven sync does not see edited comments.
        """
        with self.lock:
            activity = self._get("activities", activity_id)
            activity["comment"] = text
            activity["updated_at"] = self.now()

    # ----------------------------------------------------------- time entries
    def create_time_entry(
        self,
        project_id,
        user_id,
        hours,
        spent_on,
        work_package_id=None,
        comment="",
        activity_id=None,
        ongoing=False,
        meeting_id=None,
    ):
        with self.lock:
            if activity_id is None:
                activity_id = self.default_id("time_entry_activities")
            self._check_refs(
                {
                    "project_id": project_id,
                    "user_id": user_id,
                    "work_package_id": work_package_id,
                    "activity_id": activity_id,
                    "meeting_id": meeting_id,
                }
            )
            stamp = self.now()
            entry_id = self._new_id("time_entries")
            self.time_entries[entry_id] = {
                "id": entry_id,
                "project_id": project_id,
                "work_package_id": work_package_id,
                "meeting_id": meeting_id,
                "user_id": user_id,
                "activity_id": activity_id,
                "hours": None if ongoing else float(hours),
                "spent_on": str(spent_on),
                "comment": comment,
                "ongoing": bool(ongoing),
                "lock_version": 0,
                "created_at": stamp,
                "updated_at": stamp,
            }
            return entry_id

    def update_time_entry(self, entry_id, **fields):
        with self.lock:
            entry = self._get("time_entries", entry_id)
            unknown = set(fields) - TIME_ENTRY_FIELDS
            if unknown:
                raise ValueError(f"unknown time entry fields: {sorted(unknown)}")
            self._check_refs(fields)
            if "spent_on" in fields:
                fields["spent_on"] = str(fields["spent_on"])
            if "hours" in fields and fields["hours"] is not None:
                fields["hours"] = float(fields["hours"])
            if fields.get("ongoing") is False and entry["ongoing"]:
                # Stopping a timer books the elapsed time unless hours are given.
                fields.setdefault("hours", entry["hours"] or 0.0)
            entry.update(fields)
            entry["updated_at"] = self.now()
            entry["lock_version"] += 1

    def delete_time_entry(self, entry_id):
        with self.lock:
            self._get("time_entries", entry_id)
            del self.time_entries[entry_id]

    # --------------------------------------------------------------- projects
    def create_project(self, name, identifier, parent_id=None, **fields):
        with self.lock:
            if parent_id is not None:
                self._get("projects", parent_id)
            if any(p["identifier"] == identifier for p in self.projects.values()):
                raise ValueError(f"identifier {identifier!r} is already taken")
            stamp = self.now()
            project_id = self._new_id("projects")
            record = {
                "id": project_id,
                "identifier": identifier,
                "name": name,
                "description": "",
                "public": False,
                "active": True,
                "parent_id": parent_id,
                "workspace_type": "project",
                "status_code": None,
                "status_explanation": "",
                "created_at": stamp,
                "updated_at": stamp,
            }
            unknown = set(fields) - set(record)
            if unknown:
                raise ValueError(f"unknown project fields: {sorted(unknown)}")
            record.update(fields)
            self.projects[project_id] = record
            return project_id

    def update_project(self, project_id, **fields):
        with self.lock:
            record = self._get("projects", project_id)
            unknown = set(fields) - set(record) - {"id", "created_at"}
            if unknown or {"id", "created_at", "updated_at"} & set(fields):
                raise ValueError(f"cannot set project fields: {sorted(fields)}")
            record.update(fields)
            record["updated_at"] = self.now()

    def archive_project(self, project_id, archived=True):
        """Archive (or unarchive) a project. OpenProject archives subprojects too."""
        with self.lock:
            self._get("projects", project_id)
            stamp = self.now()
            targets = [project_id]
            if archived:
                todo = [project_id]
                while todo:
                    current = todo.pop()
                    for project in self.projects.values():
                        if project["parent_id"] == current:
                            targets.append(project["id"])
                            todo.append(project["id"])
            for target in targets:
                self.projects[target]["active"] = not archived
                self.projects[target]["updated_at"] = stamp

    # ------------------------------------------------------------------ users
    def lock_user(self, user_id, locked=True):
        with self.lock:
            user = self._get("users", user_id)
            if user["type"] != "User":
                raise ValueError(f"principal {user_id} is not a user")
            user["status"] = "locked" if locked else "active"
            user["updated_at"] = self.now()

    def delete_user(self, user_id):
        """Delete a principal; references move to the built-in "Deleted user".

        OpenProject rewrites the references with bulk updates: the work packages,
        journals and time entries that pointed at the user keep their
        ``updated_at``, so a sync only learns of it by re-reading them.
        """
        with self.lock:
            user = self._get("users", user_id)
            if user["type"] in ("DeletedUser", "AnonymousUser"):
                raise ValueError("built-in users cannot be deleted")
            substitute = self.meta["deleted_user_id"]
            for wp in self.work_packages.values():
                for field in ("author_id", "assignee_id", "responsible_id"):
                    if wp[field] == user_id:
                        wp[field] = substitute
            for activity in self.activities.values():
                if activity["user_id"] == user_id:
                    activity["user_id"] = substitute
            for entry in self.time_entries.values():
                if entry["user_id"] == user_id:
                    entry["user_id"] = substitute
            del self.users[user_id]

    # --------------------------------------------------------------- statuses
    def rename_status(self, status_id, name):
        """Rename a status (statuses carry no updatedAt in the API)."""
        with self.lock:
            self._get("statuses", status_id)["name"] = name

    # ------------------------------------------------------------ consistency
    def check_consistency(self):
        """Return a list of problems: dangling references or time travel."""
        problems = []

        def need(kind, value, where):
            if value is not None and value not in getattr(self, kind):
                problems.append(f"{where}: {kind} {value} missing")

        for p in self.projects.values():
            need("projects", p["parent_id"], f"project {p['id']} parent")
        for wp in self.work_packages.values():
            where = f"work package {wp['id']}"
            need("projects", wp["project_id"], where)
            need("types", wp["type_id"], where)
            need("statuses", wp["status_id"], where)
            need("priorities", wp["priority_id"], where)
            for field in ("author_id", "assignee_id", "responsible_id"):
                need("users", wp[field], where)
            need("work_packages", wp["parent_id"], where)
        for a in self.activities.values():
            need("work_packages", a["work_package_id"], f"activity {a['id']}")
            need("users", a["user_id"], f"activity {a['id']}")
        for e in self.time_entries.values():
            where = f"time entry {e['id']}"
            need("projects", e["project_id"], where)
            need("work_packages", e["work_package_id"], where)
            need("meetings", e["meeting_id"], where)
            need("users", e["user_id"], where)
            need("time_entry_activities", e["activity_id"], where)
        for kind in (
            "projects",
            "work_packages",
            "activities",
            "time_entries",
            "users",
        ):
            for record in getattr(self, kind).values():
                if record["updated_at"] < record["created_at"]:
                    problems.append(f"{kind} {record['id']}: updated before created")
        return problems
