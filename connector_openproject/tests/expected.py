# Copyright 2026 The connector_openproject authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""What an import of an emulator instance must produce, derived from its data.

Tests compare Odoo with these sets instead of hard-coded numbers, so that the
demo instance can grow without the tests lying about it.
"""

from datetime import date, datetime


def synced_project_ids(inst, excluded=()):
    """Projects whose content syncs: active ones (archived ones are kept
    archived in Odoo, without their work packages)."""
    return {
        pid
        for pid, project in inst.projects.items()
        if project["active"] and pid not in excluded
    }


def expected_work_packages(inst, project_ids):
    return {
        wp_id: wp
        for wp_id, wp in inst.work_packages.items()
        if wp["project_id"] in project_ids
    }


def activity_kind(activity):
    return "comment" if (activity.get("comment") or "").strip() else "update"


def expected_activities(inst, work_package_ids, wanted="all"):
    """Activities that become messages: those that say something."""
    result = {}
    for act_id, activity in inst.activities.items():
        if activity["work_package_id"] not in work_package_ids:
            continue
        kind = activity_kind(activity)
        if not (activity.get("comment") or "").strip() and not activity.get("details"):
            continue
        if wanted in ("all", kind + "s"):
            result[act_id] = activity
    return result


def expected_time_entries(inst, project_ids):
    return {
        te_id: entry
        for te_id, entry in inst.time_entries.items()
        if entry["project_id"] in project_ids and not entry["ongoing"]
    }


def high_priority_ids(inst):
    default = next(p for p in inst.priorities.values() if p["is_default"])
    return {
        pid
        for pid, priority in inst.priorities.items()
        if priority["position"] > default["position"]
    }


def as_date(text):
    return date.fromisoformat(text) if text else None


def as_deadline(text):
    return datetime.fromisoformat(text) if text else False
