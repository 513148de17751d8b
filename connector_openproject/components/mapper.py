# Copyright 2026 The connector_openproject authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Mappers: one OpenProject resource (a dict) to the values of an Odoo record.

They read only the record and the bindings of what it refers to; importing
those dependencies first is the importers' job.
"""

from datetime import datetime, time

from markupsafe import Markup, escape

from odoo import fields, tools
from odoo.tools.mail import generate_tracking_message_id

from odoo.addons.component.core import AbstractComponent, Component
from odoo.addons.connector.components.mapper import mapping, only_create
from odoo.addons.connector.exception import MappingError

from ..openproject_api import values

RESOURCE_NAMES = {
    "WorkPackage": "work package",
    "TimeEntry": "time entry",
    "Activity": "activity",
    "Activity::Comment": "comment",
    "Project": "project",
    "User": "user",
    "Group": "group",
    "PlaceholderUser": "placeholder user",
    "Status": "status",
}


def record_label(record):
    """How a record is named in messages: its kind, id and name or subject."""
    kind = RESOURCE_NAMES.get(record.get("_type"), "record")
    name = record.get("subject") or record.get("name") or ""
    label = f"OpenProject {kind} {record.get('id')}"
    return f"{label} ({name})" if name else label


class OpenProjectImportMapper(AbstractComponent):
    _name = "openproject.import.mapper"
    _inherit = ["base.openproject.connector", "base.import.mapper"]
    _usage = "import.mapper"

    def _parse(self, record, field, parser, what):
        """Parse ``record[field]``, or raise a MappingError naming the record."""
        raw = record.get(field)
        try:
            return parser(raw)
        except (TypeError, ValueError) as err:
            raise MappingError(
                f"{record_label(record)}: the {what} {raw!r} cannot be read "
                f"({err}). Correct it in OpenProject; the next sync imports the "
                "record again."
            ) from err

    def _link(self, record, name):
        """(kind, id) of a link, or None; a malformed href is a MappingError."""
        try:
            return values.link_ref(record, name)
        except ValueError as err:
            raise MappingError(
                f"{record_label(record)}: its {name} link cannot be read ({err})."
            ) from err

    def _bound(self, model, external_id, unwrap=True):
        return self.binder_for(model).to_internal(external_id, unwrap=unwrap)

    @mapping
    def backend_id(self, record):
        return {"backend_id": self.backend_record.id}

    @mapping
    def external_id(self, record):
        return {"external_id": int(record["id"])}

    @mapping
    def updated_at(self, record):
        return {
            "openproject_updated_at": record.get("updatedAt") or False,
            "sync_date": fields.Datetime.now(),
        }


class StatusMapper(Component):
    _name = "openproject.status.mapper"
    _inherit = "openproject.import.mapper"
    _apply_on = "openproject.project.task.type"

    @mapping
    def stage(self, record):
        return {
            "name": record.get("name") or f"Status {record['id']}",
            "sequence": int(record.get("position") or 0),
            "fold": bool(record.get("isClosed")),
            "is_closed": bool(record.get("isClosed")),
        }


class UserMapper(Component):
    """Values of the user binding; the Odoo user is chosen by the importer."""

    _name = "openproject.user.mapper"
    _inherit = "openproject.import.mapper"
    _apply_on = "openproject.res.users"

    @mapping
    def user(self, record):
        name = record.get("name") or " ".join(
            part for part in (record.get("firstName"), record.get("lastName")) if part
        )
        return {
            "name": name or record.get("login") or f"User {record['id']}",
            "login": record.get("login") or False,
            "email": record.get("email") or False,
            "principal_type": principal_type(record),
            "openproject_status": record.get("status") or False,
        }


def principal_type(record):
    """user, group, placeholder or deleted, from a principal's representation."""
    kind = record.get("_type") or "User"
    if values.is_deleted_user(record) or record.get("status") == "builtin":
        return "deleted"
    # From 8.0 the built-in deleted user is rendered as a plain User; where
    # logins are disclosed (an administrator's key) it is the one without.
    if kind == "User" and "login" in record and not record["login"]:
        return "deleted"
    if kind == "Group":
        return "group"
    if kind == "PlaceholderUser":
        return "placeholder"
    return "user"


class ProjectMapper(Component):
    _name = "openproject.project.mapper"
    _inherit = "openproject.import.mapper"
    _apply_on = "openproject.project.project"

    @mapping
    def project(self, record):
        parent = self._link(record, "parent")
        return {
            "name": record.get("name") or record.get("identifier"),
            "identifier": record.get("identifier") or False,
            "openproject_active": record.get("active", True) is not False,
            "parent_external_id": parent[1] if parent else 0,
        }

    @only_create
    @mapping
    def defaults(self, record):
        backend = self.backend_record
        return {
            "sync": backend.default_project_sync,
            "sync_description": backend.default_sync_description,
            "activity_filter": backend.default_activity_filter,
            "sync_time_entries": backend.default_sync_time_entries,
        }


class WorkPackageMapper(Component):
    _name = "openproject.work.package.mapper"
    _inherit = "openproject.import.mapper"
    _apply_on = "openproject.project.task"

    @mapping
    def basics(self, record):
        return {
            "name": record.get("subject") or f"Work package {record['id']}",
            "display_id": str(record["displayId"])
            if record.get("displayId")
            else False,
            "lock_version": int(record.get("lockVersion") or 0),
        }

    @mapping
    def description(self, record):
        project_binding = self.options.project_binding
        if not project_binding.sync_description:
            return {"description": False}
        html = values.formattable_html(record.get("description"))
        return {"description": html or False}

    @mapping
    def project(self, record):
        project_binding = self.options.project_binding
        return {
            "project_id": project_binding.odoo_id.id,
            "project_binding_id": project_binding.id,
            "company_id": project_binding.odoo_id.company_id.id
            or self.backend_record.company_id.id,
        }

    @mapping
    def stage(self, record):
        ref = self._link(record, "status")
        if not ref:
            raise MappingError(f"{record_label(record)} has no status.")
        stage = self._bound("openproject.project.task.type", ref[1])
        if not stage:
            raise MappingError(
                f"{record_label(record)}: its status {ref[1]} is unknown to Odoo. "
                "Run the sync again: statuses are imported first."
            )
        return {"stage_id": stage.id}

    @mapping
    def assignee(self, record):
        ref = self._link(record, "assignee")
        user_ids, note = [], False
        if ref:
            binding = self._bound("openproject.res.users", ref[1], unwrap=False)
            title = values.link_title(record, "assignee") or ""
            if binding.principal_type == "user" and binding.odoo_id:
                user_ids = binding.odoo_id.ids
            elif binding.principal_type in ("group", "placeholder"):
                kind = dict(binding._fields["principal_type"].selection)[
                    binding.principal_type
                ]
                note = f"{kind}: {binding.name or title}"
            elif not binding.odoo_id:
                note = title or f"User {ref[1]}"
        return {"user_ids": [(6, 0, user_ids)], "assignee_note": note}

    @mapping
    def deadline(self, record):
        # Milestones carry a single `date` instead of start and due dates.
        due = self._parse(record, "dueDate", values.parse_date, "due date")
        if not due and "date" in record:
            due = self._parse(record, "date", values.parse_date, "milestone date")
        return {"date_deadline": datetime.combine(due, time()) if due else False}

    @mapping
    def planned_hours(self, record):
        hours = self._parse(
            record, "estimatedTime", values.parse_duration_hours, "estimated time"
        )
        return {"allocated_hours": hours or 0.0}

    @mapping
    def parent(self, record):
        ref = self._link(record, "parent")
        parent = self._bound("openproject.project.task", ref[1]) if ref else None
        return {"parent_id": parent.id if parent else False}

    @mapping
    def type_tag(self, record):
        name = values.link_title(record, "type")
        if not name:
            return {"openproject_type": False}
        tags = self._cache("tags")
        if name not in tags:
            Tag = self.env["project.tags"]
            tag = Tag.search([("name", "=", name)], limit=1) or Tag.create(
                {"name": name}
            )
            tags[name] = tag.id
        return {"openproject_type": name, "tag_ids": [(6, 0, [tags[name]])]}

    @mapping
    def priority(self, record):
        ref = self._link(record, "priority")
        high = {
            int(i)
            for i in (self.backend_record.high_priority_ids or "").split(",")
            if i
        }
        return {"priority": "1" if ref and ref[1] in high else "0"}


class TimeEntryMapper(Component):
    _name = "openproject.time.entry.mapper"
    _inherit = "openproject.import.mapper"
    _apply_on = "openproject.account.analytic.line"

    @mapping
    def line(self, record):
        hours = self._parse(record, "hours", values.parse_duration_hours, "hours")
        spent_on = self._parse(record, "spentOn", values.parse_date, "date")
        if hours is None or not spent_on:
            raise MappingError(
                f"{record_label(record)} has no hours or no date: a running timer "
                "or an incomplete entry. It is imported once it is finished."
            )
        comment = values.formattable_raw(record.get("comment"))
        return {
            "date": spent_on,
            "unit_amount": hours,
            "name": comment.strip() if comment and comment.strip() else "/",
            "openproject_activity": values.link_title(record, "activity") or False,
        }

    @mapping
    def targets(self, record):
        """Project, task and employee, resolved by the importer beforehand."""
        targets = self.options.targets
        return {
            "project_id": targets["project"].id,
            "task_id": targets["task"].id if targets["task"] else False,
            "employee_id": targets["employee"].id,
            "company_id": targets["project"].company_id.id
            or self.backend_record.company_id.id,
            "work_package_external_id": targets["work_package_id"] or 0,
            "project_external_id": targets["project_external_id"],
        }


class ActivityMapper(Component):
    _name = "openproject.activity.mapper"
    _inherit = "openproject.import.mapper"
    _apply_on = "openproject.mail.message"

    @mapping
    def body(self, record):
        comment = values.formattable_html(record.get("comment"))
        details = [
            values.formattable_html(detail)
            or escape(values.formattable_raw(detail) or "")
            for detail in record.get("details") or []
        ]
        body = Markup(comment or "")
        if details:
            items = Markup("").join(
                Markup("<li>%s</li>") % Markup(detail) for detail in details if detail
            )
            body += Markup("<ul>%s</ul>") % items
        return {"body": body, "activity_type": activity_type(record)}

    @mapping
    def message(self, record):
        task = self.options.task
        author = self.options.author_partner
        created = self._parse(record, "createdAt", values.parse_datetime, "date")
        email_from = (
            tools.formataddr((author.name, author.email))
            if author and author.email
            else (author.name if author else False)
        )
        xmlid = (
            "connector_openproject.mt_openproject_comment"
            if activity_type(record) == "comment"
            else "connector_openproject.mt_openproject_update"
        )
        subtypes = self._cache("subtypes")
        if xmlid not in subtypes:
            subtypes[xmlid] = self.env.ref(xmlid).id
        return {
            "model": "project.task",
            "res_id": task.id,
            "record_name": task.name,
            "message_type": "comment",
            "subtype_id": subtypes[xmlid],
            "author_id": author.id if author else False,
            "email_from": email_from,
            # Given here so that mail.message does not compute them per record.
            "reply_to": email_from,
            "date": created or fields.Datetime.now(),
            "work_package_external_id": self.options.work_package_id,
        }

    @only_create
    @mapping
    def message_id(self, record):
        return {"message_id": generate_tracking_message_id("openproject")}


def activity_type(record):
    """``comment`` for an activity with a comment text, else ``update``."""
    if (values.formattable_raw(record.get("comment")) or "").strip():
        return "comment"
    return "update"
