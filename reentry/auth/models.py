from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Column, ForeignKey, String, Table, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from reentry.database import UTCDateTime, utcnow
from reentry.extensions import db
from reentry.facilities.models import Facility

ROLES = ("admin", "manager", "staff", "auditor")
# Roles that see every facility's records; the others see only their own facilities.
ALL_FACILITY_ROLES = ("admin", "auditor")

user_facilities = Table(
    "user_facilities",
    db.metadata,
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("facility_id", ForeignKey("facilities.id", ondelete="CASCADE"), primary_key=True),
)


class User(db.Model):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint("role IN ('admin', 'manager', 'staff', 'auditor')", name="role"),
        CheckConstraint("preferred_language IN ('en', 'es')", name="preferred_language"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(String(255))
    preferred_language: Mapped[str] = mapped_column(String(5), default="en")
    is_disabled: Mapped[bool] = mapped_column(default=False)
    must_change_password: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    password_changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Two-step sign-in (TOTP, RFC 6238). The last accepted time step is kept so that each code
    # works only once (ASVS 6.5.1).
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_enabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    totp_last_counter: Mapped[int | None] = mapped_column()
    # May approve a content version (issue 13): a medical director's permission, honoured only on
    # an admin account (see `can_approve_content`). Granted with `reentry content grant-reviewer`.
    is_content_reviewer: Mapped[bool] = mapped_column(default=False, server_default=false())

    facilities: Mapped[list[Facility]] = relationship(
        secondary=user_facilities, order_by=Facility.code, lazy="selectin"
    )

    # Flask-Login protocol. get_id() is only a lookup key: the session token in AuthSession
    # is what proves the login, so an old cookie cannot be replayed after logout.
    @property
    def is_active(self) -> bool:
        return not self.is_disabled

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return str(self.id)

    @property
    def has_mfa(self) -> bool:
        return self.totp_enabled_at is not None

    @property
    def sees_all_facilities(self) -> bool:
        return self.role in ALL_FACILITY_ROLES

    @property
    def is_read_only(self) -> bool:
        return self.role == "auditor"

    @property
    def can_approve_content(self) -> bool:
        """A medical director's sign-off changes what every facility's packets say: admins only."""
        return self.role == "admin" and self.is_content_reviewer and not self.is_disabled

    @property
    def facility_ids(self) -> set[int]:
        return {facility.id for facility in self.facilities}

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role}>"


class AuthSession(db.Model):
    """One login. The cookie carries a random token whose hash is stored here; ending the row
    ends the login on the server, whatever copy of the cookie still exists."""

    __tablename__ = "auth_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_reason: Mapped[str | None] = mapped_column(String(32))

    user: Mapped[User] = relationship()

    def __repr__(self) -> str:
        return f"<AuthSession {self.id} user={self.user_id}>"


class RecoveryCode(db.Model):
    """A single-use code for when the authenticator is lost. Only a hash is stored."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def __repr__(self) -> str:
        return f"<RecoveryCode {self.id} user={self.user_id}>"
