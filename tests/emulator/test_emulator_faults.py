# Copyright 2026 The connector_openproject authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import json
import time

import pytest
import requests
from emulator_helpers import Api, ids


def test_injected_500_is_a_hal_error_then_service_resumes(server):
    api = Api(server)
    server.inject("500")
    body = api.get("projects", expect=500)
    assert body["errorIdentifier"] == (
        "urn:openproject-org:api:v3:errors:InternalServerError"
    )
    api.get("projects")
    assert [r.status for r in server.request_log] == [500, 200]
    assert server.request_log[0].fault == "500"


def test_injected_429_carries_rate_limit_headers(server):
    api = Api(server)
    server.inject("429", reset_in=30)
    response = api.raw("projects")
    assert response.status_code == 429
    assert response.json()["errorIdentifier"].endswith(":Throttled")
    assert response.headers["RateLimit-Remaining"] == "0"
    assert int(response.headers["RateLimit-Limit"]) > 0
    assert abs(int(response.headers["RateLimit-Reset"]) - (time.time() + 30)) < 3
    assert "Retry-After" not in response.headers


def test_injected_429_with_proxy_retry_after(server):
    server.inject("429", retry_after=2)
    assert Api(server).raw("projects").headers["Retry-After"] == "2"


def test_injected_count_applies_to_that_many_requests(server):
    api = Api(server)
    server.inject("500", count=2)
    statuses = [api.raw("statuses").status_code for _ in range(3)]
    assert statuses == [500, 500, 200]


def test_slow_response_is_delayed_then_served(server):
    server.inject("slow", delay=0.3)
    started = time.monotonic()
    body = Api(server).get("statuses")
    assert time.monotonic() - started >= 0.3
    assert body["total"] == 14


def _fetch_dropped(server, path):
    """(announced length, bytes received, error) for a dropped response.

    urllib3 2.x raises on a short body; urllib3 1.x (Odoo's pin) hands the
    truncated bytes over silently, which a client only notices as bad JSON.
    """
    response = requests.get(
        f"{server.url}/api/v3/{path}",
        auth=("apikey", server.api_key),
        stream=True,
        timeout=5,
    )
    announced = int(response.headers["Content-Length"])
    received, error = b"", None
    try:
        for chunk in response.iter_content(1024):
            received += chunk
    except requests.exceptions.RequestException as err:
        error = err
    return announced, received, error


def test_dropped_connection_truncates_the_body(server):
    server.inject("drop")
    announced, received, error = _fetch_dropped(server, "work_packages")
    assert 0 < len(received) < announced
    if error is None:
        with pytest.raises(json.JSONDecodeError):
            json.loads(received)
    # The server keeps serving afterwards.
    assert Api(server).get("statuses")["total"] == 14
    assert server.request_log[0].fault == "drop"


def test_malformed_response_is_200_with_broken_json(server):
    server.inject("malformed")
    response = Api(server).raw("projects")
    assert response.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        json.loads(response.text)


def test_html_fault_is_a_proxy_page(server):
    server.inject("html")
    response = Api(server).raw("projects")
    assert response.status_code == 502
    assert response.headers["Content-Type"].startswith("text/html")
    assert "Bad Gateway" in response.text


def test_path_and_skip_options_target_a_later_request(server):
    api = Api(server)
    server.inject("500", path="/api/v3/work_packages", skip=1)
    api.get("users/me")
    api.get("work_packages")
    api.get("work_packages", expect=500)
    api.get("work_packages")


def test_change_between_pages_runs_after_serving_a_page(server, inst):
    api = Api(server)

    def bump_first_page_record():
        inst.update_work_package(1, subject="Renamed between pages")

    server.inject(
        "change_between_pages",
        callback=bump_first_page_record,
        path="/api/v3/work_packages",
        after_response=True,
    )
    sort = [["updatedAt", "asc"], ["id", "asc"]]
    first = api.get("work_packages", filters=[], sortBy=sort, pageSize=10, offset=1)
    assert first["_embedded"]["elements"][0]["subject"] != "Renamed between pages"
    rest = []
    offset = 2
    while True:
        page = api.get(
            "work_packages", filters=[], sortBy=sort, pageSize=10, offset=offset
        )
        rest += ids(page)
        if "nextByOffset" not in page["_links"]:
            break
        offset += 1
    # The updated record moved to the end: offset paging shows it twice and
    # skips the record that slid onto page 1.
    assert rest[-1] == 1 and 1 in ids(first)
    assert len(set(ids(first)) | set(rest)) == first["total"] - 1


def test_change_between_pages_callback_before_serving(server, inst):
    server.inject("change_between_pages", callback=lambda i: i.delete_work_package(10))
    Api(server).get("work_packages/10", expect=404)


def test_random_fault_rates_are_reproducible(make_server):
    def run():
        server = make_server()
        server.set_fault_rates(error_500=0.3, throttle_429=0.2, seed=7)
        api = Api(server)
        return [api.raw("statuses").status_code for _ in range(20)]

    first, second = run(), run()
    assert first == second
    assert {500, 429, 200} <= set(first)


def test_unknown_fault_kind_is_refused(server):
    with pytest.raises(ValueError):
        server.inject("teapot")


def test_clear_faults_forgets_injected_faults_and_rates(server):
    server.inject("500", count=5)
    server.set_fault_rates(error_500=1.0)
    server.clear_faults()
    api = Api(server)
    api.get("statuses")
    api.get("projects")
    assert [r.status for r in server.request_log] == [200, 200]
