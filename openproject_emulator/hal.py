# Copyright 2026 The connector_openproject authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""HAL+JSON renderings of the stored records, shaped like OpenProject's API v3.

Field names, ``_type`` values and link shapes follow the example payloads of the
OpenProject specification. Properties OpenProject only computes from other data
(``derivedEstimatedTime``, ``spentTime``, ...) are left out rather than rendered
with made-up values: a client must not rely on them being present anyway.
"""

import html
import json
import re
from datetime import date
from urllib.parse import quote, urlencode

# --------------------------------------------------------------------- values


def duration(hours):
    """ISO 8601 duration with 24-hour days, as OpenProject renders hours.

    >>> duration(40), duration(48), duration(1.5), duration(0.25), duration(0)
    ('P1DT16H', 'P2D', 'PT1H30M', 'PT15M', 'PT0S')
    >>> duration(33.6), duration(None)
    ('P1DT9H36M', None)
    """
    if hours is None:
        return None
    seconds = round(hours * 3600)
    days, seconds = divmod(seconds, 86400)
    hrs, seconds = divmod(seconds, 3600)
    minutes, seconds = divmod(seconds, 60)
    text = "P" + (f"{days}D" if days else "")
    clock = "".join(
        f"{value}{unit}"
        for value, unit in ((hrs, "H"), (minutes, "M"), (seconds, "S"))
        if value
    )
    if clock:
        text += "T" + clock
    return "PT0S" if text == "P" else text


_INLINE = [
    (re.compile(r"`([^`]+)`"), r'<code class="op-uc-code">\1</code>'),
    (re.compile(r"\*\*(.+?)\*\*"), r"<strong>\1</strong>"),
    (re.compile(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])"), r"<em>\1</em>"),
    (re.compile(r"(?<!\w)_(?!\s)(.+?)(?<!\s)_(?!\w)"), r"<em>\1</em>"),
    (
        re.compile(r"\[([^\]]+)\]\(([^)\s]+)\)"),
        r'<a href="\2" class="op-uc-link" rel="noopener noreferrer">\1</a>',
    ),
]


def _inline(text):
    text = html.escape(text, quote=False)
    for pattern, replacement in _INLINE:
        text = pattern.sub(replacement, text)
    return text


def _list(tag, items):
    body = "".join(
        f'<li class="op-uc-list--item">{_inline(item.strip())}</li>' for item in items
    )
    return f'<{tag} class="op-uc-list">{body}</{tag}>'


def markdown_html(raw):
    """A small CommonMark subset rendered with OpenProject's ``op-uc-*`` classes.

    Covers what the demo and generated data use: paragraphs, headings, bullet
    and numbered lists, bold, italics, inline code and links.
    """
    if not raw:
        return ""
    out = []
    for block in re.split(r"\n\s*\n", raw.strip()):
        lines = block.split("\n")
        if all(re.match(r"\s*[-*] ", line) for line in lines):
            out.append(_list("ul", (line.split(" ", 1)[1] for line in lines)))
        elif all(re.match(r"\s*\d+\. ", line) for line in lines):
            out.append(_list("ol", (line.split(". ", 1)[1] for line in lines)))
        elif len(lines) == 1 and re.match(r"#{1,6} ", block):
            level = len(block) - len(block.lstrip("#"))
            text = _inline(block[level:].strip())
            out.append(f'<h{level} class="op-uc-h{level}">{text}</h{level}>')
        else:
            text = "<br>".join(_inline(line) for line in lines)
            out.append(f'<p class="op-uc-p">{text}</p>')
    return "".join(out)


def formattable(raw, fmt="markdown"):
    raw = raw or ""
    if fmt == "plain":
        body = "<br>".join(html.escape(line) for line in raw.split("\n"))
        return {"format": "plain", "raw": raw, "html": f"<p>{body}</p>" if raw else ""}
    return {"format": fmt, "raw": raw, "html": markdown_html(raw)}


def detail(entry):
    """A journal detail as OpenProject's ``custom`` Formattable."""
    prop, old, new = entry["property"], entry.get("old"), entry.get("new")
    label = f"<strong>{html.escape(prop)}</strong>"
    if prop == "Description":
        raw = "Description changed"
        rendered = f"{label} changed"
    elif old is None:
        raw = f"{prop} set to {new}"
        rendered = f"{label} set to <i>{html.escape(new)}</i>"
    elif new is None:
        raw = f"{prop} deleted ({old})"
        rendered = f"{label} deleted (<strike><i>{html.escape(old)}</i></strike>)"
    else:
        raw = f"{prop} changed from {old} to {new}"
        rendered = (
            f"{label} changed from <i>{html.escape(old)}</i> "
            f"to <i>{html.escape(new)}</i>"
        )
    return {"format": "custom", "raw": raw, "html": rendered}


# -------------------------------------------------------------------- context

PRINCIPAL_PATHS = {
    "User": "users",
    "DeletedUser": "users",
    "AnonymousUser": "users",
    "Group": "groups",
    "PlaceholderUser": "placeholder_users",
}
WORKSPACE_PATHS = {
    "project": "projects",
    "program": "programs",
    "portfolio": "portfolios",
}


class Renderer:
    """Renders records for one request: knows the base path, the emulated
    version and what the requesting user may see."""

    def __init__(self, inst, base_path, version, admin, current_user_id):
        self.inst = inst
        self.api = f"{base_path}/api/v3"
        self.base_path = base_path
        self.version = version
        self.admin = admin
        self.current_user_id = current_user_id

    def since(self, *version):
        return self.version >= version

    # ------------------------------------------------------------- links
    def link(self, path, title=None, **extra):
        result = {"href": f"{self.api}/{path}"}
        if title is not None:
            result["title"] = title
        result.update(extra)
        return result

    def principal_link(self, principal_id):
        if principal_id is None:
            return {"href": None}
        principal = self.inst.users.get(principal_id)
        if principal is None:
            return {"href": None}
        path = PRINCIPAL_PATHS[principal["type"]]
        return self.link(f"{path}/{principal_id}", principal["name"])

    def project_path(self, project):
        # 17.x renders links to programs and portfolios under their own paths;
        # older versions only know projects.
        kind = project.get("workspace_type", "project")
        if not self.since(17, 0):
            kind = "project"
        return f"{WORKSPACE_PATHS[kind]}/{project['id']}"

    def project_link(self, project_id):
        if project_id is None:
            return {"href": None}
        project = self.inst.projects[project_id]
        return self.link(self.project_path(project), project["name"])

    def wp_link(self, wp_id):
        if wp_id is None:
            return {"href": None}
        wp = self.inst.work_packages.get(wp_id)
        if wp is None:
            return {"href": None}
        return self.link(f"work_packages/{wp_id}", wp["subject"])

    # ----------------------------------------------------------- resources
    def root(self):
        user_id = self.current_user_id
        links = {
            "self": self.link(""),
            "configuration": self.link("configuration"),
            "memberships": self.link("memberships"),
            "priorities": self.link("priorities"),
            "relations": self.link("relations"),
            "statuses": self.link("statuses"),
            "timeEntries": self.link("time_entries"),
            "types": self.link("types"),
            "workPackages": self.link("work_packages"),
            "projects": self.link("projects"),
            "users": self.link("users"),
        }
        links["self"]["href"] = self.api
        anonymous = self.inst.users.get(user_id, {}).get("type") == "AnonymousUser"
        if not anonymous:
            links["user"] = self.principal_link(user_id)
            links["userPreferences"] = self.link("my_preferences")
        body = {"_type": "Root", "instanceName": self.inst.meta["instance_name"]}
        if self.admin:
            # OpenProject discloses its version to administrators only.
            body["coreVersion"] = ".".join(str(part) for part in self.version)
        body["_links"] = links
        return body

    def status(self, status):
        return {
            "_type": "Status",
            "id": status["id"],
            "name": status["name"],
            "isClosed": status["is_closed"],
            "color": status["color"],
            "isDefault": status["is_default"],
            "isReadonly": status["is_readonly"],
            "excludedFromTotals": status["excluded_from_totals"],
            "defaultDoneRatio": status["default_done_ratio"],
            "position": status["position"],
            "_links": {"self": self.link(f"statuses/{status['id']}", status["name"])},
        }

    def type(self, record):
        return {
            "_type": "Type",
            "id": record["id"],
            "name": record["name"],
            "color": record["color"],
            "position": record["position"],
            "isDefault": record["is_default"],
            "isMilestone": record["is_milestone"],
            "createdAt": record["created_at"],
            "updatedAt": record["updated_at"],
            "_links": {"self": self.link(f"types/{record['id']}", record["name"])},
        }

    def priority(self, record):
        return {
            "_type": "Priority",
            "id": record["id"],
            "name": record["name"],
            "position": record["position"],
            "color": record["color"],
            "isDefault": record["is_default"],
            "isActive": record["is_active"],
            "_links": {"self": self.link(f"priorities/{record['id']}", record["name"])},
        }

    def time_entry_activity(self, record):
        return {
            "_type": "TimeEntriesActivity",
            "id": record["id"],
            "name": record["name"],
            "position": record["position"],
            "default": record["is_default"],
            "_links": {
                "self": self.link(
                    f"time_entries/activities/{record['id']}", record["name"]
                ),
                "projects": [],
            },
        }

    def project(self, project):
        pid = project["id"]
        links = {
            "self": self.link(self.project_path(project), project["name"]),
            "categories": self.link(f"projects/{pid}/categories"),
            "types": self.link(f"projects/{pid}/types"),
            "versions": self.link(f"projects/{pid}/versions"),
            "memberships": {
                "href": f"{self.api}/memberships?filters="
                + json.dumps(
                    [{"project": {"operator": "=", "values": [str(pid)]}}],
                    separators=(",", ":"),
                )
            },
            "workPackages": self.link(f"projects/{pid}/work_packages"),
            "parent": self.project_link(project["parent_id"]),
        }
        ancestors = []
        parent_id = project["parent_id"]
        while parent_id is not None:
            ancestors.insert(0, self.project_link(parent_id))
            parent_id = self.inst.projects[parent_id]["parent_id"]
        links["ancestors"] = ancestors
        code = project.get("status_code")
        links["status"] = (
            self.link(f"project_statuses/{code}", code.replace("_", " ").capitalize())
            if code
            else {"href": None}
        )
        return {
            "_type": "Project",
            "id": pid,
            "identifier": project["identifier"],
            "name": project["name"],
            "active": project["active"],
            "public": project["public"],
            "description": formattable(project["description"]),
            "createdAt": project["created_at"],
            "updatedAt": project["updated_at"],
            "statusExplanation": formattable(project.get("status_explanation", "")),
            "_links": links,
        }

    def work_package(self, wp):
        inst = self.inst
        wp_id = wp["id"]
        wp_type = inst.types[wp["type_id"]]
        status = inst.statuses[wp["status_id"]]
        priority = inst.priorities[wp["priority_id"]]
        body = {"_type": "WorkPackage", "id": wp_id}
        if self.since(17, 5):
            body["displayId"] = str(wp_id)
        body.update(
            {
                "lockVersion": wp["lock_version"],
                "subject": wp["subject"],
                "description": formattable(wp["description"]),
                "scheduleManually": False,
            }
        )
        if wp_type["is_milestone"]:
            body["date"] = wp["due_date"] or wp["start_date"]
        else:
            body["startDate"] = wp["start_date"]
            body["dueDate"] = wp["due_date"]
            body["duration"] = _day_span(wp["start_date"], wp["due_date"])
        body.update(
            {
                "ignoreNonWorkingDays": False,
                "estimatedTime": duration(wp["estimated_hours"]),
                "remainingTime": duration(wp["remaining_hours"]),
                "percentageDone": wp["percentage_done"],
                "createdAt": wp["created_at"],
                "updatedAt": wp["updated_at"],
            }
        )
        time_filter = json.dumps(
            [{"work_package_id": {"operator": "=", "values": [str(wp_id)]}}],
            separators=(",", ":"),
        )
        parent_link = self.wp_link(wp["parent_id"])
        if parent_link["href"] is None:
            parent_link["title"] = None
        ancestors = []
        parent_id = wp["parent_id"]
        while parent_id is not None and parent_id in inst.work_packages:
            ancestors.insert(0, self.wp_link(parent_id))
            parent_id = inst.work_packages[parent_id]["parent_id"]
        body["_links"] = {
            "self": self.link(f"work_packages/{wp_id}", wp["subject"]),
            "schema": self.link(
                f"work_packages/schemas/{wp['project_id']}-{wp['type_id']}"
            ),
            "attachments": self.link(f"work_packages/{wp_id}/attachments"),
            "activities": self.link(f"work_packages/{wp_id}/activities"),
            "relations": self.link(
                f"work_packages/{wp_id}/relations", "Show relations"
            ),
            "timeEntries": {
                "href": f"{self.api}/time_entries?"
                + urlencode({"filters": time_filter}, quote_via=quote, safe=""),
                "title": "Time entries",
            },
            "watchers": self.link(f"work_packages/{wp_id}/watchers"),
            "type": self.link(f"types/{wp_type['id']}", wp_type["name"]),
            "status": self.link(f"statuses/{status['id']}", status["name"]),
            "priority": self.link(f"priorities/{priority['id']}", priority["name"]),
            "project": self.project_link(wp["project_id"]),
            "author": self.principal_link(wp["author_id"]),
            "assignee": self.principal_link(wp["assignee_id"]),
            "responsible": self.principal_link(wp["responsible_id"]),
            "category": {"href": None},
            "version": {"href": None},
            "budget": {"href": None},
            "parent": parent_link,
            "ancestors": ancestors,
        }
        return apply_overrides(body, wp)

    def activity(self, activity):
        wp = self.inst.work_packages[activity["work_package_id"]]
        body = {
            "_type": "Activity::Comment" if activity["comment"] else "Activity",
            "id": activity["id"],
            "version": activity["version"],
        }
        if self.since(16, 0):
            body["internal"] = activity.get("internal", False)
        body.update(
            {
                "comment": formattable(activity["comment"]),
                "details": [detail(entry) for entry in activity["details"]],
                "createdAt": activity["created_at"],
                "updatedAt": activity["updated_at"],
                "_links": {
                    "self": self.link(f"activities/{activity['id']}"),
                    "workPackage": self.link(
                        f"work_packages/{wp['id']}", wp["subject"]
                    ),
                    "user": {"href": self.principal_link(activity["user_id"])["href"]},
                },
            }
        )
        return body

    def time_entry(self, entry):
        inst = self.inst
        te_activity = inst.time_entry_activities[entry["activity_id"]]
        if self.since(9, 0):
            comment = formattable(entry["comment"], "plain")
        else:
            comment = entry["comment"]
        body = {"_type": "TimeEntry", "id": entry["id"]}
        if self.since(13, 0):
            body["ongoing"] = entry["ongoing"]
        body.update(
            {
                "comment": comment,
                "spentOn": entry["spent_on"],
                "hours": duration(entry["hours"]),
                "createdAt": entry["created_at"],
                "updatedAt": entry["updated_at"],
            }
        )
        links = {
            "self": self.link(f"time_entries/{entry['id']}"),
            "schema": self.link("time_entries/schema"),
            "project": self.project_link(entry["project_id"]),
            "workPackage": self.wp_link(entry["work_package_id"]),
            "user": self.principal_link(entry["user_id"]),
            "activity": self.link(
                f"time_entries/activities/{te_activity['id']}", te_activity["name"]
            ),
        }
        if self.since(17, 0):
            # 17.x books time on an "entity" (work package or meeting) and keeps
            # workPackage as a deprecated alias.
            if entry.get("meeting_id") is not None:
                meeting = inst.meetings[entry["meeting_id"]]
                links["entity"] = self.link(
                    f"meetings/{meeting['id']}", meeting["title"]
                )
            else:
                links["entity"] = self.wp_link(entry["work_package_id"])
        body["_links"] = links
        return apply_overrides(body, entry)

    def meeting(self, meeting):
        return {
            "_type": "Meeting",
            "id": meeting["id"],
            "title": meeting["title"],
            "createdAt": meeting["created_at"],
            "updatedAt": meeting["updated_at"],
            "_links": {
                "self": self.link(f"meetings/{meeting['id']}", meeting["title"]),
                "project": self.project_link(meeting["project_id"]),
            },
        }

    def principal(self, principal):
        kind = principal["type"]
        if kind in ("User", "DeletedUser", "AnonymousUser"):
            return self.user(principal)
        path = PRINCIPAL_PATHS[kind]
        body = {"_type": kind, "id": principal["id"], "name": principal["name"]}
        if self.admin:
            body["createdAt"] = principal["created_at"]
            body["updatedAt"] = principal["updated_at"]
        body["_links"] = {
            "self": self.link(f"{path}/{principal['id']}", principal["name"])
        }
        return body

    def user(self, user):
        uid = user["id"]
        kind = user["type"]
        self_link = self.link(f"users/{uid}", user["name"])
        show_user = {"href": f"{self.base_path}/users/{uid}", "type": "text/html"}
        if kind == "AnonymousUser":
            # The anonymous user has no login: how a client recognises it.
            return {
                "_type": "User",
                "id": uid,
                "name": user["name"],
                "avatar": "",
                "_links": {"self": self_link},
            }
        if kind == "DeletedUser" and not self.since(8, 0):
            return {
                "_type": "User",
                "id": uid,
                "subtype": "DeletedUser",
                "name": user["name"],
                "email": None,
                "avatar": "",
                "status": "builtin",
                "_links": {"self": self_link, "showUser": show_user},
            }
        full = self.admin or uid == self.current_user_id
        body = {"_type": "User", "id": uid, "name": user["name"]}
        if full:
            body["createdAt"] = user["created_at"]
            body["updatedAt"] = user["updated_at"]
            body["login"] = user["login"] or ""
            if self.admin:
                body["admin"] = bool(user["admin"])
            body["firstName"] = user["first_name"] or ""
            body["lastName"] = user["last_name"] or ""
        if full or not user.get("hide_email"):
            body["email"] = user["email"]
        body["avatar"] = ""
        if full:
            body["status"] = user["status"]
            body["identityUrl"] = None
            body["language"] = user["language"]
        links = {"self": self_link}
        if user["status"] != "locked":
            links["showUser"] = show_user
        if self.admin and kind == "User":
            login = user["login"]
            links["updateImmediately"] = self.link(
                f"users/{uid}", f"Update {login}", method="patch"
            )
            if user["status"] == "locked":
                links["unlock"] = self.link(
                    f"users/{uid}/lock", f"Remove lock on {login}", method="delete"
                )
            else:
                links["lock"] = self.link(
                    f"users/{uid}/lock", f"Set lock on {login}", method="post"
                )
            links["delete"] = self.link(
                f"users/{uid}", f"Delete {login}", method="delete"
            )
        body["_links"] = links
        return body


def apply_overrides(body, record):
    """Serve a record's ``api_overrides`` in place of the rendered properties.

    Tests use it to serve what a real server or a proxy sometimes sends and the
    store cannot hold: an unparseable duration, a link to a status that does
    not exist. ``_links`` entries are replaced one by one.
    """
    overrides = record.get("api_overrides")
    if not overrides:
        return body
    for key, value in overrides.items():
        if key == "_links":
            body.setdefault("_links", {}).update(value)
        else:
            body[key] = value
    return body


def _day_span(start, due):
    """Calendar days covered, both ends included (OpenProject counts working
    days; the emulator ignores weekends)."""
    if not start or not due:
        return None
    days = (date.fromisoformat(due) - date.fromisoformat(start)).days + 1
    return f"P{days}D" if days > 0 else None
