# Copyright 2026 The connector_openproject authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import logging

from odoo.tests import tagged

from openproject_emulator import Instance

from .common import API_KEY, OpenProjectCase, run_jobs
from .expected import (
    as_date,
    expected_activities,
    expected_time_entries,
    expected_work_packages,
    synced_project_ids,
)


@tagged("post_install", "-at_install")
class TestIncrementalSync(OpenProjectCase):
    """Syncs after changes in OpenProject bring Odoo to the same state."""

    def setUp(self):
        super().setUp()
        # Each scenario changes the instance: it gets its own.
        self.instance = Instance.demo()
        self.server = self.start_emulator(self.instance)
        self.backend = self.env["openproject.backend"].create(
            {
                "name": "Scenario OpenProject",
                "url": self.server.url,
                "api_key": API_KEY,
                "sweep_interval_hours": 0,
                "retry_backoff": 0.01,
            }
        )

    def assert_mirrors(self):
        """Odoo holds exactly what OpenProject shows, record by record."""
        failed = self.failed_jobs()
        self.assertFalse(
            failed, "\n".join(f"{j.name}: {j.exc_message}" for j in failed)
        )
        inst = self.instance
        project_ids = synced_project_ids(inst)
        wps = expected_work_packages(inst, project_ids)
        tasks = self.bindings("openproject.project.task")
        active = tasks.filtered("active")
        self.assertEqual(sorted(active.mapped("external_id")), sorted(wps))
        self.assertEqual(len(tasks), len(set(tasks.mapped("external_id"))))
        for binding in active:
            wp = wps[binding.external_id]
            self.assertEqual(binding.name, wp["subject"])
            self.assertEqual(
                binding.stage_id.name, inst.statuses[wp["status_id"]]["name"]
            )
            self.assertAlmostEqual(binding.allocated_hours, wp["estimated_hours"] or 0)
            self.assertEqual(
                binding.project_id,
                self.binding("openproject.project.project", wp["project_id"]).odoo_id,
            )
        entries = expected_time_entries(inst, project_ids)
        lines = self.bindings("openproject.account.analytic.line")
        # Hours booked on a project archived since stay in Odoo: archiving in
        # OpenProject hides them, it does not undo the work.
        archived = set(inst.projects) - project_ids
        kept = lines.filtered(lambda line: line.project_external_id in archived)
        for line in kept:
            self.assertIn(line.external_id, inst.time_entries)
        lines -= kept
        self.assertEqual(sorted(lines.mapped("external_id")), sorted(entries))
        for line in lines:
            entry = entries[line.external_id]
            self.assertAlmostEqual(line.unit_amount, entry["hours"], places=4)
            self.assertEqual(line.date, as_date(entry["spent_on"]))
        activities = expected_activities(inst, set(wps))
        messages = self.bindings("openproject.mail.message")
        self.assertEqual(len(messages), len(set(messages.mapped("external_id"))))
        self.assertLessEqual(set(activities), set(messages.mapped("external_id")))
        for project_id, project in inst.projects.items():
            binding = self.binding("openproject.project.project", project_id)
            self.assertEqual(binding.odoo_id.active, project["active"])
            self.assertEqual(binding.name, project["name"])

    def some_wp(self, project_id=None, leaf=True):
        parents = {wp["parent_id"] for wp in self.instance.work_packages.values()}
        for wp_id, wp in sorted(self.instance.work_packages.items()):
            if project_id and wp["project_id"] != project_id:
                continue
            if not self.instance.projects[wp["project_id"]]["active"]:
                continue
            if leaf and wp_id in parents:
                continue
            return wp_id
        raise AssertionError("no work package to change")

    def test_changes_over_time_converge(self):
        inst = self.instance
        self.sync()
        self.assert_mirrors()
        steps = [
            ("create", lambda: inst.create_work_package(1, "Written after the sync")),
            (
                "update",
                lambda: inst.update_work_package(
                    self.some_wp(),
                    subject="Renamed in OpenProject",
                    estimated_hours=50.5,
                ),
            ),
            ("delete", lambda: inst.delete_work_package(self.some_wp(3))),
            ("move", lambda: inst.move_work_package(self.some_wp(1), 3)),
            ("archive", lambda: inst.archive_project(2, True)),
            ("unarchive", lambda: inst.archive_project(2, False)),
            ("comment", lambda: inst.add_comment(self.some_wp(), 1, "A new comment")),
            (
                "duration",
                lambda: inst.update_time_entry(
                    next(
                        t
                        for t, e in sorted(inst.time_entries.items())
                        if not e["ongoing"] and inst.projects[e["project_id"]]["active"]
                    ),
                    hours=49.25,
                ),
            ),
            (
                "lock user",
                lambda: inst.lock_user(
                    next(
                        u
                        for u, r in sorted(inst.users.items())
                        if r["type"] == "User"
                        and r["status"] == "active"
                        and u != inst.meta["api_user_id"]
                    )
                ),
            ),
            (
                "rename status",
                lambda: inst.rename_status(
                    next(iter(inst.statuses)), "Freshly renamed"
                ),
            ),
            (
                "subproject",
                lambda: inst.create_project(
                    "A new subproject", "new-subproject", parent_id=3
                ),
            ),
        ]
        for label, change in steps:
            with self.subTest(step=label):
                change()
                self.sync()
                self.assert_mirrors()

    def test_deleted_work_package_task_is_archived_with_a_note(self):
        self.sync()
        wp_id = self.some_wp()
        self.instance.delete_work_package(wp_id)
        self.sync()
        binding = self.binding("openproject.project.task", wp_id)
        self.assertFalse(binding.active)
        self.assertIn("deleted in OpenProject", binding.message_ids[:1].body)

    def test_moved_to_an_unsynced_project_archives_the_task(self):
        self.sync()
        target = self.binding("openproject.project.project", 3)
        target.sync = False
        wp_id = self.some_wp(1)
        self.instance.move_work_package(wp_id, 3)
        self.sync()
        binding = self.binding("openproject.project.task", wp_id)
        self.assertFalse(binding.active)
        self.assertIn("not synced", binding.message_ids[:1].body)

    def test_time_entry_moved_to_an_unsynced_project_leaves_odoo(self):
        """Its hours are no longer this project's: the line is removed (and
        said so), like a deleted entry; one moved to a synced project moves."""
        self.sync()
        self.binding("openproject.project.project", 3).sync = False
        entries = sorted(
            entry_id
            for entry_id, entry in self.instance.time_entries.items()
            if entry["project_id"] == 1 and not entry["ongoing"]
        )
        gone, moved = entries[0], entries[1]
        self.assertTrue(self.binding("openproject.account.analytic.line", gone))
        self.instance.update_time_entry(gone, project_id=3, work_package_id=None)
        target = next(
            p_id for p_id in synced_project_ids(self.instance) if p_id not in (1, 3)
        )
        self.instance.update_time_entry(moved, project_id=target, work_package_id=None)
        self.sync()
        self.assertFalse(self.binding("openproject.account.analytic.line", gone))
        events = self.env["openproject.sync.event"].search(
            [("backend_id", "=", self.backend.id), ("external_id", "=", gone)]
        )
        self.assertTrue(
            any(
                "whose time entries are not synced" in (e.message or "") for e in events
            ),
            events.mapped("message"),
        )
        line = self.binding("openproject.account.analytic.line", moved)
        self.assertEqual(
            line.project_id,
            self.binding("openproject.project.project", target).odoo_id,
        )
        self.assertFalse(self.failed_jobs())
        # The next sync leaves it so.
        self.sync()
        self.assertFalse(self.binding("openproject.account.analytic.line", gone))
        self.assertEqual(
            self.binding("openproject.account.analytic.line", moved).odoo_id,
            line.odoo_id,
        )

    def test_manual_user_mapping_survives_later_syncs(self):
        self.sync()
        user_id = next(
            u
            for u, r in sorted(self.instance.users.items())
            if r["type"] == "User" and u != self.instance.meta["api_user_id"]
        )
        binding = self.binding("openproject.res.users", user_id)
        chosen = self.env.ref("base.user_admin")
        binding.odoo_id = chosen
        self.instance.lock_user(user_id)
        self.sync()
        self.assertEqual(binding.odoo_id, chosen)
        self.assertTrue(chosen.active, "a hand-mapped user is not archived")

    def test_time_entries_skipped_for_an_unmapped_user_come_after_mapping(self):
        self.backend.create_users = False
        self.sync()
        project_ids = synced_project_ids(self.instance)
        expected = expected_time_entries(self.instance, project_ids)
        unmapped = self.bindings("openproject.res.users").filtered(
            lambda b: (
                not b.odoo_id
                and any(e["user_id"] == b.external_id for e in expected.values())
            )
        )
        self.assertTrue(unmapped, "some users match no Odoo user")
        binding = unmapped[0]
        theirs = {t for t, e in expected.items() if e["user_id"] == binding.external_id}
        imported = set(
            self.bindings("openproject.account.analytic.line").mapped("external_id")
        )
        self.assertFalse(theirs & imported)
        # A manager maps the user by hand; nothing changes in OpenProject.
        binding.odoo_id = self.env["res.users"].create(
            {"name": "Mapped by hand", "login": "mapped-by-hand"}
        )
        self.sync()
        imported = set(
            self.bindings("openproject.account.analytic.line").mapped("external_id")
        )
        self.assertEqual(theirs - imported, set())

    def test_a_record_stamped_in_the_future_does_not_stop_the_sync(self):
        self.sync()
        wps = sorted(
            expected_work_packages(self.instance, synced_project_ids(self.instance))
        )
        future, later = wps[0], wps[1]
        self.instance.work_packages[future]["api_overrides"] = {
            "updatedAt": "2999-01-01T00:00:00Z"
        }
        self.instance.update_work_package(future, subject="From a wrong clock")
        self.sync()
        checkpoints = self.env["openproject.sync.checkpoint"].search(
            [("backend_id", "=", self.backend.id)]
        )
        for checkpoint in checkpoints.filtered("updated_since"):
            self.assertLessEqual(checkpoint.updated_since.year, 2100)
        self.instance.update_work_package(later, subject="Changed after that")
        self.sync()
        self.assertEqual(
            self.binding("openproject.project.task", later).name, "Changed after that"
        )

    def test_no_change_sync_costs_one_request_per_collection_per_project(self):
        self.backend.sweep_interval_hours = 1000
        self.sync()
        self.server.clear_log()
        self.sync()
        self.backend.invalidate_recordset()
        self.assertEqual(self.backend.last_sync_created, 0)
        self.assertEqual(self.backend.last_sync_updated, 0)
        paths = [r.path for r in self.server.request_log]
        synced = len(synced_project_ids(self.instance))
        per_project = [p for p in paths if "work_packages" in p or "time_entries" in p]
        self.assertEqual(len(per_project), 2 * synced, per_project)
        # root, users/me, priorities, types, statuses, users, projects
        self.assertLessEqual(len(paths) - len(per_project), 7, paths)

    def test_failed_job_is_healed_by_the_next_sync(self):
        self.sync()
        self.instance.create_work_package(1, "Created while the server struggles")
        wp_id = max(self.instance.work_packages)
        # Every request for project 1's work packages fails for a while.
        self.server.inject("500", count=100, path="/api/v3/projects/1/work_packages")
        self.sync()
        self.assertFalse(self.binding("openproject.project.task", wp_id))
        self.server.clear_faults()
        self.sync()
        self.assertTrue(self.binding("openproject.project.task", wp_id))
        self.assert_mirrors_ignoring_old_failures()

    def assert_mirrors_ignoring_old_failures(self):
        self.failed_jobs().write({"state": "cancelled"})
        self.assert_mirrors()

    def test_sync_under_fault_injection_reaches_the_same_state(self):
        self.server.set_fault_rates(
            error_500=0.15, throttle_429=0.05, malformed=0.01, drop=0.01, seed=7
        )
        records = []
        handler = logging.Handler(logging.DEBUG)
        handler.emit = records.append
        root = logging.getLogger()
        root.addHandler(handler)
        self.addCleanup(root.removeHandler, handler)
        self.backend.action_run_import()
        outcome = run_jobs(self.env)
        self.server.clear_faults()
        self.assertTrue(outcome["done"])
        self.assert_mirrors()
        # Retries and failures were logged and stored on jobs, never the key.
        self.assertTrue(records)
        for record in records:
            self.assertNotIn(API_KEY, record.getMessage())
        for job in self.env["queue.job"].search([]):
            for text in (job.exc_info, job.exc_message, job.result, str(job.args)):
                self.assertNotIn(API_KEY, text or "")
