# Copyright 2026 The connector_openproject authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Retries, back-off and rate-limit waits, counted on the emulator's request log."""

import socket
import time

import pytest
from openproject_api import OpenProjectClient, errors
from openproject_api.retry import OpenProjectRetry
from urllib3.exceptions import ConnectTimeoutError


def make_client(server, api_key, **options):
    options.setdefault("max_retries", 3)
    options.setdefault("backoff_factor", 0.01)
    options.setdefault("backoff_max", 1.0)
    return OpenProjectClient(server.url, api_key, **options)


def wait_for_log(server, count, timeout=3.0):
    """The emulator logs a slow request only once it finished sleeping."""
    deadline = time.monotonic() + timeout
    while len(server.request_log) < count and time.monotonic() < deadline:
        time.sleep(0.02)
    return server.request_log


def test_server_errors_are_retried_with_growing_jittered_back_off(emulator, api_key):
    server = emulator()
    server.inject("500", count=2)
    client = make_client(server, api_key)
    assert client.get("statuses")["_type"] == "Collection"
    assert [r.status for r in server.request_log] == [500, 500, 200]
    assert client.request_count == 3 and client.retry_count == 2
    first, second = client.waits
    assert 0.005 <= first <= 0.01
    assert 0.01 <= second <= 0.02


def test_server_error_after_the_last_try_is_raised_typed(emulator, api_key):
    server = emulator()
    server.inject("500", count=10)
    client = make_client(server, api_key, max_retries=2)
    with pytest.raises(errors.ServerError) as caught:
        client.get("statuses")
    error = caught.value
    assert (error.status, error.identifier, error.retryable) == (
        500,
        "InternalServerError",
        True,
    )
    assert client.request_count == 3 and len(server.request_log) == 3


def test_rate_limit_reset_epoch_is_honoured(emulator, api_key):
    server = emulator()
    server.inject("429", reset_in=2)
    client = make_client(server, api_key, backoff_factor=0.001, backoff_max=5.0)
    started = time.monotonic()
    assert client.get("statuses")["total"] > 0
    elapsed = time.monotonic() - started
    assert [r.status for r in server.request_log] == [429, 200]
    (wait,) = client.waits
    # RateLimit-Reset is a whole epoch second 2 s ahead: (1, 2] s from now, far
    # above the 1 ms back-off.
    assert 1.0 < wait <= 2.0
    assert elapsed >= wait


def test_retry_after_from_a_proxy_is_honoured(emulator, api_key):
    server = emulator()
    server.inject("429", retry_after=1, reset_in=30)
    client = make_client(server, api_key, backoff_factor=0.001, backoff_max=5.0)
    client.get("statuses")
    assert client.waits == [1.0]
    assert client.request_count == 2


def test_requested_wait_is_capped_at_backoff_max(emulator, api_key):
    server = emulator()
    server.inject("429", reset_in=120)
    server.inject("429", retry_after=120)
    client = make_client(server, api_key, backoff_factor=0.001, backoff_max=0.2)
    client.get("statuses")
    assert client.waits == [0.2, 0.2]
    assert [r.status for r in server.request_log] == [429, 429, 200]


def test_throttled_after_the_last_try_says_how_long_to_wait(emulator, api_key):
    server = emulator()
    server.inject("429", count=5, reset_in=60)
    client = make_client(server, api_key, max_retries=1, backoff_max=0.05)
    with pytest.raises(errors.Throttled) as caught:
        client.get("statuses")
    error = caught.value
    assert error.status == 429 and error.identifier == "Throttled" and error.retryable
    assert 55 < error.retry_after <= 60
    assert client.request_count == 2 and len(server.request_log) == 2


def test_read_timeout_is_retried(emulator, api_key):
    server = emulator()
    server.inject("slow", delay=0.6)
    client = make_client(server, api_key, read_timeout=0.2)
    assert client.get("statuses")["total"] > 0
    assert client.request_count == 2
    assert len(wait_for_log(server, 2)) == 2


def test_read_timeouts_until_the_last_try_raise_transport_error(emulator, api_key):
    server = emulator()
    server.inject("slow", count=3, delay=0.4)
    client = make_client(server, api_key, max_retries=2, read_timeout=0.15)
    with pytest.raises(errors.TransportError) as caught:
        client.get("statuses")
    assert caught.value.retryable
    assert caught.value.path == "/api/v3/statuses"
    assert client.request_count == 3
    assert len(wait_for_log(server, 3)) == 3


def test_refused_connection_is_retried_then_a_transport_error():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = OpenProjectClient(
        f"http://127.0.0.1:{port}", "k", max_retries=2, backoff_factor=0.001
    )
    with pytest.raises(errors.TransportError) as caught:
        client.root()
    assert caught.value.retryable and caught.value.status is None
    assert client.request_count == 3 and len(client.waits) == 2


def test_connection_dropped_mid_body_is_retryable_for_the_job_layer(emulator, api_key):
    server = emulator()
    server.inject("drop")
    client = make_client(server, api_key)
    with pytest.raises((errors.TransportError, errors.MalformedResponse)) as caught:
        client.get("statuses")
    assert caught.value.retryable
    # Past the headers urllib3 no longer retries: the job layer does.
    assert client.request_count == 1
    assert client.get("statuses")["total"] > 0


def test_truncated_json_is_a_retryable_malformed_response(emulator, api_key):
    server = emulator()
    server.inject("malformed")
    client = make_client(server, api_key)
    with pytest.raises(errors.MalformedResponse) as caught:
        client.get_page("projects")
    assert caught.value.retryable and caught.value.status == 200
    assert client.request_count == 1


def test_only_get_is_retried():
    policy = OpenProjectRetry.for_client(3, 0.5, 60.0)
    assert policy.is_retry("GET", 503)
    assert policy.is_retry("GET", 429)
    assert not policy.is_retry("POST", 503)
    assert not policy.is_retry("PATCH", 429)
    assert not policy.is_retry("GET", 404)
    assert not policy.is_retry("GET", 501)


def test_back_off_doubles_with_jitter_and_is_capped():
    policy = OpenProjectRetry.for_client(10, 1.0, 3.0)
    waits = []
    for _ in range(4):
        policy = policy.increment(method="GET", url="/x", error=ConnectTimeoutError())
        waits.append(policy.get_backoff_time())
    assert 0.5 <= waits[0] <= 1.0
    assert 1.0 <= waits[1] <= 2.0
    assert 1.5 <= waits[2] <= 3.0
    assert 1.5 <= waits[3] <= 3.0
