# Copyright 2026 The connector_openproject authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Shared fixtures of the Odoo-free test suite: the emulator and example payloads."""

import json
import pathlib
import sys

import pytest

REPO_ROOT = pathlib.Path(__file__).resolve().parent.parent
DATA_DIR = pathlib.Path(__file__).resolve().parent / "data"

# The root pyproject.toml sets the same pythonpath; this keeps the suite runnable
# from a checkout where pytest was started without it.
for extra in (REPO_ROOT, REPO_ROOT / "connector_openproject"):
    if str(extra) not in sys.path:
        sys.path.insert(0, str(extra))

API_KEY = "op-test-key-0123456789"


@pytest.fixture
def api_key():
    return API_KEY


@pytest.fixture
def load_example():
    """Return a loader of the recorded OpenProject payloads in tests/data/."""

    def load(name):
        if not name.endswith(".json"):
            name += ".json"
        with (DATA_DIR / name).open(encoding="utf-8") as handle:
            return json.load(handle)

    return load


@pytest.fixture
def emulator():
    """Return a factory starting emulator servers on 127.0.0.1, stopped afterwards.

    ``emulator(instance=None, **server_options)`` starts an ``EmulatorServer`` on a
    free port with the demo instance (or the one given) and the test API key.
    """
    from openproject_emulator import EmulatorServer, Instance

    servers = []

    def start(instance=None, **options):
        options.setdefault("api_key", API_KEY)
        options.setdefault("host", "127.0.0.1")
        options.setdefault("port", 0)
        server = EmulatorServer(
            instance if instance is not None else Instance.demo(), **options
        )
        server.start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()
