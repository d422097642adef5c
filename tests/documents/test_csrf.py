"""With CSRF on (as in production), a forged POST to the admin pages changes nothing."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from reentry.documents.models import Resource
from reentry.extensions import db


@pytest.fixture
def app_config(database_url):
    from tests.conftest import base_config

    return base_config(database_url, WTF_CSRF_ENABLED=True)


def test_resource_post_without_a_token_is_refused(client, make_user, login):
    admin = make_user("admin")
    login_page = client.get("/login").get_data(as_text=True)
    token = login_page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    client.post("/login", data={"email": admin.email, "password": "correct horse battery staple 42",
                                "csrf_token": token})
    response = client.post("/resources/new", data={"name": "Forged", "type": "moud", "state": "OH",
                                                   "county": "Franklin"})
    assert response.status_code in (200, 400)
    assert db.session.scalar(select(func.count(Resource.id))) == 0


def test_content_approval_without_a_token_is_refused(client, make_user, login):
    from reentry.documents import governance
    from reentry.documents.models import ContentApproval

    reviewer = make_user("admin")
    governance.grant_reviewer(None, reviewer)
    db.session.commit()
    login_page = client.get("/login").get_data(as_text=True)
    token = login_page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    client.post("/login", data={"email": reviewer.email, "password": "correct horse battery staple 42",
                                "csrf_token": token})
    response = client.post("/admin/content/approve", data={
        "version": governance.current_content().version, "title": "Medical Director",
        "title_es": "Director médico", "signed_name": "Forged"})
    assert response.status_code in (400, 422)
    assert db.session.scalar(select(func.count(ContentApproval.id))) == 0
