# Copyright 2026 The connector_openproject authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo.tests import tagged

from .common import OpenProjectCase, run_jobs
from .expected import expected_activities, expected_work_packages


@tagged("post_install", "-at_install")
class TestProjectSettings(OpenProjectCase):
    """Each project's sync settings, set by a connector manager, are honoured."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.backend.default_project_sync = False

    def active_project_with_content(self):
        counts = {}
        for wp in self.instance.work_packages.values():
            counts[wp["project_id"]] = counts.get(wp["project_id"], 0) + 1
        return max(
            (pid for pid, p in self.instance.projects.items() if p["active"]),
            key=lambda pid: counts.get(pid, 0),
        )

    def test_projects_are_listed_but_unsynced_ones_get_nothing(self):
        self.sync()
        bindings = self.bindings("openproject.project.project")
        self.assertEqual(
            set(bindings.mapped("external_id")), set(self.instance.projects)
        )
        self.assertFalse(bindings.filtered("sync"))
        self.assertFalse(bindings.odoo_id)
        self.assertFalse(self.bindings("openproject.project.task"))
        self.assertFalse(self.bindings("openproject.account.analytic.line"))

    def test_descriptions_off_then_on(self):
        self.sync()
        pid = self.active_project_with_content()
        binding = self.binding("openproject.project.project", pid)
        binding.write({"sync": True, "sync_description": False})
        self.sync()
        tasks = self.bindings("openproject.project.task")
        expected = expected_work_packages(self.instance, {pid})
        self.assertEqual(set(tasks.mapped("external_id")), set(expected))
        self.assertTrue(any(wp["description"] for wp in expected.values()))
        self.assertFalse(any(tasks.mapped("description")))
        # Turning descriptions on re-imports them without any manual force.
        binding.sync_description = True
        self.assertTrue(binding.resync_needed)
        self.sync()
        for task in tasks:
            self.assertEqual(
                bool(task.description),
                bool(self.instance.work_packages[task.external_id]["description"]),
            )
        self.assertFalse(binding.resync_needed)

    def test_a_setting_changed_during_a_sync_is_not_forgotten(self):
        self.sync()
        pid = self.active_project_with_content()
        binding = self.binding("openproject.project.project", pid)
        binding.write({"sync": True, "sync_description": False})
        self.sync()
        binding.sync_description = True
        # The listing job of that sync runs and queues its pages and its
        # finishing job; then the manager changes another setting.
        binding.import_work_packages()
        binding.activity_filter = "comments"
        run_jobs(self.env)
        self.assertTrue(binding.resync_needed, "the newer request is kept")
        self.sync()
        self.assertFalse(binding.resync_needed)

    def test_each_activity_filter(self):
        self.sync()
        pid = self.active_project_with_content()
        binding = self.binding("openproject.project.project", pid)
        wp_ids = set(expected_work_packages(self.instance, {pid}))
        for wanted in ("none", "comments", "updates", "all"):
            binding.write({"sync": True, "activity_filter": wanted})
            self.sync()
            messages = self.bindings("openproject.mail.message")
            expected = (
                {}
                if wanted == "none"
                else expected_activities(self.instance, wp_ids, wanted)
            )
            if wanted == "updates":
                # Comments imported under the previous filter stay: a filter
                # says what to import, it does not delete history.
                expected = {
                    **expected,
                    **expected_activities(self.instance, wp_ids, "comments"),
                }
            self.assertEqual(set(messages.mapped("external_id")), set(expected), wanted)

    def test_time_entries_setting(self):
        self.sync()
        pid = self.active_project_with_content()
        binding = self.binding("openproject.project.project", pid)
        binding.write({"sync": True, "sync_time_entries": False})
        self.sync()
        self.assertTrue(self.bindings("openproject.project.task"))
        self.assertFalse(self.bindings("openproject.account.analytic.line"))
        binding.sync_time_entries = True
        self.sync()
        entries = {
            te_id
            for te_id, te in self.instance.time_entries.items()
            if te["project_id"] == pid and not te["ongoing"]
        }
        self.assertTrue(entries)
        self.assertEqual(
            set(
                self.bindings("openproject.account.analytic.line").mapped("external_id")
            ),
            entries,
        )

    def test_existing_odoo_project_chosen_by_hand_receives_the_work(self):
        existing = self.env["project.project"].create(
            {"name": "Planned and invoiced here", "allow_timesheets": True}
        )
        self.sync()
        pid = self.active_project_with_content()
        binding = self.binding("openproject.project.project", pid)
        binding.write({"sync": True, "odoo_id": existing.id})
        self.sync()
        tasks = self.bindings("openproject.project.task")
        self.assertTrue(tasks)
        self.assertEqual(tasks.project_id, existing)
        self.assertEqual(existing.name, "Planned and invoiced here", "not renamed")
        lines = self.bindings("openproject.account.analytic.line")
        self.assertEqual(lines.project_id, existing)
