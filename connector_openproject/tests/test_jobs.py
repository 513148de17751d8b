# Copyright 2026 The connector_openproject authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import math

from odoo.tests import tagged

from .common import API_KEY, OpenProjectCase, run_jobs
from .expected import expected_work_packages, synced_project_ids

PAGE_SIZE = 5


@tagged("post_install", "-at_install")
class TestJobs(OpenProjectCase):
    """How a sync is started and split into jobs."""

    # A small server page size makes several pages per project.
    emulator_options = {"max_page_size": PAGE_SIZE}

    def setUp(self):
        super().setUp()
        # Jobs another test committed (by real workers) are not this test's.
        self.first_job_id = (
            self.env["queue.job"].search([], order="id desc", limit=1).id or 0
        )

    def jobs(self, method=None, state=None):
        domain = [
            ("channel", "=like", "root.openproject%"),
            ("id", ">", self.first_job_id),
        ]
        if method:
            domain.append(("method_name", "=", method))
        if state:
            domain.append(("state", "=", state))
        return self.env["queue.job"].search(domain)

    def test_run_import_enqueues_one_sync_job_on_the_channel(self):
        self.backend.action_run_import()
        self.backend.action_run_import()
        jobs = self.jobs("sync_backend")
        self.assertEqual(len(jobs), 1, "a second click while one is pending adds none")
        self.assertEqual(jobs.channel, "root.openproject")
        self.assertEqual(jobs.model_name, "openproject.backend")
        self.assertEqual(jobs.records, self.backend)

    def test_cron_syncs_every_active_backend_and_leaves_inactive_ones(self):
        inactive = self.env["openproject.backend"].create(
            {
                "name": "Switched off",
                "url": self.server.url,
                "api_key": API_KEY,
                "active": False,
            }
        )
        cron = self.env.ref("connector_openproject.ir_cron_openproject_sync")
        self.assertEqual(cron.name, "OpenProject Sync")
        cron.method_direct_trigger()
        jobs = self.jobs("sync_backend")
        self.assertIn(self.backend, jobs.records)
        self.assertNotIn(inactive, jobs.mapped("records"))
        run_jobs(self.env)
        self.assertTrue(self.bindings("openproject.project.task"))
        self.assertFalse(self.bindings("openproject.project.task", backend=inactive))

    def test_job_count_grows_with_pages_not_records(self):
        self.sync()
        self.assertFalse(self.failed_jobs())
        project_ids = synced_project_ids(self.instance)
        work_packages = expected_work_packages(self.instance, project_ids)
        per_project = [
            sum(1 for wp in work_packages.values() if wp["project_id"] == pid)
            for pid in project_ids
        ]
        # The walk restarts each page at the last updatedAt it saw (inclusive,
        # for records sharing it), so a page after the first brings at least
        # PAGE_SIZE - 1 new records.
        fewest = sum(math.ceil(n / PAGE_SIZE) for n in per_project)
        most = sum(
            1 + math.ceil(max(n - PAGE_SIZE, 0) / (PAGE_SIZE - 1)) for n in per_project
        )
        page_jobs = self.env["queue.job"].search(
            [
                ("model_name", "=", "openproject.project.task"),
                ("method_name", "=", "import_records"),
                ("id", ">", self.first_job_id),
            ]
        )
        self.assertGreaterEqual(len(page_jobs), fewest)
        self.assertLessEqual(len(page_jobs), most)
        self.assertLess(len(page_jobs), len(work_packages) / 3)
        for job in page_jobs:
            self.assertLessEqual(len(job.args[1]), PAGE_SIZE)
        self.assertEqual(set(page_jobs.mapped("channel")), {"root.openproject"})
        self.assertEqual(
            set(self.bindings("openproject.project.task").mapped("external_id")),
            set(work_packages),
        )

    def test_job_functions_exist_for_every_concrete_binding_model(self):
        Function = self.env["queue.job.function"]
        for model in (
            "openproject.res.users",
            "openproject.project.project",
            "openproject.project.task",
            "openproject.account.analytic.line",
            "openproject.mail.message",
            "openproject.project.task.type",
        ):
            for method in ("import_record", "import_records"):
                function = Function.search([("name", "=", f"<{model}>.{method}")])
                self.assertEqual(function.channel, "root.openproject", model)
                self.assertTrue(function.retry_pattern)

    def test_related_action_opens_the_record_in_openproject(self):
        wp_id = next(iter(self.instance.work_packages))
        self.env["openproject.project.task"].delayed_import_record(self.backend, wp_id)
        job = self.jobs("import_record")
        action = job.open_related_action()
        self.assertEqual(action["type"], "ir.actions.act_url")
        self.assertEqual(action["url"], f"{self.server.url}/work_packages/{wp_id}")
