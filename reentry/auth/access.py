"""Authorization in one place: role checks for views and facility scoping for queries."""
from __future__ import annotations

from functools import wraps

from flask import abort
from flask_login import current_user, login_required
from sqlalchemy import Select

from reentry.auth.models import User


def role_required(*roles: str):
    """Allow the view only to logged-in users with one of these roles (403 otherwise)."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        wrapped.allowed_roles = roles
        return wrapped

    return decorator


# Who sees participants' names, dates of birth and bookings (issue 14.5), by kind of page:
# - "work": one person's record, or a list staff work from (the registry search 50 a page, the
#   release worklist, kit records, a training roster). Everyone who may see the facility: staff
#   cannot give a kit or run a class without the name in front of them.
# - "bulk": every matching person at once, as a file or a contact list (participant export,
#   recall contact list and CSV, the recall report and its download). A copy that can leave the
#   building, so managers, admins and auditors only; staff get 403.
NAME_ACCESS = {
    "work": ("admin", "manager", "staff", "auditor"),
    "bulk": ("admin", "manager", "auditor"),
}


def may_see_names(user: User | None, kind: str) -> bool:
    """Whether this user may see participants' names on a page of this kind ("work" or "bulk")."""
    return user is not None and user.role in NAME_ACCESS[kind]


def shows_names(kind: str):
    """Mark a view that returns participants' names, and refuse (403) anyone `may_see_names`
    refuses. The mark (`view.shows_names`) is how the access-matrix test finds every such route."""
    if kind not in NAME_ACCESS:
        raise ValueError(f"unknown kind of name page: {kind}")

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not may_see_names(current_user, kind):
                abort(403)
            return view(*args, **kwargs)

        wrapped.shows_names = kind
        return wrapped

    return decorator


def require_names(user: User | None, kind: str) -> None:
    """The same rule inside a view that returns names only sometimes (e.g. one of several reports)."""
    if not may_see_names(user, kind):
        abort(403)


def visible_facility_ids(user: User) -> set[int] | None:
    """The facilities whose records this user may see; None means all of them."""
    return None if user.sees_all_facilities else user.facility_ids


def scope_to_facilities(stmt: Select, facility_column, user: User) -> Select:
    """Limit a query to the user's facilities (a no-op for admins and auditors)."""
    ids = visible_facility_ids(user)
    if ids is None:
        return stmt
    return stmt.where(facility_column.in_(ids))


def can_see_facility(user: User, facility_id: int) -> bool:
    ids = visible_facility_ids(user)
    return ids is None or facility_id in ids


# Roles that run a facility (stock, recalls, voids); a manager only in their own facilities.
MANAGING_ROLES = ("admin", "manager")


def managed_facility_ids(user: User | None) -> set[int] | None:
    """The facilities whose stock this user may manage (recall, lift a recall); None means all.

    Admins manage every facility, managers their own, staff and auditors none. No user (the CLI,
    demo data) acts for the whole program.
    """
    if user is None or user.role == "admin":
        return None
    return user.facility_ids if user.role in MANAGING_ROLES else set()


def can_manage_facility(user: User | None, facility_id: int) -> bool:
    ids = managed_facility_ids(user)
    return ids is None or facility_id in ids


def refuse_unseen(user: User, entity_type: str, entity_id, facility_id: int | None = None):
    """Answer 404 for a record in a facility the user may not see, and audit the attempt.

    The answer is the same as for a record that does not exist, so ids cannot be probed; the
    audit row (committed on its own: the request changes nothing else) lets an auditor see who
    tried (ASVS 8.2.2).
    """
    from reentry import audit
    from reentry.extensions import db

    audit.record(user, "access.denied", entity_type, entity_id, facility_id=facility_id)
    db.session.commit()
    abort(404)
