"""Every route x every role gets exactly the intended answer (see tests/access_matrix.py)."""
import pytest

from tests.access_matrix import EXEMPT, LOGIN, MATRIX, ROLES


def test_every_route_has_an_entry_in_the_matrix(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()} - EXEMPT
    missing = sorted(endpoints - set(MATRIX))
    stale = sorted(set(MATRIX) - endpoints)
    assert missing == [], f"routes with no access decision in tests/access_matrix.py: {missing}"
    assert stale == [], f"entries for routes that no longer exist: {stale}"


@pytest.fixture
def world(make_facility, make_user):
    facility_a, facility_b = make_facility("FAC-A"), make_facility("FAC-B")
    target = make_user("staff", [facility_a])
    return {"facility": facility_a.code, "user_id": target.id,
            "facility_a_obj": facility_a, "facility_b_obj": facility_b}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", sorted(MATRIX))
def test_route_answers_as_intended(app, world, login_as, endpoint, role):
    method, path, expected = MATRIX[endpoint]
    client = app.test_client()
    if role == "other_staff":
        login_as("staff", facilities=[world["facility_b_obj"]], test_client=client)
    elif role in ("staff", "manager"):
        login_as(role, facilities=[world["facility_a_obj"]], test_client=client)
    elif role != "anonymous":
        login_as(role, test_client=client)
    url = path.format(**world)
    response = client.open(url, method=method)
    want = expected[role]
    if want == LOGIN:
        assert response.status_code == 302 and "/login" in response.headers["Location"], \
            f"{method} {url} as {role}: {response.status_code}"
    else:
        assert response.status_code == want, f"{method} {url} as {role}: {response.status_code}, wanted {want}"
