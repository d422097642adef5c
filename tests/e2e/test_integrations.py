"""The integration admin pages in a real browser: an API key made, shown once, used and revoked;
a roster feed added (a bad folder named), listed with its health, and disabled; the content
review page."""
from __future__ import annotations

import json
import urllib.error
import urllib.request

from playwright.sync_api import expect


def _api_status(base_url: str, key: str) -> int:
    request = urllib.request.Request(f"{base_url}/api/v1/facilities/DEMO-JAIL/kit-events",
                                     headers={"Authorization": f"Bearer {key}"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            json.loads(response.read())
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_admin_makes_uses_and_revokes_an_api_key(page, a11y, sign_in, base_url):
    sign_in(page, "admin@demo.test")
    page.get_by_role("link", name="API keys").click()
    a11y(page)
    page.get_by_label("Name").fill("e2e-health-record")
    page.get_by_label("DEMO-JAIL: ", exact=False).first.check()
    page.get_by_label("Scope").select_option("read")
    page.get_by_role("button", name="Create key").click()
    page.wait_for_load_state("load")
    a11y(page, "key shown once")
    key = page.locator("#new-key").inner_text().strip()
    assert key.startswith("rk_")
    assert _api_status(base_url, key) == 200
    page.goto("/admin/api-keys/")
    a11y(page, "after the key was shown")
    expect(page.locator("main")).not_to_contain_text(key)
    row = page.get_by_role("row").filter(has_text="e2e-health-record")
    row.get_by_role("button", name="Revoke").click()
    page.wait_for_load_state("load")
    a11y(page, "revoked")
    expect(page.get_by_role("row").filter(has_text="e2e-health-record")).to_contain_text("Revoked")
    assert _api_status(base_url, key) == 401


def test_admin_adds_a_roster_feed_and_sees_its_health(page, a11y, sign_in, tmp_path):
    drop = tmp_path / "drop"
    drop.mkdir()
    sign_in(page, "admin@demo.test")
    page.get_by_role("link", name="Roster feeds").click()
    a11y(page)
    page.get_by_label("Facility").select_option("DEMO-JAIL")
    page.get_by_label("Drop folder").fill("relative/folder")
    page.get_by_label("File name pattern").fill("roster-*.csv")
    page.get_by_role("button", name="Add feed").click()
    page.wait_for_load_state("load")
    a11y(page, "bad folder")
    expect(page.locator("main")).to_contain_text("full path")
    page.get_by_label("Drop folder").fill(str(drop))
    page.get_by_role("button", name="Add feed").click()
    page.wait_for_load_state("load")
    a11y(page, "feed added")
    row = page.get_by_role("row").filter(has_text=str(drop))
    expect(row).to_contain_text("no file yet")
    page.goto("/facilities/DEMO-JAIL")
    a11y(page, "facility page with feed health")
    expect(page.get_by_role("heading", name="Roster feeds")).to_be_visible()
    page.goto("/admin/feeds/")
    page.get_by_role("row").filter(has_text=str(drop)).get_by_role("button", name="Disable").click()
    page.wait_for_load_state("load")
    a11y(page, "disabled")
    expect(page.get_by_role("row").filter(has_text=str(drop))).to_contain_text("disabled")


def test_the_content_review_page(page, a11y, sign_in):
    sign_in(page, "admin@demo.test")
    page.goto("/admin/content")
    a11y(page)
    expect(page.get_by_role("heading", level=1)).to_be_visible()
