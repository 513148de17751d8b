# Copyright 2026 The connector_openproject authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import socket
import threading

from werkzeug.serving import make_server
from werkzeug.wrappers import Response

from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .common import OpenProjectCase


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@tagged("post_install", "-at_install")
class TestCheckConnection(OpenProjectCase):
    """Check connection names the version and user, or what is wrong."""

    def check(self, **vals):
        self.backend.write(vals)
        return self.backend.action_check_connection()

    def assert_refused(self, *words, **vals):
        with self.assertRaises(UserError) as caught:
            self.check(**vals)
        message = str(caught.exception)
        for word in words:
            self.assertIn(word, message)
        self.assertNotIn("test-api-key", message)
        return message

    def test_working_connection_reports_version_and_user(self):
        action = self.check()
        message = action["params"]["message"]
        me = self.instance.users[self.instance.meta["api_user_id"]]
        self.assertIn(self.server.version_string, message)
        self.assertIn(me["name"], message)
        self.assertEqual(self.backend.openproject_version, self.server.version_string)

    def test_wrong_key(self):
        self.assert_refused("refused the API key", api_key="wrong-key")

    def test_unreachable_host(self):
        self.assert_refused("cannot be reached", url=f"http://127.0.0.1:{free_port()}")

    def test_tls_failure(self):
        # Speaking TLS to a plain HTTP server fails the handshake.
        url = self.server.url.replace("http://", "https://")
        self.assert_refused("TLS", url=url)

    def test_not_an_openproject_instance(self):
        def app(environ, start_response):
            return Response(
                "<html><body>Welcome to nginx</body></html>", content_type="text/html"
            )(environ, start_response)

        server = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        self.addCleanup(server.shutdown)
        self.assert_refused(
            "does not answer like an OpenProject instance",
            url=f"http://127.0.0.1:{server.server_port}",
        )

    def test_missing_permission_is_reported(self):
        server = self.start_emulator(self.instance, admin=False)
        action = self.check(url=server.url)
        message = action["params"]["message"]
        self.assertIn("not an administrator", message)

    def test_api_key_is_readable_only_by_connector_managers(self):
        user = self.env["res.users"].create(
            {
                "name": "Plain employee",
                "login": "plain-employee",
                "groups_id": [(6, 0, [self.env.ref("base.group_user").id])],
            }
        )
        backend = self.backend.with_user(user)
        self.assertEqual(backend.name, "Demo OpenProject")
        with self.assertRaises(AccessError):
            backend.read(["api_key"])
        # The form a plain user opens has no API key field at all, while the
        # connector managers' form has it.
        plain_arch = backend.get_views([(False, "form")])["views"]["form"]["arch"]
        self.assertIn('name="url"', plain_arch)
        self.assertNotIn('name="api_key"', plain_arch)
        manager = self.env["res.users"].create(
            {
                "name": "Connector manager",
                "login": "connector-manager",
                "groups_id": [
                    (4, self.env.ref("base.group_user").id),
                    (4, self.env.ref("connector.group_connector_manager").id),
                ],
            }
        )
        manager_views = self.backend.with_user(manager).get_views([(False, "form")])
        manager_arch = manager_views["views"]["form"]["arch"]
        self.assertIn('name="api_key"', manager_arch)

    def test_api_key_is_trimmed_or_refused_without_being_repeated(self):
        self.backend.api_key = "  trimmed-key-0001\n"
        self.assertEqual(self.backend.api_key, "trimmed-key-0001")
        with self.assertRaises(UserError) as caught:
            self.backend.api_key = "broken key-0002"
        self.assertNotIn("key-0002", str(caught.exception))

    def test_only_connector_managers_start_syncs(self):
        user = self.env["res.users"].create(
            {
                "name": "Curious employee",
                "login": "curious-employee",
                "groups_id": [(6, 0, [self.env.ref("base.group_user").id])],
            }
        )
        backend = self.backend.with_user(user)
        for method in ("action_run_import", "action_check_connection", "sync_backend"):
            with self.assertRaises(AccessError, msg=method):
                getattr(backend, method)()
        # Nor the jobs a sync is made of, called directly over RPC.
        self.sync()
        project = self.env["openproject.project.project"].search(
            [("backend_id", "=", self.backend.id), ("sync", "=", True)], limit=1
        )
        self.assertTrue(project)
        project = project.with_user(user)
        for method in (
            "action_sync_now",
            "import_work_packages",
            "import_time_entries",
            "sweep_deletions",
        ):
            with self.assertRaises(AccessError, msg=method):
                getattr(project, method)()
        with self.assertRaises(AccessError):
            project.finish_sync("work_packages", "2026-01-01T00:00:00Z")
        with self.assertRaises(AccessError):
            self.env["openproject.project.task"].with_user(user).import_record(
                self.backend.with_user(user), 1
            )
