"""The intended answer of every route to every kind of visitor.

tests/test_access_matrix.py requests each route as each role and compares the status code with
this table; a route missing from the table fails the test, so a new page cannot ship without a
decision about who may see it.

Roles: anonymous; staff, manager (both of facility A); admin; auditor (read-only, all
facilities); other_staff (staff of facility B, probing facility A's records).
Path values: {facility} is facility A's code; {user_id} an account of facility A; other ids are
records of facility A (see the `world` fixture in tests/test_access_matrix.py).
"""
from __future__ import annotations

ROLES = ("anonymous", "staff", "manager", "admin", "auditor", "other_staff")
LOGIN = "login"  # a 302 to the sign-in page


def answers(default: int | str, **by_role) -> dict[str, int | str]:
    table = {role: default for role in ROLES}
    table.update(by_role)
    return table


def signed_in(status: int = 200) -> dict:
    """Any signed-in person; anonymous visitors go to sign in."""
    return answers(status, anonymous=LOGIN)


def only(*roles: str, status: int = 200) -> dict:
    """The given roles; other signed-in people get 403; anonymous visitors go to sign in."""
    return answers(403, anonymous=LOGIN, **{role: status for role in roles})


# Writing in a facility: its staff, managers and admins; auditors only read; staff of another
# facility are told the record does not exist.
WRITE_IN_FACILITY = only("staff", "manager", "admin") | {"other_staff": 404}
WRITE_IN_FACILITY_POST = only("staff", "manager", "admin", status=302) | {"other_staff": 404}

# endpoint: (method, path, expected answers). POSTs are sent with no form data.
MATRIX: dict[str, tuple[str, str, dict]] = {
    "web.index": ("GET", "/", answers(302)),
    "web.healthz": ("GET", "/healthz", answers(200)),
    "web.keepalive": ("POST", "/session/keepalive", signed_in(204)),
    "auth.login": ("GET", "/login", answers(302, anonymous=200)),  # signed in: sent home
    "auth.verify": ("GET", "/login/verify", answers(302)),  # no password step pending: back to sign-in
    "auth.logout": ("POST", "/logout", answers(302)),
    "auth.change_password": ("GET", "/account/password", signed_in()),
    "auth.preferences": ("GET", "/account", signed_in()),
    "auth.two_step": ("GET", "/account/two-step", signed_in()),
    "facilities.index": ("GET", "/facilities/", signed_in()),
    "facilities.detail": ("GET", "/facilities/{facility}", signed_in(200) | {"other_staff": 404}),
    "facilities.create": ("GET", "/facilities/new", only("admin")),
    "facilities.edit": ("GET", "/facilities/{facility}/edit", only("admin")),
    "users.index": ("GET", "/admin/users/", only("admin")),
    "users.create": ("GET", "/admin/users/new", only("admin")),
    "users.edit": ("GET", "/admin/users/{user_id}", only("admin")),
    "users.disable": ("POST", "/admin/users/{user_id}/disable", only("admin", status=302)),
    "users.enable": ("POST", "/admin/users/{user_id}/enable", only("admin", status=302)),
    "users.reset_password": ("POST", "/admin/users/{user_id}/password", only("admin", status=400)),
    "users.reset_mfa": ("POST", "/admin/users/{user_id}/two-step/reset", only("admin", status=302)),
    "users.grant_reviewer": ("POST", "/admin/users/{user_id}/reviewer/grant", only("admin", status=302)),
    "users.revoke_reviewer": ("POST", "/admin/users/{user_id}/reviewer/revoke", only("admin", status=302)),
    "api_keys.index": ("GET", "/admin/api-keys/", only("admin")),
    "feeds.index": ("GET", "/admin/feeds/", only("admin")),
    # death records (issue 15): never staff; a manager sees only records linked to their facilities
    "outcomes.index": ("GET", "/outcomes/deaths/", only("manager", "admin", "auditor")),
    "outcomes.detail": ("GET", "/outcomes/deaths/999999", only("manager", "admin", "auditor", status=404)),
    "outcomes.review": ("GET", "/outcomes/review/", only("manager", "admin")),
    "outcomes.decide": ("POST", "/outcomes/review/999999", only("manager", "admin", status=302)),
    "feeds.disable": ("POST", "/admin/feeds/999999/disable", only("admin", status=404)),
    "api_keys.revoke": ("POST", "/admin/api-keys/999999/revoke", only("admin", status=404)),
    # The API takes only keys: a signed-in browser is as anonymous there (401, no redirect).
    "api.get_booking": ("GET", "/api/v1/facilities/{facility}/bookings/B1", answers(401)),
    "api.put_booking": ("PUT", "/api/v1/facilities/{facility}/bookings/B1", answers(401)),
    "api.release_booking": ("POST", "/api/v1/facilities/{facility}/bookings/B1/release", answers(401)),
    "api.kit_events": ("GET", "/api/v1/facilities/{facility}/kit-events", answers(401)),
    "api.report": ("GET", "/api/v1/reports/distribution?from=2026-01-01&to=2026-01-31", answers(401)),
    "api.openapi": ("GET", "/api/v1/openapi.json", answers(200)),
    "api.fhir_medication_dispense": ("GET", "/api/v1/fhir/MedicationDispense?facility={facility}", answers(401)),
    "audit.index": ("GET", "/audit/", only("admin", "auditor")),
    "audit.export": ("GET", "/audit/export.csv", only("admin", "auditor")),
    # documents: public verification, certificates, directory, hotlines, Good Samaritan laws
    "documents.verify_lookup": ("GET", "/verify/", answers(200)),
    "documents.verify": ("GET", "/verify/{certificate_code}", answers(200)),
    "documents.certificate_detail": ("GET", "/certificates/{certificate_id}", signed_in() | {"other_staff": 404}),
    "documents.certificate_pdf": ("GET", "/certificates/{certificate_id}.pdf", signed_in() | {"other_staff": 404}),
    "documents.certificate_revoke": ("POST", "/certificates/{certificate_id}/revoke",
                                     only("admin", "manager", status=302)),
    "documents.certificate_reissue": ("POST", "/certificates/{certificate_id}/reissue",
                                      only("admin", "manager", "staff", status=302) | {"other_staff": 404}),
    "documents.participant_packet": ("POST", "/participants/{participant_id}/packet.pdf",
                                     only("admin", "manager", "staff", status=400) | {"other_staff": 404}),
    "documents.resource_index": ("GET", "/resources/", only("admin", "auditor")),
    "documents.resource_export": ("GET", "/resources/export.csv", only("admin", "auditor")),
    "documents.resource_create": ("GET", "/resources/new", only("admin")),
    "documents.resource_import": ("GET", "/resources/import", only("admin")),
    "documents.resource_edit": ("GET", "/resources/{resource_id}/edit", only("admin")),
    "documents.resource_void": ("POST", "/resources/{resource_id}/void", only("admin", status=302)),
    "documents.hotline_index": ("GET", "/hotlines/", only("admin", "auditor")),
    "documents.hotline_edit": ("GET", "/hotlines/{hotline_id}/edit", only("admin")),
    "documents.law_index": ("GET", "/laws/", only("admin", "auditor")),
    "documents.law_edit": ("GET", "/laws/{law_state}/edit", only("admin")),
    # content sign-off (issue 13): admins and auditors read it; approving needs an admin account
    # marked as content reviewer, which the matrix's admin is not (tests/documents/test_content_approval.py)
    "documents.content_index": ("GET", "/admin/content", only("admin", "auditor")),
    "documents.content_approve": ("POST", "/admin/content/approve", answers(403, anonymous=LOGIN)),
    # reports: every signed-in person, scoped to the facilities they may see
    "reports.index": ("GET", "/reports/", signed_in()),
    "reports.dashboard": ("GET", "/reports/dashboard", only("manager", "admin", "auditor")),
    "reports.deidentified": ("GET", "/reports/deidentified", only("manager", "admin", "auditor")),
    "reports.detail": ("GET", "/reports/distribution?start=2026-01-01&end=2026-01-31", signed_in()),
    # a report that counts deaths (issue 15): the death-records roles only; a manager's figures
    # are their own facilities'
    "reports.detail:outcomes": ("GET", "/reports/outcomes?start=2026-01-01&end=2026-01-31",
                                only("manager", "admin", "auditor")),
    "reports.download:outcomes": ("GET", "/reports/outcomes/download?start=2026-01-01&end=2026-01-31&format=csv",
                                  only("manager", "admin", "auditor")),
    "reports.download:outcomes-pdf": ("GET", "/reports/outcomes/download?start=2026-01-01&end=2026-01-31&format=pdf",
                                      only("manager", "admin", "auditor")),
    "reports.download": ("GET", "/reports/coverage/download?start=2026-01-01&end=2026-01-31&format=csv",
                         signed_in()),
    # naloxone: catalog, funding, stock by lot, kit events, use reports, worklist
    "naloxone.index": ("GET", "/naloxone/", signed_in()),
    "naloxone.products": ("GET", "/naloxone/products", signed_in()),
    "naloxone.product_edit": ("GET", "/naloxone/products/{product_id}/edit", only("admin")),
    "naloxone.product_retire": ("POST", "/naloxone/products/{product_id}/retire", only("admin", status=302)),
    "naloxone.product_gtin_add": ("POST", "/naloxone/products/{product_id}/gtins", only("admin", status=302)),
    "naloxone.product_gtin_new": ("GET", "/naloxone/products/gtins/new", only("admin")),
    "naloxone.product_gtin_remove": ("POST", "/naloxone/products/{product_id}/gtins/{gtin_id}/remove",
                                     only("admin", status=302)),
    # No code sent: the JSON names the field. Auditors send no POSTs at all.
    "naloxone.scan": ("POST", "/naloxone/scan", signed_in(400) | {"auditor": 403}),
    "naloxone.funding": ("GET", "/naloxone/funding", signed_in()),
    "naloxone.funding_retire": ("POST", "/naloxone/funding/{source_id}/retire", only("admin", status=302)),
    "naloxone.worklist": ("GET", "/naloxone/{facility}/worklist", signed_in() | {"other_staff": 404}),
    "naloxone.inventory": ("GET", "/naloxone/{facility}/inventory", signed_in() | {"other_staff": 404}),
    "naloxone.alerts": ("GET", "/naloxone/{facility}/alerts", signed_in() | {"other_staff": 404}),
    "naloxone.locations": ("GET", "/naloxone/{facility}/locations", signed_in() | {"other_staff": 404}),
    "naloxone.kit_index": ("GET", "/naloxone/{facility}/kits", signed_in() | {"other_staff": 404}),
    "naloxone.reversal_index": ("GET", "/naloxone/{facility}/reversals", signed_in() | {"other_staff": 404}),
    "naloxone.kit_create": ("GET", "/naloxone/{facility}/kits/new", WRITE_IN_FACILITY),
    "naloxone.kit_bulk": ("GET", "/naloxone/{facility}/kits/bulk", WRITE_IN_FACILITY),
    "naloxone.reversal_create": ("GET", "/naloxone/{facility}/reversals/new", WRITE_IN_FACILITY),
    "naloxone.lot_receive": ("GET", "/naloxone/{facility}/lots/receive", WRITE_IN_FACILITY),
    "naloxone.kit_detail": ("GET", "/naloxone/kits/{event_id}", signed_in() | {"other_staff": 404}),
    "naloxone.kit_edit": ("GET", "/naloxone/kits/{event_id}/edit", WRITE_IN_FACILITY),
    "naloxone.kit_void": ("POST", "/naloxone/kits/{event_id}/void", WRITE_IN_FACILITY_POST),
    "naloxone.kit_pickup": ("POST", "/naloxone/kits/{event_id}/pickup", WRITE_IN_FACILITY_POST),
    "naloxone.reversal_detail": ("GET", "/naloxone/reversals/{report_id}", signed_in() | {"other_staff": 404}),
    "naloxone.reversal_void": ("POST", "/naloxone/reversals/{report_id}/void", WRITE_IN_FACILITY_POST),
    "naloxone.lot_detail": ("GET", "/naloxone/lots/{lot_id}", signed_in() | {"other_staff": 404}),
    "naloxone.lot_waste": ("POST", "/naloxone/lots/{lot_id}/waste", WRITE_IN_FACILITY_POST),
    "naloxone.lot_adjust": ("POST", "/naloxone/lots/{lot_id}/adjust", WRITE_IN_FACILITY_POST),
    "naloxone.lot_transfer": ("POST", "/naloxone/lots/{lot_id}/transfer", WRITE_IN_FACILITY_POST),
    "naloxone.lot_recall": ("POST", "/naloxone/lots/{lot_id}/recall", only("admin", "manager", status=302)),
    "naloxone.lot_recall_lift": ("POST", "/naloxone/lots/{lot_id}/recall/lift",
                                 only("admin", "manager", status=302)),
    "naloxone.recall_list": ("GET", "/naloxone/lots/{lot_id}/recall-list", only("admin", "manager", "auditor")),
    "naloxone.recall_export": ("GET", "/naloxone/lots/{lot_id}/recall-list.csv",
                               only("admin", "manager", "auditor")),
    "naloxone.location_check": ("GET", "/naloxone/locations/{location_id}/check", WRITE_IN_FACILITY),
    # trainings: sessions, attendance, pre/post grid, curricula; the kiosk answers 403 to anyone
    # without a kiosk session on that device
    "training.index": ("GET", "/training/", signed_in()),
    "training.create": ("GET", "/training/new", only("staff", "manager", "admin", "other_staff")),
    "training.detail": ("GET", "/training/{session_id}", signed_in() | {"other_staff": 404}),
    "training.edit": ("GET", "/training/{session_id}/edit", WRITE_IN_FACILITY),
    "training.grid": ("GET", "/training/{session_id}/grid/pre", signed_in() | {"other_staff": 404}),
    # (an empty form: 400 or 422 once past the access check)
    "training.add_attendee": ("POST", "/training/{session_id}/attendees",
                              only("staff", "manager", "admin", status=400) | {"other_staff": 404}),
    "training.add_unit": ("POST", "/training/{session_id}/unit",
                          only("staff", "manager", "admin", status=422) | {"other_staff": 404}),
    "training.add_walk_in": ("POST", "/training/{session_id}/walk-in",
                             only("staff", "manager", "admin", status=422) | {"other_staff": 404}),
    "training.edit_attendee": ("POST", "/training/{session_id}/attendees/{attendee_id}", WRITE_IN_FACILITY_POST),
    "training.void_attendee": ("POST", "/training/{session_id}/attendees/{attendee_id}/void",
                               WRITE_IN_FACILITY_POST),
    "training.complete": ("POST", "/training/{session_id}/complete", WRITE_IN_FACILITY_POST),
    "training.void": ("POST", "/training/{session_id}/void", only("manager", "admin", status=422)),
    "training.reopen": ("POST", "/training/{session_id}/reopen", only("manager", "admin", status=422)),
    "training.curricula": ("GET", "/training/curricula/", signed_in()),
    "training.curriculum": ("GET", "/training/curricula/{version_id}", signed_in()),
    "training.compare": ("GET", "/training/curricula/compare?a={version_id}&b={version_id}",
                         only("admin", "manager", "auditor")),
    "training.kiosk_start": ("GET", "/training/kiosk/start", only("staff", "manager", "admin", "other_staff")),
    "training.kiosk": ("GET", "/kiosk/", answers(403)),
    "training.kiosk_step": ("GET", "/kiosk/pre", answers(403)),
    "training.kiosk_language": ("POST", "/kiosk/language", answers(403)),
    "training.kiosk_ping": ("POST", "/kiosk/ping", answers(403)),
    "training.kiosk_lock": ("POST", "/kiosk/lock", answers(403)),
    "training.kiosk_unlock": ("POST", "/kiosk/unlock", answers(403)),
    "training.kiosk_exit": ("GET", "/kiosk/exit", answers(403)),
    # participants: registry, screening, roster import
    "participants.index": ("GET", "/participants/", signed_in()),
    "participants.export": ("GET", "/participants/export.csv", only("manager", "admin", "auditor")),
    "participants.detail": ("GET", "/participants/{participant_id}", signed_in() | {"other_staff": 404}),
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

# Routes every visitor may reach by design and that take no record id.
EXEMPT = {"static"}

# Every route that returns participants' names (issue 14.5), with the kind of page it is in the
# one rule `reentry.auth.access.NAME_ACCESS`: "work" pages (one record, or a list staff work from)
# for everyone who may see the facility; "bulk" lists and exports (every match at once) for
# managers, admins and auditors only, staff get 403. tests/test_access_matrix.py requests each
# as every role against a world holding one named person, checks the answer and that the name is
# in the page exactly when the answer is 200 and the role sees the person's facility, and finds
# by content every page that shows the name, so a new one cannot ship off this list.
# Extra path values: {episode_id}, {start}, {end} (a period around today), {lot_number}.
BULK_NAMES = only("manager", "admin", "auditor")
NAME_ROUTES: dict[str, tuple[str, str, str, dict]] = {
    # bulk
    "participants.export": ("GET", "/participants/export.csv", "bulk", BULK_NAMES),
    "naloxone.recall_list": ("GET", "/naloxone/lots/{lot_id}/recall-list", "bulk", BULK_NAMES),
    "naloxone.recall_export": ("GET", "/naloxone/lots/{lot_id}/recall-list.csv", "bulk", BULK_NAMES),
    "reports.detail:recall": ("GET", "/reports/recall?start={start}&end={end}&lot={lot_number}", "bulk", BULK_NAMES),
    "reports.download:recall": ("GET", "/reports/recall/download?start={start}&end={end}&lot={lot_number}&format=csv",
                                "bulk", BULK_NAMES),
    "reports.download:recall-pdf": ("GET", "/reports/recall/download?start={start}&end={end}&lot={lot_number}"
                                    "&format=pdf", "bulk", BULK_NAMES),
    # the audit log: its rows' changes hold names; closed to managers too
    "audit.index": ("GET", "/audit/", "bulk", only("admin", "auditor")),
    "audit.export": ("GET", "/audit/export.csv", "bulk", only("admin", "auditor")),
    # work: every role that sees the facility (other_staff sees another facility: 404, or a list
    # without the person)
    "participants.index": ("GET", "/participants/", "work", signed_in()),
    "participants.detail": ("GET", "/participants/{participant_id}", "work", signed_in() | {"other_staff": 404}),
    "participants.edit": ("GET", "/participants/{participant_id}/edit", "work", WRITE_IN_FACILITY),
    "participants.void": ("GET", "/participants/{participant_id}/void", "work", only("manager", "admin")),
    "participants.screening": ("GET", "/participants/{participant_id}/screening", "work", WRITE_IN_FACILITY),
    "naloxone.worklist": ("GET", "/naloxone/{facility}/worklist", "work", signed_in() | {"other_staff": 404}),
    "naloxone.kit_index": ("GET", "/naloxone/{facility}/kits", "work", signed_in() | {"other_staff": 404}),
    "naloxone.kit_detail": ("GET", "/naloxone/kits/{event_id}", "work", signed_in() | {"other_staff": 404}),
    "naloxone.kit_edit": ("GET", "/naloxone/kits/{event_id}/edit", "work", WRITE_IN_FACILITY),
    "naloxone.kit_create": ("GET", "/naloxone/{facility}/kits/new?episode={episode_id}", "work", WRITE_IN_FACILITY),
    "naloxone.reversal_detail": ("GET", "/naloxone/reversals/{report_id}", "work", signed_in() | {"other_staff": 404}),
    "training.detail": ("GET", "/training/{session_id}", "work", signed_in() | {"other_staff": 404}),
    "training.grid": ("GET", "/training/{session_id}/grid/pre", "work", signed_in() | {"other_staff": 404}),
    "documents.certificate_detail": ("GET", "/certificates/{certificate_id}", "work",
                                     signed_in() | {"other_staff": 404}),
    "documents.certificate_pdf": ("GET", "/certificates/{certificate_id}.pdf", "work",
                                  signed_in() | {"other_staff": 404}),
    "documents.participant_packet": ("POST", "/participants/{participant_id}/packet.pdf", "work",
                                     only("admin", "manager", "staff", status=400) | {"other_staff": 404}),
}
