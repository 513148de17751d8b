# Copyright 2026 The connector_openproject authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import os
import subprocess
import sys
import tempfile

from odoo import SUPERUSER_ID, api
from odoo.tests import common, tagged
from odoo.tools import config

from openproject_emulator import EmulatorServer, generate_instance

from .common import API_KEY, LoopbackRequestsMixin
from .expected import (
    expected_time_entries,
    expected_work_packages,
    synced_project_ids,
)

# One job worker, in a process of its own with its own registry and
# connections, as a queue_job worker is: it takes the next pending job of the
# connector's channel the way queue_job's runner does (SKIP LOCKED, priority,
# eta) and runs it through queue_job's own controller code, which performs,
# commits, postpones on RetryableJobError and stores failures.
WORKER = r"""
import sys, time
import psycopg2
import odoo
from odoo.tools import config
config.parse_config(["-c", sys.argv[1], "--logfile", sys.argv[3]])
odoo.modules.module.initialize_sys_path()
from odoo import SUPERUSER_ID, api
from odoo.modules.registry import Registry
from odoo.addons.queue_job.controllers.main import RunJobController

registry = Registry(sys.argv[2])
deadline = time.monotonic() + float(sys.argv[4])
ran = 0
while time.monotonic() < deadline:
    with registry.cursor() as cr:
        try:
            cr.execute(
                "SELECT uuid FROM queue_job WHERE state = 'pending' "
                "AND channel LIKE 'root.openproject%%' "
                "AND (eta IS NULL OR eta <= now() at time zone 'utc') "
                "ORDER BY priority, date_created, id LIMIT 1 FOR UPDATE SKIP LOCKED"
            )
        except psycopg2.errors.SerializationFailure:
            # The other worker changed that job row meanwhile: look again.
            cr.rollback()
            continue
        row = cr.fetchone()
        if not row:
            cr.execute(
                "SELECT count(*) FROM queue_job WHERE channel LIKE "
                "'root.openproject%%' AND state IN "
                "('pending', 'enqueued', 'started', 'wait_dependencies')"
            )
            if not cr.fetchone()[0]:
                print(f"worker done: {ran} jobs run")
                sys.exit(0)
            cr.rollback()
            time.sleep(0.2)
            continue
        cr.execute("UPDATE queue_job SET state = 'enqueued' WHERE uuid = %s", row)
        cr.commit()
        env = api.Environment(cr, SUPERUSER_ID, {})
        job = RunJobController._acquire_job(env, row[0])
        if not job:
            continue
        ran += 1
        try:
            RunJobController._runjob(env, job)
        except Exception:
            cr.rollback()  # the failure is stored on the job
            continue
        cr.commit()
print("worker stopped at its deadline")
sys.exit(3)
"""


@tagged("post_install", "-at_install")
class TestConcurrentSyncs(LoopbackRequestsMixin, common.TransactionCase):
    """Two syncs of one backend run at once by two job workers."""

    def _archive_backend(self, backend_id):
        # The workers commit: leave the backend switched off for later tests.
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            env["openproject.backend"].browse(backend_id).active = False

    def test_two_concurrent_syncs_leave_no_duplicate_and_lose_nothing(self):
        instance = generate_instance(
            projects=3,
            work_packages=60,
            time_entries=80,
            activities=90,
            users=6,
            seed=3,
        )
        server = EmulatorServer(instance, api_key=API_KEY, max_page_size=10).start()
        self.addCleanup(server.stop)
        registry = self.registry
        # The workers see only committed data: the backend is committed too.
        with registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            backend = env["openproject.backend"].create(
                {
                    "name": "Concurrency",
                    "url": server.url,
                    "api_key": API_KEY,
                    "retry_backoff": 0.01,
                }
            )
            backend_id = backend.id
            self.addCleanup(self._archive_backend, backend_id)
            backend.action_run_import()
            # A second sync, queued without the identity key on purpose.
            backend.with_delay(channel="root.openproject").sync_backend()
            cr.commit()
        workdir = tempfile.mkdtemp(prefix="op-workers-")
        workers = [
            subprocess.Popen(
                [
                    sys.executable,
                    "-c",
                    WORKER,
                    config.rcfile,
                    self.env.cr.dbname,
                    os.path.join(workdir, f"worker{n}.log"),
                    "240",
                ],
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
            for n in range(2)
        ]
        outputs = [worker.communicate(timeout=300)[0] for worker in workers]
        for worker, output in zip(workers, outputs, strict=True):
            self.assertEqual(worker.returncode, 0, output)
            self.assertIn("worker done", output)
        # Both workers took jobs: the two syncs really ran side by side.
        ran = [int(output.split("worker done: ")[1].split()[0]) for output in outputs]
        self.assertTrue(all(ran), ran)
        with registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            jobs = env["queue.job"].search([("channel", "=like", "root.openproject%")])
            self.assertFalse(
                jobs.filtered(lambda j: j.state != "done"),
                "\n".join(
                    f"{j.state} {j.name}: {j.exc_message}"
                    for j in jobs.filtered(lambda j: j.state != "done")
                ),
            )
            project_ids = synced_project_ids(instance)
            for model, expected in (
                (
                    "openproject.project.task",
                    expected_work_packages(instance, project_ids),
                ),
                (
                    "openproject.account.analytic.line",
                    expected_time_entries(instance, project_ids),
                ),
                ("openproject.project.project", instance.projects),
            ):
                bindings = (
                    env[model]
                    .with_context(active_test=False)
                    .search([("backend_id", "=", backend_id)])
                )
                ids = bindings.mapped("external_id")
                self.assertEqual(len(ids), len(set(ids)), f"duplicates in {model}")
                self.assertEqual(set(ids), set(expected), model)
