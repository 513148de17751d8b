# Copyright 2026 The connector_openproject authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import pytest
from openproject_api import errors

URN = "urn:openproject-org:api:v3:errors:"


def test_multiple_errors_take_the_first_kind_and_keep_every_message():
    body = {
        "_type": "Error",
        "errorIdentifier": URN + "MultipleErrors",
        "message": "Multiple field constraints have been violated.",
        "_embedded": {
            "errors": [
                {
                    "_type": "Error",
                    "errorIdentifier": URN + "PropertyConstraintViolation",
                    "message": "Subject can't be blank.",
                    "_embedded": {"details": {"attribute": "subject"}},
                },
                {
                    "_type": "Error",
                    "errorIdentifier": URN + "PropertyConstraintViolation",
                    "message": "Type is not set to one of the allowed values.",
                },
            ]
        },
    }
    error = errors.from_hal(body, 422, "/api/v3/work_packages")
    assert isinstance(error, errors.PropertyConstraintViolation)
    assert error.messages == [
        "Subject can't be blank.",
        "Type is not set to one of the allowed values.",
    ]
    assert error.details == {"attribute": "subject"}
    assert "Subject can't be blank.; Type is not set" in str(error)


def test_identifier_decides_over_message_and_status():
    body = {
        "_type": "Error",
        "errorIdentifier": URN + "NotFound",
        "message": "Nicht da",
    }
    assert type(errors.from_hal(body, 404)) is errors.NotFound
    conflict = {"_type": "Error", "errorIdentifier": URN + "UpdateConflict"}
    assert type(errors.from_hal(conflict, 409)) is errors.Conflict
    server = {"_type": "Error", "errorIdentifier": URN + "InternalServerError"}
    assert errors.from_hal(server, 500).retryable


@pytest.mark.parametrize(
    "status, cls",
    [
        (400, errors.InvalidQuery),
        (401, errors.Unauthenticated),
        (403, errors.MissingPermission),
        (404, errors.NotFound),
        (409, errors.Conflict),
        (422, errors.PropertyConstraintViolation),
        (429, errors.Throttled),
        (500, errors.ServerError),
        (502, errors.ServerError),
        (504, errors.ServerError),
        (418, errors.OpenProjectError),
    ],
)
def test_unknown_identifier_or_proxy_page_is_typed_by_status(status, cls):
    body = {"_type": "Error", "errorIdentifier": URN + "SomethingNew", "message": "m"}
    assert type(errors.from_hal(body, status)) is cls
    assert type(errors.from_status(status, "<html>oops</html>")) is cls


def test_proxy_html_page_becomes_a_short_tag_free_excerpt():
    page = (
        "<html><head><title>502</title><style>body{color:red}</style></head>"
        "<body><h1>502 Bad Gateway</h1><p>nginx &amp; friends</p>"
        + "<p>padding</p>" * 100
        + "</body></html>"
    )
    error = errors.from_status(502, page, "/api/v3/projects")
    assert error.retryable
    assert error.body_excerpt.startswith("502 Bad Gateway nginx & friends padding")
    assert "<" not in error.body_excerpt and "color" not in error.body_excerpt
    assert len(error.body_excerpt) <= 200
    assert str(error).startswith("/api/v3/projects HTTP 502: Unexpected non-API")


def test_retryable_kinds():
    assert errors.Throttled().retryable
    assert errors.ServerError().retryable
    assert errors.TransportError().retryable
    assert errors.MalformedResponse().retryable
    assert errors.InconsistentPaging().retryable
    for cls in (
        errors.InvalidQuery,
        errors.Unauthenticated,
        errors.MissingPermission,
        errors.NotFound,
        errors.Conflict,
        errors.PropertyConstraintViolation,
        errors.TLSError,
        errors.NotAnOpenProjectInstance,
    ):
        assert not cls().retryable, cls


def test_positional_arguments_follow_the_contract():
    error = errors.NotFound(404, "NotFound", "gone", "")
    assert (error.status, error.identifier, error.message) == (404, "NotFound", "gone")
