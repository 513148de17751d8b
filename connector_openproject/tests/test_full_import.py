# Copyright 2026 The connector_openproject authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo.tests import tagged

from .common import OpenProjectCase, run_jobs
from .expected import (
    activity_kind,
    as_date,
    as_deadline,
    expected_activities,
    expected_time_entries,
    expected_work_packages,
    high_priority_ids,
    synced_project_ids,
)


@tagged("post_install", "-at_install")
class TestFullImport(OpenProjectCase):
    """One import of the demo instance, checked model by model."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.mails_before = cls.env["mail.mail"].search_count([])
        cls.notifications_before = cls.env["mail.notification"].search_count([])
        cls.backend.action_run_import()
        cls.outcome = run_jobs(cls.env)
        inst = cls.instance
        cls.project_ids = synced_project_ids(inst)
        cls.work_packages = expected_work_packages(inst, cls.project_ids)
        cls.activities = expected_activities(inst, set(cls.work_packages))
        cls.time_entries = expected_time_entries(inst, cls.project_ids)

    def test_no_job_failed(self):
        failed = self.failed_jobs()
        self.assertFalse(
            failed, "\n".join(f"{j.name}: {j.exc_info or j.result}" for j in failed)
        )
        self.assertTrue(self.outcome["done"])

    def test_every_project_is_bound_with_its_state(self):
        bindings = self.bindings("openproject.project.project")
        self.assertEqual(
            set(bindings.mapped("external_id")), set(self.instance.projects)
        )
        for binding in bindings:
            project = self.instance.projects[binding.external_id]
            self.assertEqual(binding.name, project["name"])
            self.assertEqual(binding.identifier, project["identifier"])
            self.assertEqual(binding.openproject_active, project["active"])
            self.assertEqual(binding.parent_external_id, project["parent_id"] or 0)
            self.assertTrue(binding.sync, "new projects sync by default")
            odoo_project = binding.odoo_id
            self.assertTrue(
                odoo_project, f"project {project['name']} has no Odoo project"
            )
            self.assertEqual(odoo_project.name, project["name"])
            self.assertEqual(odoo_project.active, project["active"])
            self.assertEqual(odoo_project.company_id, self.backend.company_id)
            self.assertTrue(odoo_project.allow_timesheets)
            self.assertEqual(odoo_project.openproject_external_id, project["id"])
            self.assertTrue(
                odoo_project.openproject_url.endswith(f"/projects/{project['id']}")
            )
        archived = [p for p in self.instance.projects.values() if not p["active"]]
        self.assertTrue(archived, "the demo instance has an archived project")
        subprojects = [p for p in self.instance.projects.values() if p["parent_id"]]
        self.assertTrue(subprojects, "the demo instance has a subproject")

    def test_statuses_become_stages(self):
        bindings = self.bindings("openproject.project.task.type")
        self.assertEqual(
            set(bindings.mapped("external_id")), set(self.instance.statuses)
        )
        for binding in bindings:
            status = self.instance.statuses[binding.external_id]
            self.assertEqual(binding.name, status["name"])
            self.assertEqual(binding.sequence, status["position"])
            self.assertEqual(binding.fold, status["is_closed"])
        # Each stage lists the synced projects whose tasks use it.
        for wp in self.work_packages.values():
            task = self.binding("openproject.project.task", wp["id"]).odoo_id
            self.assertIn(task.project_id, task.stage_id.project_ids)

    def test_users_are_matched_or_created(self):
        users = [u for u in self.instance.users.values() if u["type"] == "User"]
        self.assertTrue(users)
        for user in users:
            binding = self.binding("openproject.res.users", user["id"])
            self.assertTrue(binding, f"user {user['login']} is not bound")
            odoo_user = binding.odoo_id
            self.assertTrue(odoo_user, f"user {user['login']} has no Odoo user")
            self.assertEqual(odoo_user.login, user["login"])
            self.assertEqual(odoo_user.active, user["status"] != "locked")
            self.assertEqual(odoo_user.company_id, self.backend.company_id)
            self.assertTrue(odoo_user.has_group("hr_timesheet.group_hr_timesheet_user"))
            self.assertTrue(odoo_user.has_group("project.group_project_user"))
        self.assertTrue(
            any(u["status"] == "locked" for u in users), "demo has a locked user"
        )

    def test_deleted_user_goes_to_one_archived_placeholder(self):
        deleted_id = self.instance.meta["deleted_user_id"]
        binding = self.binding("openproject.res.users", deleted_id)
        self.assertEqual(binding.principal_type, "deleted")
        placeholder = self.backend.deleted_user_id
        self.assertTrue(placeholder)
        self.assertFalse(placeholder.active)
        self.assertEqual(binding.odoo_id, placeholder)
        # Something refers to the deleted user in the demo: it became a line
        # or a message of the placeholder.
        lines = self.env["account.analytic.line"].search(
            [("user_id", "=", placeholder.id)]
        )
        messages = self.env["mail.message"].search(
            [("author_id", "=", placeholder.partner_id.id)]
        )
        self.assertTrue(lines or messages)

    def test_work_packages_become_tasks(self):
        bindings = self.bindings("openproject.project.task")
        self.assertEqual(set(bindings.mapped("external_id")), set(self.work_packages))
        high = high_priority_ids(self.instance)
        statuses = self.instance.statuses
        for binding in bindings:
            wp = self.work_packages[binding.external_id]
            task = binding.odoo_id
            self.assertEqual(task.name, wp["subject"])
            self.assertEqual(task.stage_id.name, statuses[wp["status_id"]]["name"])
            self.assertEqual(
                task.project_id,
                self.binding("openproject.project.project", wp["project_id"]).odoo_id,
            )
            self.assertAlmostEqual(task.allocated_hours, wp["estimated_hours"] or 0.0)
            self.assertEqual(task.date_deadline, as_deadline(wp["due_date"]))
            self.assertEqual(task.priority, "1" if wp["priority_id"] in high else "0")
            self.assertEqual(
                task.tag_ids.mapped("name"),
                [self.instance.types[wp["type_id"]]["name"]],
            )
            parent = wp["parent_id"]
            self.assertEqual(
                task.parent_id,
                self.binding("openproject.project.task", parent).odoo_id
                if parent
                else self.env["project.task"],
            )
            if wp["description"]:
                self.assertTrue(task.description, f"task {wp['id']} lost its text")
            self.assertEqual(task.company_id, self.backend.company_id)
            self.assertEqual(task.openproject_external_id, wp["id"])
            assignee = self.instance.users.get(wp["assignee_id"])
            if assignee and assignee["type"] == "User":
                self.assertEqual(
                    task.user_ids,
                    self.binding("openproject.res.users", assignee["id"]).odoo_id,
                )
            elif assignee:
                self.assertFalse(task.user_ids)
                self.assertIn(assignee["name"], binding.assignee_note)
            else:
                self.assertFalse(task.user_ids)

    def test_closed_work_packages_and_milestones_are_included(self):
        closed = [
            wp
            for wp in self.work_packages.values()
            if self.instance.statuses[wp["status_id"]]["is_closed"]
        ]
        self.assertTrue(closed, "the demo instance has closed work packages")
        for wp in closed:
            task = self.binding("openproject.project.task", wp["id"]).odoo_id
            self.assertTrue(task.stage_id.fold)
        milestone_types = {
            tid for tid, t in self.instance.types.items() if t["is_milestone"]
        }
        milestones = [
            wp for wp in self.work_packages.values() if wp["type_id"] in milestone_types
        ]
        self.assertTrue(milestones, "the demo instance has a milestone")
        for wp in milestones:
            task = self.binding("openproject.project.task", wp["id"]).odoo_id
            self.assertEqual(task.date_deadline, as_deadline(wp["due_date"]))
            self.assertTrue(task.date_deadline)

    def test_activities_become_messages(self):
        bindings = self.bindings("openproject.mail.message")
        self.assertEqual(set(bindings.mapped("external_id")), set(self.activities))
        comment_subtype = self.env.ref("connector_openproject.mt_openproject_comment")
        update_subtype = self.env.ref("connector_openproject.mt_openproject_update")
        for binding in bindings:
            activity = self.activities[binding.external_id]
            task = self.binding(
                "openproject.project.task", activity["work_package_id"]
            ).odoo_id
            self.assertEqual(binding.model, "project.task")
            self.assertEqual(binding.res_id, task.id)
            kind = activity_kind(activity)
            self.assertEqual(binding.activity_type, kind)
            self.assertEqual(
                binding.subtype_id,
                comment_subtype if kind == "comment" else update_subtype,
            )
            author = self.binding("openproject.res.users", activity["user_id"]).odoo_id
            self.assertEqual(binding.author_id, author.partner_id)
            self.assertEqual(
                binding.date.isoformat(timespec="seconds"),
                activity["created_at"][:19],
            )
            if kind == "update":
                self.assertIn("<li>", binding.body)

    def test_import_sends_no_mail_and_subscribes_nobody(self):
        self.assertEqual(self.env["mail.mail"].search_count([]), self.mails_before)
        self.assertEqual(
            self.env["mail.notification"].search_count([]), self.notifications_before
        )
        tasks = self.bindings("openproject.project.task").odoo_id
        followers = tasks.message_follower_ids.partner_id
        imported_partners = self.bindings("openproject.res.users").odoo_id.partner_id
        self.assertFalse(followers & imported_partners)

    def test_time_entries_become_timesheet_lines(self):
        bindings = self.bindings("openproject.account.analytic.line")
        self.assertEqual(set(bindings.mapped("external_id")), set(self.time_entries))
        activities = self.instance.time_entry_activities
        for binding in bindings:
            entry = self.time_entries[binding.external_id]
            self.assertEqual(binding.date, as_date(entry["spent_on"]))
            self.assertAlmostEqual(binding.unit_amount, entry["hours"], places=4)
            self.assertEqual(binding.name, entry["comment"].strip() or "/")
            self.assertEqual(
                binding.openproject_activity, activities[entry["activity_id"]]["name"]
            )
            user = self.binding("openproject.res.users", entry["user_id"]).odoo_id
            self.assertEqual(binding.employee_id.user_id, user)
            self.assertEqual(binding.employee_id.company_id, self.backend.company_id)
            if entry["work_package_id"]:
                task = self.binding(
                    "openproject.project.task", entry["work_package_id"]
                ).odoo_id
                self.assertEqual(binding.task_id, task)
                self.assertEqual(binding.project_id, task.project_id)
            else:
                self.assertFalse(binding.task_id)
                self.assertEqual(
                    binding.project_id,
                    self.binding(
                        "openproject.project.project", entry["project_id"]
                    ).odoo_id,
                )
        multi_day = [e for e in self.time_entries.values() if e["hours"] >= 24]
        self.assertTrue(multi_day, "the demo instance has multi-day entries")
        running = [e for e in self.instance.time_entries.values() if e["ongoing"]]
        self.assertTrue(running, "the demo instance has a running timer")
        for entry in running:
            self.assertFalse(
                self.binding("openproject.account.analytic.line", entry["id"])
            )

    def test_backend_reports_the_last_sync(self):
        backend = self.backend
        self.assertTrue(backend.last_sync_date)
        expected = (
            len(self.instance.statuses)
            + len(self.instance.projects)
            + len(self.work_packages)
            + len(self.activities)
            + len(self.time_entries)
        )
        self.assertGreaterEqual(backend.last_sync_created, expected)
        self.assertEqual(backend.last_sync_failed, 0)
        self.assertEqual(backend.project_count, len(self.instance.projects))
        self.assertEqual(backend.task_count, len(self.work_packages))
        self.assertEqual(backend.timesheet_count, len(self.time_entries))

    def test_second_sync_creates_and_changes_nothing(self):
        counts = {
            model: len(self.bindings(model))
            for model in (
                "openproject.res.users",
                "openproject.project.project",
                "openproject.project.task",
                "openproject.account.analytic.line",
                "openproject.mail.message",
                "openproject.project.task.type",
            )
        }
        users = self.env["res.users"].with_context(active_test=False).search_count([])
        employees = (
            self.env["hr.employee"].with_context(active_test=False).search_count([])
        )
        outcome = self.sync()
        self.assertFalse(outcome["failed"])
        for model, count in counts.items():
            self.assertEqual(len(self.bindings(model)), count, model)
        self.assertEqual(
            self.env["res.users"].with_context(active_test=False).search_count([]),
            users,
        )
        self.assertEqual(
            self.env["hr.employee"].with_context(active_test=False).search_count([]),
            employees,
        )
        self.backend.invalidate_recordset()
        self.assertEqual(self.backend.last_sync_created, 0)
        self.assertEqual(self.backend.last_sync_updated, 0)
        self.assertEqual(self.backend.last_sync_failed, 0)
