# Copyright 2026 The connector_openproject authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Helpers shared by the emulator tests (a uniquely named module: every test
directory has its own conftest)."""

import json

import requests

API_KEY = "op-test-key"


class Api:
    """Tiny HTTP helper: GET under /api/v3 with the emulator's key."""

    def __init__(self, server, auth=("apikey", API_KEY)):
        self.server = server
        self.session = requests.Session()
        if auth:
            self.session.auth = auth

    def get(self, path, expect=200, **params):
        for name in ("filters", "sortBy"):
            if name in params and not isinstance(params[name], str):
                params[name] = json.dumps(params[name])
        response = self.session.get(
            f"{self.server.url}/api/v3/{path}".rstrip("/"), params=params, timeout=10
        )
        assert response.status_code == expect, response.text[:500]
        return response.json()

    def raw(self, path, **kwargs):
        kwargs.setdefault("timeout", 10)
        return self.session.get(f"{self.server.url}/api/v3/{path}", **kwargs)


def ids(body):
    return [element["id"] for element in body["_embedded"]["elements"]]
