# Copyright 2026 The connector_openproject authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The Odoo-free parts of tools/demo.py: its Odoo configuration, the job wait,
the failure report and the emulator start-up (a real emulator subprocess).

The whole demo needs Odoo and PostgreSQL and is run by ``make demo`` itself.
"""

import configparser
import contextlib
import importlib.util
import os
import socket
import types
import urllib.error
import urllib.request
import xmlrpc.client

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
_spec = importlib.util.spec_from_file_location(
    "demo_tool", os.path.join(ROOT, "tools", "demo.py")
)
demo = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(demo)


class FakeOdoo:
    """Answers queue.job read_group with a scripted sequence of state counts."""

    def __init__(self, sequence):
        self.sequence = list(sequence)
        self.calls = 0

    def call(self, model, method, *args, **kwargs):
        assert (model, method) == ("queue.job", "read_group")
        assert args[0] == demo.JOB_DOMAIN
        counts = self.sequence[min(self.calls, len(self.sequence) - 1)]
        self.calls += 1
        return [{"state": state, "__count": n} for state, n in counts.items()]


class LiveChild:
    log_path = "/dev/null"

    def check_alive(self):
        return None


def test_config_runs_threaded_server_with_queue_job_channels(tmp_path):
    install = demo.odoo_common.OdooInstall(
        python="python3",
        version="18.0",
        major_version="18.0",
        package_dir=str(tmp_path / "odoo"),
        addons_dirs=(),
        namespace_dirs=(),
    )
    cluster = types.SimpleNamespace(host="127.0.0.1", port=55432, user="odoo")
    path = demo.write_demo_config(
        str(tmp_path / "odoo.conf"), install, cluster, 18123, str(tmp_path)
    )
    config = configparser.ConfigParser()
    config.read(path)
    options = config["options"]
    assert options["workers"] == "0"
    assert options["server_wide_modules"] == "base,web,queue_job"
    assert options["http_interface"] == "127.0.0.1"
    assert options["http_port"] == "18123"
    assert options["db_name"] == demo.DB_NAME
    assert options["db_port"] == "55432"
    assert options["without_demo"] == "all"
    assert config["queue_job"]["channels"] == "root:2,root.openproject:2"


def test_wait_ends_when_every_job_is_done_failed_or_cancelled(capsys):
    odoo = FakeOdoo(
        [
            {},  # the sync job is not visible yet: not finished
            {"pending": 1},
            {"done": 1, "started": 2, "wait_dependencies": 3},
            {"done": 4, "failed": 1, "cancelled": 1},
        ]
    )
    counts, outcome, _seconds = demo.wait_for_jobs(
        odoo, LiveChild(), timeout=60, poll_every=0
    )
    assert outcome == "finished"
    assert counts == {"done": 4, "failed": 1, "cancelled": 1}
    assert odoo.calls == 4
    assert "4 done, 0 pending, 1 failed, 1 cancelled" in capsys.readouterr().out


def test_wait_reports_jobs_stuck_behind_a_failed_dependency():
    odoo = FakeOdoo([{"done": 2, "failed": 1, "wait_dependencies": 3}])
    counts, outcome, _seconds = demo.wait_for_jobs(
        odoo, LiveChild(), timeout=60, poll_every=0, stuck_after=3
    )
    assert outcome == "stuck"
    assert counts["wait_dependencies"] == 3
    assert odoo.calls == 3


def test_wait_gives_up_at_the_timeout():
    odoo = FakeOdoo([{"done": 1, "pending": 5}])
    _counts, outcome, _seconds = demo.wait_for_jobs(
        odoo, LiveChild(), timeout=0, poll_every=0
    )
    assert outcome == "timeout"


def test_failed_jobs_are_listed_with_their_traceback(capsys):
    failed = [
        {
            "name": "Import work packages of project 3",
            "func_string": "openproject.project.project(3,).import_work_packages()",
            "exc_name": "KeyError",
            "exc_message": "'subject'",
            "exc_info": 'Traceback (most recent call last):\n  File "x.py"\n'
            "KeyError: 'subject'",
        }
    ]
    odoo = types.SimpleNamespace(call=lambda *args, **kwargs: failed)
    assert demo._print_failed_jobs(odoo) == failed
    out = capsys.readouterr().out
    assert "FAILED JOBS (1)" in out
    assert "KeyError: 'subject'" in out
    assert "Traceback (most recent call last):" in out


def test_a_server_side_error_of_the_connection_check_stops_the_demo():
    def call(model, method, *args, **kwargs):
        if method == "create":
            return 7
        raise xmlrpc.client.Fault(1, "Traceback ...\nValueError: bad root")

    odoo = types.SimpleNamespace(call=call)
    with pytest.raises(demo.DemoError, match="ValueError: bad root"):
        demo.create_backend(odoo, "http://127.0.0.1:1", "secret-key")


def test_a_busy_port_is_refused_before_odoo_starts():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        with pytest.raises(demo.DemoError, match=f"port {port}"):
            demo._check_port_free(port)


def test_emulator_starts_answers_with_the_key_and_stops(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(demo, "VAR_DIR", str(tmp_path))
    api_key = "demo-test-key-0123456789"
    args = types.SimpleNamespace(generate="projects=2,work_packages=5,users=3")
    with contextlib.ExitStack() as stack:
        child, url = demo.start_emulator(stack, args, api_key)
        assert url.startswith("http://127.0.0.1:")
        request = urllib.request.Request(url + "/api/v3/projects")
        token = demo._basic_token("apikey", api_key)
        request.add_header("Authorization", f"Basic {token}")
        with demo._no_proxy_opener().open(request, timeout=10) as response:
            assert response.status == 200
        assert child.alive()
    assert not child.alive()
    out = capsys.readouterr().out
    assert api_key not in out
    assert "--api-key ***" in out
    with pytest.raises(urllib.error.URLError):
        demo._no_proxy_opener().open(url + "/api/v3", timeout=2)
