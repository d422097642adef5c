def test_login_page_renders(client):
    response = client.get("/login")
    assert response.status_code == 200
    assert b"Sign in" in response.data


def test_staff_signs_in_and_sees_their_facility(client, login_as):
    user = login_as("staff")
    page = client.get("/facilities/", follow_redirects=True)
    assert user.facilities[0].code.encode() in page.data
