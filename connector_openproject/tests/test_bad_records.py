# Copyright 2026 The connector_openproject authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from contextlib import contextmanager
from unittest.mock import patch

from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged

from .common import OpenProjectCase, run_jobs
from .expected import (
    expected_activities,
    expected_work_packages,
    synced_project_ids,
)


@contextmanager
def watch_creates(env, model, check=None):
    """Patch ``model.create``: yields the list of its batch sizes; ``check``
    sees every batch first and may raise to refuse it."""
    model_class = type(env[model])
    original_create = model_class.create
    sizes = []

    def create(records, vals_list):
        vals_list = [vals_list] if isinstance(vals_list, dict) else vals_list
        sizes.append(len(vals_list))
        if check:
            check(vals_list)
        return original_create(records, vals_list)

    with patch.object(model_class, "create", create):
        yield sizes


@tagged("post_install", "-at_install")
class TestBadRecords(OpenProjectCase):
    """A record that cannot be imported fails alone, and says why."""

    def pick_work_packages(self, count):
        project_ids = synced_project_ids(self.instance)
        wps = sorted(expected_work_packages(self.instance, project_ids))
        # Leaves only: a child never depends on them.
        parents = {wp["parent_id"] for wp in self.instance.work_packages.values()}
        leaves = [wp_id for wp_id in wps if wp_id not in parents]
        return leaves[:count]

    def users_to_create(self):
        """Active OpenProject users that no Odoo user matches by login."""
        Users = self.env["res.users"].with_context(active_test=False)
        return [
            user
            for user in sorted(self.instance.users.values(), key=lambda u: u["id"])
            if user["type"] == "User"
            and user["status"] == "active"
            and not Users.search_count([("login", "=", user["login"])])
        ]

    def assert_failed_alone(self, wp_id, *words):
        binding = self.binding("openproject.project.task", wp_id)
        self.assertFalse(binding, f"work package {wp_id} should not be imported")
        failed = self.failed_jobs().filtered(
            lambda job: (
                job.model_name == "openproject.project.task"
                and job.method_name == "import_record"
                and job.args[1] == wp_id
            )
        )
        self.assertEqual(len(failed), 1, "the bad record fails in its own job")
        message = failed.exc_message or failed.exc_info or ""
        self.assertIn(f"work package {wp_id}".lower(), message.lower())
        for word in words:
            self.assertIn(word.lower(), message.lower())
        events = self.env["openproject.sync.event"].search(
            [("backend_id", "=", self.backend.id), ("external_id", "=", wp_id)]
        )
        self.assertTrue(events.filtered("message"))

    def test_bad_records_fail_alone_and_the_others_land(self):
        bad_duration, bad_status, bad_project = self.pick_work_packages(3)
        wps = self.instance.work_packages
        wps[bad_duration]["api_overrides"] = {"estimatedTime": "P1X2Y"}
        wps[bad_status]["api_overrides"] = {
            "_links": {"status": {"href": "/api/v3/statuses/9999", "title": "Ghost"}}
        }
        wps[bad_project]["api_overrides"] = {
            "_links": {"project": {"href": "/api/v3/projects/9999", "title": "Gone"}}
        }
        self.sync()
        self.assert_failed_alone(bad_duration, "estimated time", "P1X2Y")
        self.assert_failed_alone(bad_status, "status")
        self.assert_failed_alone(bad_project, "project")
        expected = set(
            expected_work_packages(self.instance, synced_project_ids(self.instance))
        ) - {bad_duration, bad_status, bad_project}
        imported = set(self.bindings("openproject.project.task").mapped("external_id"))
        self.assertEqual(imported, expected)
        # The time entries booked on the three fail with them: their task
        # cannot exist yet. Nothing else fails.
        bad = {bad_duration, bad_status, bad_project}
        dependent = [
            entry
            for entry in self.instance.time_entries.values()
            if entry["work_package_id"] in bad
            and not entry["ongoing"]
            and self.instance.projects[entry["project_id"]]["active"]
        ]
        self.backend.invalidate_recordset()
        self.assertEqual(self.backend.last_sync_failed, 3 + len(dependent))

    def test_fixing_the_record_heals_it_on_the_next_sync(self):
        (bad_duration,) = self.pick_work_packages(1)
        wp = self.instance.work_packages[bad_duration]
        wp["api_overrides"] = {"estimatedTime": "not a duration"}
        self.sync()
        self.assertFalse(self.binding("openproject.project.task", bad_duration))
        del wp["api_overrides"]
        self.instance.update_work_package(bad_duration, subject="Fixed in OpenProject")
        self.sync()
        task = self.binding("openproject.project.task", bad_duration)
        self.assertEqual(task.name, "Fixed in OpenProject")

    def test_a_record_odoo_refuses_fails_alone_out_of_a_batch(self):
        """New tasks are created in one batch per page; when Odoo refuses one
        of them, the others are still created and only that one fails."""
        (refused,) = self.pick_work_packages(1)
        self.instance.update_work_package(refused, subject="Refused by Odoo")

        def refuse(vals_list):
            if any(vals.get("name") == "Refused by Odoo" for vals in vals_list):
                raise ValidationError("A rule of this database refuses the task.")

        with watch_creates(self.env, "project.task", refuse) as batch_sizes:
            self.sync()
        self.assertGreater(max(batch_sizes), 1, "tasks are created in batches")
        self.assertFalse(self.binding("openproject.project.task", refused))
        expected = set(
            expected_work_packages(self.instance, synced_project_ids(self.instance))
        ) - {refused}
        imported = set(self.bindings("openproject.project.task").mapped("external_id"))
        self.assertEqual(imported, expected)
        failed = self.failed_jobs().filtered(
            lambda job: job.method_name == "import_record" and job.args[1] == refused
        )
        self.assertEqual(len(failed), 1)
        self.assertIn("refuses the task", failed.exc_message or "")
        events = self.env["openproject.sync.event"].search(
            [("backend_id", "=", self.backend.id), ("external_id", "=", refused)]
        )
        self.assertTrue(
            any(
                f"work package {refused}" in (event.message or "").lower()
                and "refuses the task" in event.message
                for event in events
            ),
            events.mapped("message"),
        )
        # Unpatched, the next sync heals it.
        self.failed_jobs().write({"state": "cancelled"})
        self.instance.update_work_package(refused, subject="Accepted now")
        self.sync()
        self.assertEqual(
            self.binding("openproject.project.task", refused).name, "Accepted now"
        )

    def _activities_of_one_work_package_cannot_be_read(self, parallel):
        """OpenProject keeps failing on the activities of one work package:
        the other work packages' activities land (read ``parallel`` at a
        time), that one is tried on its own and fails naming its path; once
        OpenProject answers again, the next sync brings them."""
        self.backend.write({"parallel_requests": parallel, "retry_backoff": 0.01})
        project_ids = synced_project_ids(self.instance)
        work_packages = expected_work_packages(self.instance, project_ids)
        expected = expected_activities(self.instance, set(work_packages))
        by_wp = {}
        for act_id, activity in expected.items():
            by_wp.setdefault(activity["work_package_id"], set()).add(act_id)
        # One in the middle of the largest project's activity job.
        bad = sorted(by_wp)[len(by_wp) // 2]
        self.server.inject(
            "500", count=10_000, path=f"/api/v3/work_packages/{bad}/activities"
        )
        self.sync()
        imported = set(self.bindings("openproject.mail.message").mapped("external_id"))
        self.assertEqual(imported, set(expected) - by_wp[bad])
        self.assertTrue(self.binding("openproject.project.task", bad))
        failed = self.failed_jobs()
        self.assertEqual(
            failed.mapped("method_name"), ["import_activities"], failed.mapped("name")
        )
        self.assertEqual(failed.args[1], [bad], "tried again on its own")
        self.assertIn(f"work_packages/{bad}/activities", failed.exc_message or "")
        self.server.clear_faults()
        failed.write({"state": "cancelled"})
        self.sync()
        imported = set(self.bindings("openproject.mail.message").mapped("external_id"))
        self.assertEqual(imported, set(expected))
        self.assertFalse(self.failed_jobs())

    def test_activities_that_cannot_be_read_fail_alone_parallel(self):
        self._activities_of_one_work_package_cannot_be_read(parallel=4)

    def test_activities_that_cannot_be_read_fail_alone_one_at_a_time(self):
        self._activities_of_one_work_package_cannot_be_read(parallel=1)

    def test_parallel_requests_stay_within_bounds(self):
        for value in (0, -1, 17):
            with self.assertRaises(UserError), self.env.cr.savepoint():
                self.backend.parallel_requests = value
                self.env.flush_all()
        self.backend.parallel_requests = 16
        self.assertEqual(self.backend.parallel_requests, 16)

    def test_new_users_come_in_one_batch_and_a_clash_goes_one_by_one(self):
        """The Odoo users a page needs are created in one batch; two
        OpenProject users sharing an e-mail address still end as one linked
        user and one left unlinked with the reason, as one by one."""
        Users = self.env["res.users"].with_context(active_test=False)
        new = self.users_to_create()
        self.assertGreaterEqual(len(new), 4, "the demo has users to create")
        first, second = new[-2], new[-1]
        second["email"] = first["email"].upper()
        with watch_creates(self.env, "res.users") as batches:
            self.sync()
        self.assertGreater(max(batches), 1, "users are created in a batch")
        linked = self.binding("openproject.res.users", first["id"])
        self.assertEqual(linked.odoo_id.login, first["login"])
        self.assertTrue(linked.created_by_connector)
        left = self.binding("openproject.res.users", second["id"])
        self.assertFalse(left.odoo_id)
        events = self.env["openproject.sync.event"].search(
            [("backend_id", "=", self.backend.id), ("external_id", "=", second["id"])]
        )
        self.assertTrue(
            any("already linked" in (e.message or "") for e in events),
            events.mapped("message"),
        )
        # Every Odoo user the sync made is linked to exactly one binding.
        bindings = self.bindings("openproject.res.users").filtered("odoo_id")
        made = bindings.filtered("created_by_connector").odoo_id
        self.assertEqual(len(made), len(bindings.filtered("created_by_connector")))
        logins = [u["login"] for u in new]
        self.assertEqual(
            set(Users.search([("login", "in", logins)]).ids),
            set(made.filtered(lambda u: u.login in logins).ids),
        )
        self.assertNotIn(second["login"], Users.search([]).mapped("login"))
        # A second sync changes nothing for them.
        self.sync()
        self.assertEqual(self.binding("openproject.res.users", first["id"]), linked)
        self.assertFalse(self.binding("openproject.res.users", second["id"]).odoo_id)

    def _activity_wp(self):
        project_ids = synced_project_ids(self.instance)
        work_packages = expected_work_packages(self.instance, project_ids)
        expected = expected_activities(self.instance, set(work_packages))
        return sorted({a["work_package_id"] for a in expected.values()})

    def test_messages_odoo_refuses_fail_their_job_once(self):
        """Alone in its job, a work package whose messages Odoo refuses fails
        that job: it is not queued again and again."""
        bad = self._activity_wp()[0]
        task_ids = set()

        def refuse(vals_list):
            if not task_ids:
                binding = self.binding("openproject.project.task", bad)
                task_ids.add(binding.odoo_id.id)
            if any(
                vals.get("model") == "project.task" and vals.get("res_id") in task_ids
                for vals in vals_list
            ):
                raise ValidationError("A rule of this database refuses the message.")

        with watch_creates(self.env, "mail.message", refuse):
            outcome = self.sync()
        activity_jobs = self.env["queue.job"].search(
            [("method_name", "=", "import_activities")]
        )
        alone = activity_jobs.filtered(lambda job: job.args[1] == [bad])
        self.assertEqual(len(alone), 1, alone.mapped("state"))
        self.assertEqual(alone.state, "failed")
        self.assertIn(f"work package {bad}", alone.exc_message)
        self.assertIn("refuses the message", alone.exc_message)
        self.assertLess(len(outcome["done"]) + len(outcome["failed"]), 100)

    def test_a_second_sync_does_not_queue_activities_already_queued(self):
        """Run Import while the first run's activity jobs still wait: each
        work package's activities are queued, and read, once."""
        Queue = self.env["queue.job"]
        requests_before = len(self.server.request_log)
        self.backend.action_run_import()
        run_jobs(self.env, skip_methods=("import_activities",))
        waiting = Queue.search([("method_name", "=", "import_activities")])
        self.assertTrue(waiting)
        self.assertEqual(set(waiting.mapped("state")), {"pending"})
        queued = [wp for job in waiting for wp in job.args[1]]
        self.assertEqual(len(queued), len(set(queued)))
        self.backend.action_run_import()
        run_jobs(self.env, skip_methods=("import_activities",))
        again = Queue.search([("method_name", "=", "import_activities")]) - waiting
        self.assertFalse(
            {wp for job in again for wp in job.args[1]} & set(queued),
            "queued again while still queued",
        )
        run_jobs(self.env)
        self.assertFalse(self.failed_jobs())
        reads = [
            r.path
            for r in self.server.request_log[requests_before:]
            if r.path.endswith("/activities")
        ]
        self.assertEqual(len(reads), len(set(reads)), "an activity list read twice")
        messages = self.bindings("openproject.mail.message")
        self.assertEqual(len(messages), len(set(messages.mapped("external_id"))))
        project_ids = synced_project_ids(self.instance)
        expected = expected_activities(
            self.instance, set(expected_work_packages(self.instance, project_ids))
        )
        self.assertEqual(set(messages.mapped("external_id")), set(expected))

    def test_activities_behind_are_queued_in_bounded_jobs(self):
        self.sync()
        Queue = self.env["queue.job"]
        first_run = Queue.search([("method_name", "=", "import_activities")])
        tasks = self.bindings("openproject.project.task")
        tasks.write({"activities_synced_at": False})
        with patch(
            "odoo.addons.connector_openproject.components.synchronizer.BEHIND_PER_JOB",
            2,
        ):
            self.backend.action_run_import()
            run_jobs(self.env)
        # Nothing changed in OpenProject: every activity job of the second
        # run is one of the behind ones.
        behind_jobs = Queue.search([("method_name", "=", "import_activities")])
        behind_jobs -= first_run
        self.assertTrue(behind_jobs)
        self.assertLessEqual(max(len(job.args[1]) for job in behind_jobs), 2)
        queued = [wp for job in behind_jobs for wp in job.args[1]]
        self.assertEqual(len(queued), len(set(queued)), "queued once each")
        wanted = tasks.filtered(
            lambda t: t.active and t.project_binding_id.activity_filter != "none"
        )
        self.assertEqual(set(queued), set(wanted.mapped("external_id")))
        self.assertFalse(self.failed_jobs())
        self.backend.invalidate_recordset()
        tasks.invalidate_recordset()
        self.assertEqual(
            tasks.filtered("active").mapped("activities_synced_at"),
            tasks.filtered("active").mapped("openproject_updated_at"),
        )

    def test_a_user_that_fails_leaves_no_odoo_user_behind(self):
        """Its Odoo user, made in the page's batch, is dropped with it; its
        own job creates it later, as created by the connector."""
        Users = self.env["res.users"].with_context(active_test=False)
        new = self.users_to_create()
        victim = new[len(new) // 2]

        def refuse(vals_list):
            if any(vals.get("external_id") == victim["id"] for vals in vals_list):
                raise ValidationError("A rule of this database refuses the binding.")

        with watch_creates(self.env, "openproject.res.users", refuse):
            self.sync()
        self.assertFalse(self.binding("openproject.res.users", victim["id"]))
        self.assertFalse(Users.search([("login", "=", victim["login"])]))
        self.assertFalse(
            self.env["res.partner"]
            .with_context(active_test=False)
            .search([("email", "=", victim["email"])])
        )
        # Its job was queued again and failed (the patch refused it again);
        # unpatched, it goes through.
        self.failed_jobs().write({"state": "pending"})
        run_jobs(self.env)
        binding = self.binding("openproject.res.users", victim["id"])
        self.assertEqual(binding.odoo_id.login, victim["login"])
        self.assertTrue(binding.created_by_connector)

    def test_pages_of_two_runs_queue_each_activity_list_once(self):
        """A second run lists a first import's pages again, one of them
        changed: activities a job not yet started holds are not queued twice."""
        requests_before = len(self.server.request_log)
        skip = ("import_records", "import_activities")
        self.backend.action_run_import()
        run_jobs(self.env, skip_methods=skip)
        project_id = sorted(synced_project_ids(self.instance))[0]
        self.instance.create_work_package(project_id, subject="Arrived meanwhile")
        self.backend.action_run_import()
        run_jobs(self.env, skip_methods=skip)
        run_jobs(self.env)
        # (Records other tests of this class spoiled fail on their own.)
        self.assertFalse(
            self.failed_jobs().filtered(
                lambda job: job.method_name == "import_activities"
            )
        )
        reads = [
            r.path
            for r in self.server.request_log[requests_before:]
            if r.path.endswith("/activities")
        ]
        self.assertTrue(reads)
        self.assertEqual(len(reads), len(set(reads)), "an activity list read twice")

    def test_a_binding_filed_under_another_work_package_is_updated(self):
        """Inconsistent data: a message binding filed under another work
        package. The batch does not hit the unique constraint; the binding is
        updated back under its work package and the new comment lands."""
        self.sync()
        messages = self.bindings("openproject.mail.message")
        misfiled = messages[0]
        real_wp = misfiled.work_package_external_id
        other_wp = next(
            wp for wp in messages.mapped("work_package_external_id") if wp != real_wp
        )
        misfiled.work_package_external_id = other_wp
        user_id = next(
            u["id"]
            for u in self.instance.users.values()
            if u["type"] == "User" and u["status"] == "active"
        )
        self.instance.add_comment(real_wp, user_id, "A new comment after the mix-up")
        self.sync()
        self.assertFalse(
            self.failed_jobs(), "\n".join(self.failed_jobs().mapped("exc_message"))
        )
        misfiled.invalidate_recordset()
        self.assertEqual(misfiled.work_package_external_id, real_wp)
        task = self.binding("openproject.project.task", real_wp).odoo_id
        self.assertIn(
            "A new comment after the mix-up",
            " ".join(task.message_ids.mapped("body")),
        )
        messages = self.bindings("openproject.mail.message")
        self.assertEqual(len(messages), len(set(messages.mapped("external_id"))))


@tagged("post_install", "-at_install")
class TestUsersWithoutLogin(OpenProjectCase):
    """A key that is not an administrator's sees users without login."""

    emulator_options = {"admin": False}

    def test_an_odoo_user_whose_login_is_the_email_is_matched(self):
        shown = [
            user
            for user in sorted(self.instance.users.values(), key=lambda u: u["id"])
            if user["type"] == "User"
            and user["status"] == "active"
            and user["email"]
            and not user.get("hide_email")
        ]
        chosen = shown[-1]
        odoo_user = self.env["res.users"].create(
            {"name": "Already here", "login": chosen["email"], "email": False}
        )
        self.sync()
        binding = self.binding("openproject.res.users", chosen["id"])
        self.assertEqual(binding.odoo_id, odoo_user)
        self.assertFalse(binding.created_by_connector)
        self.assertFalse(
            self.failed_jobs(),
            "\n".join(self.failed_jobs().mapped("exc_message")),
        )
