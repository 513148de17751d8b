# Copyright 2026 The connector_openproject authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Test base: a real OpenProject emulator over HTTP, and a queue job runner.

The emulator (the ``openproject_emulator`` package of this repository, a
development dependency) serves the demo instance on 127.0.0.1. Jobs are
stored by ``with_delay`` as in production and performed by
:func:`run_jobs`, which follows what queue_job's runner does (pick the
pending jobs of the channel, perform, mark done, release dependent jobs,
postpone on RetryableJobError, fail on anything else) inside the test
transaction.
"""

import logging
from urllib.parse import urlsplit

from odoo.tests import common

from odoo.addons.queue_job.exception import RetryableJobError
from odoo.addons.queue_job.job import Job

from openproject_emulator import EmulatorServer, Instance

_logger = logging.getLogger(__name__)

API_KEY = "test-api-key-5c1d"


def run_jobs(env, channel="root.openproject", max_jobs=5000, skip_methods=()):
    """Perform the channel's pending jobs until none is left; return them.

    ``skip_methods``: job methods left pending, as if no worker took them yet.

    :returns: dict with the lists of job uuids ``done`` and ``failed``.
    """
    outcome = {"done": [], "failed": []}
    Queue = env["queue.job"]
    for _count in range(max_jobs):
        env.flush_all()
        record = Queue.search(
            [
                ("state", "=", "pending"),
                ("channel", "=like", f"{channel}%"),
                ("method_name", "not in", list(skip_methods)),
            ],
            order="priority, date_created, id",
            limit=1,
        )
        if not record:
            return outcome
        job = Job.load(env, record.uuid)
        job.set_started()
        job.store()
        try:
            with env.cr.savepoint():
                job.perform()
                env.flush_all()
        except RetryableJobError as err:
            job.postpone(result=str(err), seconds=err.seconds)
            job.set_pending(reset_retry=False)
            job.store()
            continue
        except Exception as err:  # noqa: BLE001 - recorded on the job like the runner
            job.set_failed(exc_name=type(err).__name__, exc_message=str(err))
            job.store()
            outcome["failed"].append(record.uuid)
            continue
        job.set_done()
        job.store()
        env.flush_all()
        job.enqueue_waiting()
        outcome["done"].append(record.uuid)
    raise AssertionError(f"More than {max_jobs} jobs: the sync does not converge")


class LoopbackRequestsMixin:
    """Let test requests reach the emulator on 127.0.0.1.

    Odoo's test guard lets loopback through but compares the timeout with a
    number, and the client sends a (connect, read) pair.
    """

    @classmethod
    def _request_handler(cls, session, request, /, **kw):
        if urlsplit(request.url).hostname in ("127.0.0.1", "localhost"):
            return common._super_send(session, request, **kw)
        return super()._request_handler(session, request, **kw)


class OpenProjectCase(LoopbackRequestsMixin, common.TransactionCase):
    """A backend connected to a fresh demo instance served by the emulator."""

    emulator_options = {}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.instance = Instance.demo()
        cls.server = cls.start_emulator(cls.instance, **cls.emulator_options)
        cls.backend = cls.env["openproject.backend"].create(
            {
                "name": "Demo OpenProject",
                "url": cls.server.url,
                "api_key": API_KEY,
                "timeout": 10,
            }
        )

    @classmethod
    def start_emulator(cls, instance, **options):
        server = EmulatorServer(instance, api_key=API_KEY, **options)
        server.start()
        cls.addClassCleanup(server.stop)
        return server

    def sync(self, backend=None):
        """Run Import, then perform every job it leads to."""
        (backend or self.backend).action_run_import()
        return run_jobs(self.env)

    def binding(self, model, external_id, backend=None):
        return (
            self.env[model]
            .with_context(active_test=False)
            .search(
                [
                    ("backend_id", "=", (backend or self.backend).id),
                    ("external_id", "=", external_id),
                ]
            )
        )

    def bindings(self, model, backend=None):
        return (
            self.env[model]
            .with_context(active_test=False)
            .search([("backend_id", "=", (backend or self.backend).id)])
        )

    def failed_jobs(self):
        return self.env["queue.job"].search(
            [("state", "=", "failed"), ("channel", "=like", "root.openproject%")]
        )
