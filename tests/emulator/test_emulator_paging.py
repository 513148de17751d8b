# Copyright 2026 The connector_openproject authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from urllib.parse import parse_qs, urlsplit

from emulator_helpers import Api, ids


def _query(href):
    return {k: v[0] for k, v in parse_qs(urlsplit(href).query).items()}


def test_default_page_size_is_twenty_and_offset_one(api):
    body = api.get("work_packages", filters=[])
    assert body["_type"] == "WorkPackageCollection"
    assert (body["pageSize"], body["offset"], body["count"]) == (20, 1, 20)
    # 50 in the demo, 4 of them in the archived project
    assert body["total"] == 46
    assert ids(body) == sorted(ids(body))


def test_offset_is_a_page_number_not_a_row_offset(api):
    first = api.get("work_packages", filters=[], pageSize=10, offset=1)
    second = api.get("work_packages", filters=[], pageSize=10, offset=2)
    assert ids(first)[-1] < ids(second)[0]
    assert len(set(ids(first)) | set(ids(second))) == 20


def test_offset_zero_or_negative_means_first_page(api):
    first = api.get("work_packages", filters=[], pageSize=5)
    for offset in (0, -3):
        body = api.get("work_packages", filters=[], pageSize=5, offset=offset)
        assert body["offset"] == 1
        assert ids(body) == ids(first)


def test_page_size_above_maximum_is_clamped_silently(make_server):
    api = Api(make_server(max_page_size=7))
    body = api.get("work_packages", filters=[], pageSize=500)
    assert body["pageSize"] == 7 and body["count"] == 7


def test_page_size_minus_one_means_maximum(make_server):
    api = Api(make_server(max_page_size=30))
    body = api.get("work_packages", filters=[], pageSize=-1)
    assert body["pageSize"] == 30 and body["count"] == 30


def test_page_size_zero_returns_only_the_total(api):
    body = api.get("work_packages", filters=[], pageSize=0)
    assert body["total"] == 46
    assert body["count"] == 0
    assert body["_embedded"]["elements"] == []
    assert "nextByOffset" not in body["_links"]


def test_next_and_previous_links_follow_offset_times_page_size(api):
    first = api.get("projects", filters=[], pageSize=2, offset=1)
    assert first["total"] == 5
    assert "previousByOffset" not in first["_links"]
    assert _query(first["_links"]["nextByOffset"]["href"]) == {
        "filters": "[]",
        "offset": "2",
        "pageSize": "2",
    }
    last = api.get("projects", filters=[], pageSize=2, offset=3)
    assert last["count"] == 1
    assert "nextByOffset" not in last["_links"]
    assert _query(last["_links"]["previousByOffset"]["href"])["offset"] == "2"
    assert last["_links"]["jumpTo"]["templated"] is True
    assert "offset=%7Boffset%7D" in last["_links"]["jumpTo"]["href"]
    assert "pageSize=%7Bsize%7D" in last["_links"]["changeSize"]["href"]


def test_page_beyond_the_end_is_empty_with_total(api):
    body = api.get("projects", filters=[], pageSize=2, offset=9)
    assert body["count"] == 0 and body["total"] == 5
    assert body["_embedded"]["elements"] == []


def test_non_integer_page_size_is_an_invalid_query(api):
    body = api.get("projects", expect=400, pageSize="many")
    assert body["errorIdentifier"].endswith(":InvalidQuery")


def test_walking_all_pages_yields_every_record_once(api):
    seen, offset = [], 1
    while True:
        body = api.get("time_entries", pageSize=7, offset=offset)
        seen += ids(body)
        if "nextByOffset" not in body["_links"]:
            break
        offset += 1
    assert len(seen) == len(set(seen)) == body["total"]


def test_unpaginated_collections_have_no_paging_fields(api):
    statuses = api.get("statuses")
    assert statuses["_type"] == "Collection"
    assert statuses["count"] == statuses["total"] == 14
    assert "pageSize" not in statuses and "offset" not in statuses
    activities = api.get("work_packages/10/activities")
    assert activities["count"] == activities["total"] >= 1
    assert "pageSize" not in activities
