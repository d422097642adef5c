"""Who may reach each participant page, per role (the entries for tests/access_matrix.py on main).

Roles: anonymous; staff and manager of facility A; admin; auditor (read-only, all facilities);
other_staff (staff of facility B probing a facility-A participant).
"""
from __future__ import annotations

import pytest

ROLES = ("anonymous", "staff", "manager", "admin", "auditor", "other_staff")
LOGIN = "login"


def answers(default, **by_role) -> dict:
    table = {role: default for role in ROLES}
    table.update(by_role)
    return table


def only(*roles: str, status: int = 200) -> dict:
    return answers(403, anonymous=LOGIN, **{role: status for role in roles})


# endpoint: (method, path, expected). {participant_id} is a participant of facility A.
PARTICIPANT_ROUTES = {
    "participants.index": ("GET", "/participants/", answers(200, anonymous=LOGIN)),
    "participants.export": ("GET", "/participants/export.csv", only("manager", "admin", "auditor")),
    "participants.detail": ("GET", "/participants/{participant_id}", answers(200, anonymous=LOGIN, other_staff=404)),
    "participants.edit": ("GET", "/participants/{participant_id}/edit",
                          only("staff", "manager", "admin") | {"other_staff": 404}),
    "participants.void": ("GET", "/participants/{participant_id}/void", only("manager", "admin")),
    "participants.screening": ("GET", "/participants/{participant_id}/screening",
                               only("staff", "manager", "admin") | {"other_staff": 404}),
    "participants.import_roster": ("GET", "/participants/import", only("staff", "manager", "admin", "other_staff")),
    "participants.import_confirm": ("POST", "/participants/import/confirm",
                                    only("staff", "manager", "admin", "other_staff", status=302)),
    "participants.mappings": ("GET", "/participants/mappings", only("admin")),
    "participants.mapping_edit": ("GET", "/participants/mappings/new", only("admin")),
}


def test_every_participant_route_has_an_entry(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules() if rule.endpoint.startswith("participants.")}
    assert endpoints == set(PARTICIPANT_ROUTES)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", sorted(PARTICIPANT_ROUTES))
def test_participant_route_answers_as_intended(client, make_facility, make_participant, login_as, endpoint, role):
    facility_a, facility_b = make_facility("FAC-A"), make_facility("FAC-B")
    person = make_participant(facility_a)
    if role == "other_staff":
        login_as("staff", facilities=[facility_b])
    elif role in ("staff", "manager"):
        login_as(role, facilities=[facility_a])
    elif role != "anonymous":
        login_as(role)
    method, path, expected = PARTICIPANT_ROUTES[endpoint]
    url = path.format(participant_id=person.id)
    response = client.open(url, method=method)
    want = expected[role]
    if want == LOGIN:
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    else:
        assert response.status_code == want, f"{method} {url} as {role}: {response.status_code}, wanted {want}"
