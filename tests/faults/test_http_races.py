"""Races through the real HTTP server (gunicorn, 4 workers, CSRF on), not only the service layer:
the same form sent twice at once makes one row; two people giving the last kit of a lot at once
make one kit event, the other person gets a clear message, and stock ends at 0, never -1."""
import threading

import pytest

from benchmarks.load import Server, StaffClient, counts, seed


def _at_once(*calls):
    """Run the calls in threads released together by a barrier; their results in order."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(n, call):
        barrier.wait()
        results[n] = call()

    threads = [threading.Thread(target=run, args=(n, call)) for n, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


@pytest.mark.slow
def test_same_form_sent_twice_at_once_makes_one_row(database_url):
    seeded = seed(database_url, staff=1, stock=5)
    with Server(database_url) as server:
        first = StaffClient(server.base)
        first.sign_in(seeded.emails[0])
        fields = first.kit_form(seeded.code, seeded.lot_id)
        # A second connection of the same browser session (same cookies), as a double-click does.
        second = StaffClient(server.base)
        second.opener = first.opener
        responses = _at_once(lambda: first.give_kit(seeded.code, fields),
                             lambda: second.give_kit(seeded.code, fields))
    assert [r.status for r in responses] == [302, 302]
    assert responses[0].location == responses[1].location  # both point at the one record
    assert "/naloxone/kits/" in responses[0].location
    assert counts(database_url, seeded) == (1, 4)


@pytest.mark.slow
def test_two_staff_giving_the_last_kit_at_once(database_url):
    seeded = seed(database_url, staff=2, stock=1)
    with Server(database_url) as server:
        staff = [StaffClient(server.base) for _ in seeded.emails]
        forms = []
        for client, email in zip(staff, seeded.emails):
            client.sign_in(email)
            forms.append(client.kit_form(seeded.code, seeded.lot_id))
        responses = _at_once(*(lambda c=c, f=f: c.give_kit(seeded.code, f) for c, f in zip(staff, forms)))
    statuses = sorted(r.status for r in responses)
    assert statuses == [200, 302], statuses
    refused = next(r for r in responses if r.status == 200)
    assert "has 0 kit(s) left; 1 cannot be taken from it" in refused.body
    assert counts(database_url, seeded) == (1, 0)
