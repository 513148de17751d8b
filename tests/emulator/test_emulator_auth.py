# Copyright 2026 The connector_openproject authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import pytest
import requests
from emulator_helpers import API_KEY, Api, ids


def test_basic_auth_with_apikey_user(api):
    assert api.get("users/me")["login"] == "admin"


def test_wrong_key_is_unauthenticated_with_hal_body(server):
    response = requests.get(
        f"{server.url}/api/v3/projects", auth=("apikey", "wrong"), timeout=5
    )
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Basic")
    assert response.json() == {
        "_type": "Error",
        "errorIdentifier": "urn:openproject-org:api:v3:errors:Unauthenticated",
        "message": "You did not provide the correct credentials.",
    }


def test_basic_auth_with_another_user_name_is_refused(server):
    response = requests.get(
        f"{server.url}/api/v3/projects", auth=("admin", API_KEY), timeout=5
    )
    assert response.status_code == 401


def test_missing_credentials_are_refused_when_login_is_forced(server):
    response = requests.get(f"{server.url}/api/v3/projects", timeout=5)
    assert response.status_code == 401
    assert response.json()["errorIdentifier"].endswith(":Unauthenticated")


@pytest.mark.parametrize(("version", "status"), [("17.0.0", 200), ("16.6.2", 401)])
def test_bearer_api_token_only_from_17(make_server, version, status):
    server = make_server(version=version)
    response = requests.get(
        f"{server.url}/api/v3/users/me",
        headers={"Authorization": f"Bearer {API_KEY}"},
        timeout=5,
    )
    assert response.status_code == status


def test_anonymous_access_serves_public_projects_and_anonymous_me(make_server, inst):
    server = make_server(anonymous_access=True)
    anonymous = Api(server, auth=None)
    me = anonymous.get("users/me")
    assert me["_type"] == "User" and me["name"] == "Anonymous"
    assert "login" not in me
    projects = anonymous.get("projects", filters=[])
    assert ids(projects) == sorted(
        p["id"] for p in inst.projects.values() if p["public"] and p["active"]
    )
    anonymous.get("projects/3", expect=404)
    body = anonymous.get("work_packages", filters=[], pageSize=100)
    assert {inst.work_packages[i]["project_id"] for i in ids(body)} == {1, 2}
    # A wrong key is still an error even though anonymous reads are allowed.
    wrong = Api(server, auth=("apikey", "nope"))
    wrong.get("projects", expect=401)


def test_admin_sees_archived_projects_and_users(api):
    assert 4 in ids(api.get("projects"))
    assert api.get("projects/4")["active"] is False
    assert api.get("users", pageSize=50)["total"] == 8


def test_archived_project_work_packages_are_hidden_even_for_admins(api, inst):
    archived_wp = next(
        wp["id"] for wp in inst.work_packages.values() if wp["project_id"] == 4
    )
    api.get(f"work_packages/{archived_wp}", expect=404)
    api.get("projects/4/work_packages", expect=404)


def test_non_admin_gets_403_on_users_and_404_on_archived(make_server):
    api = Api(make_server(admin=False))
    body = api.get("users", expect=403)
    assert body["errorIdentifier"] == (
        "urn:openproject-org:api:v3:errors:MissingPermission"
    )
    api.get("projects/4", expect=404)
    assert 4 not in ids(api.get("projects", filters=[]))
    me = api.get("users/me")
    assert me["login"] == "admin" and "admin" not in me


def test_non_admin_principals_are_reduced(make_server):
    api = Api(make_server(admin=False))
    body = api.get("principals", pageSize=50)
    users = [e for e in body["_embedded"]["elements"] if e["_type"] == "User"]
    assert users
    # Only the key's own user (1) comes with login, names and status.
    for user in (u for u in users if u["id"] != 1):
        assert not {"login", "firstName", "lastName", "status", "createdAt"} & set(user)
    erika = next(u for u in users if u["id"] == 4)
    tomas = next(u for u in users if u["id"] == 5)
    assert "email" not in erika  # hides her address
    assert tomas["email"] == "tomas.example@example.com"
    group = next(e for e in body["_embedded"]["elements"] if e["_type"] == "Group")
    assert "createdAt" not in group


def test_admin_principals_mix_users_groups_and_placeholders(api):
    body = api.get("principals", pageSize=50)
    kinds = {e["_type"] for e in body["_embedded"]["elements"]}
    assert kinds == {"User", "Group", "PlaceholderUser"}
    hrefs = {e["_links"]["self"]["href"] for e in body["_embedded"]["elements"]}
    assert "/api/v3/groups/11" in hrefs and "/api/v3/placeholder_users/12" in hrefs
    assert all(e["name"] != "Deleted user" for e in body["_embedded"]["elements"])


def test_principals_type_filter(api):
    body = api.get(
        "principals", filters=[{"type": {"operator": "=", "values": ["Group"]}}]
    )
    assert ids(body) == [11]


def test_root_discloses_version_to_admins_only(make_server):
    admin_root = Api(make_server()).get("")
    assert admin_root["_type"] == "Root"
    assert admin_root["coreVersion"] == "17.9.0"
    assert admin_root["instanceName"] == "Example Corp OpenProject"
    assert admin_root["_links"]["user"]["href"] == "/api/v3/users/1"
    plain_root = Api(make_server(admin=False)).get("")
    assert "coreVersion" not in plain_root


def test_version_7_renders_plain_comments_and_refuses_updated_at(make_server):
    api = Api(make_server(version="7.3.0"))
    entry = api.get("time_entries/1")
    assert isinstance(entry["comment"], str)
    assert "ongoing" not in entry and "entity" not in entry["_links"]
    flt = [{"updatedAt": {"operator": "<>d", "values": ["2026-01-01T00:00:00Z", ""]}}]
    assert api.get("time_entries", expect=400, filters=flt)["errorIdentifier"].endswith(
        ":InvalidQuery"
    )
    api.get("projects", expect=400, filters=flt)
    assert api.get("work_packages", filters=flt)["total"] > 0
    deleted = api.get("users/3")
    assert deleted["status"] == "builtin" and deleted["subtype"] == "DeletedUser"
    wp = api.get("work_packages/1")
    assert "displayId" not in wp
    assert (
        "internal"
        not in api.get("work_packages/1/activities")["_embedded"]["elements"][0]
    )


def test_projects_updated_at_filter_needs_16_5(make_server):
    flt = [{"updatedAt": {"operator": "<>d", "values": ["2026-01-01T00:00:00Z", ""]}}]
    Api(make_server(version="16.4.1")).get("projects", expect=400, filters=flt)
    assert Api(make_server(version="16.5.0")).get("projects", filters=flt)["total"]


def test_display_id_from_17_5(make_server):
    assert "displayId" not in Api(make_server(version="17.4.0")).get("work_packages/1")
    assert Api(make_server(version="17.5.0")).get("work_packages/1")["displayId"] == "1"


def test_program_project_link_depends_on_version(make_server, inst):
    milestone = next(
        wp["id"] for wp in inst.work_packages.values() if wp["subject"] == "Go-live"
    )
    new = Api(make_server()).get(f"work_packages/{milestone}")
    assert new["_links"]["project"]["href"] == "/api/v3/programs/5"
    old = Api(make_server(version="16.6.0")).get(f"work_packages/{milestone}")
    assert old["_links"]["project"]["href"] == "/api/v3/projects/5"


def test_emulator_refuses_non_loopback_hosts(inst):
    from openproject_emulator import EmulatorServer

    with pytest.raises(ValueError):
        EmulatorServer(inst, host="0.0.0.0")
