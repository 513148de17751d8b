# Copyright 2026 The connector_openproject authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import pytest
from emulator_helpers import API_KEY, Api

from openproject_emulator import EmulatorServer, Instance


@pytest.fixture
def inst():
    return Instance.demo()


@pytest.fixture
def make_server(inst):
    servers = []

    def start(instance=None, **options):
        options.setdefault("api_key", API_KEY)
        server = EmulatorServer(instance or inst, **options).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def server(make_server):
    return make_server()


@pytest.fixture
def api(server):
    return Api(server)
