"""Organisations, their units, and the people who sign in."""

from __future__ import annotations

import enum
from datetime import date, datetime

from flask_login import UserMixin
from sqlalchemy import Column, ForeignKey, String, Table, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.extensions import Model, db
from webapp.models.base import utcnow
from webapp.statistics.capacity import CapacityEntry


class UnitKind(enum.StrEnum):
    NIGHT = "night"
    DAY = "day"
    OUTREACH = "outreach"
    REGISTRATION = "registration"


class Role(enum.StrEnum):
    WRITER = "writer"
    REVIEWER = "reviewer"
    CHAIR = "chair"
    ADMIN = "admin"


unit_memberships = Table(
    "unit_memberships",
    db.metadata,
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("unit_id", ForeignKey("units.id", ondelete="CASCADE"), primary_key=True),
)


class Organisation(Model):
    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(200))

    units: Mapped[list[Unit]] = relationship(back_populates="organisation", order_by="Unit.name")

    def __repr__(self) -> str:
        return f"<Organisation {self.key}>"


class Unit(Model):
    __tablename__ = "units"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(60), unique=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[UnitKind] = mapped_column(String(20))
    # A deactivated unit keeps its history but gets no new blocks.
    active: Mapped[bool] = mapped_column(default=True)

    organisation: Mapped[Organisation] = relationship(back_populates="units")
    # Night units: places per night and the dates they apply (the capacity schedule).
    capacity: Mapped[list[UnitCapacity]] = relationship(
        back_populates="unit", cascade="all, delete-orphan", order_by="UnitCapacity.id"
    )

    @property
    def schedule(self) -> tuple[CapacityEntry, ...]:
        return tuple(entry.as_entry() for entry in self.capacity)

    def is_open_during(self, start: date, end: date) -> bool:
        """Active, and (for a unit with a capacity schedule) offering places in the period."""
        if not self.active:
            return False
        if not self.capacity:
            return True
        return any(entry.overlaps(start, end) for entry in self.capacity)

    def __repr__(self) -> str:
        return f"<Unit {self.key}>"


class UnitCapacity(Model):
    """Places per night from one date until another (both inclusive; open ends allowed)."""

    __tablename__ = "unit_capacity"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"), index=True)
    places: Mapped[int]
    from_date: Mapped[date | None]
    until_date: Mapped[date | None]

    unit: Mapped[Unit] = relationship(back_populates="capacity")

    def as_entry(self) -> CapacityEntry:
        return CapacityEntry(self.places, self.from_date, self.until_date)

    def overlaps(self, start: date, end: date) -> bool:
        return (self.from_date is None or self.from_date <= end) and (
            self.until_date is None or self.until_date >= start
        )


class User(UserMixin, Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(256))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Every session and remember cookie carries the generation it was signed in under
    # (get_id); raising it ends them all at their next request (services.accounts.end_sessions).
    session_generation: Mapped[int] = mapped_column(default=0, server_default="0")

    units: Mapped[list[Unit]] = relationship(secondary=unit_memberships, order_by="Unit.name")
    role_rows: Mapped[list[UserRole]] = relationship(cascade="all, delete-orphan")

    def get_id(self) -> str:
        """Flask-Login's "alternative token": what the session and the remember cookie store.

        "<id>.<generation>", so a cookie from before the generation was raised signs no one in.
        """
        return f"{self.id}.{self.session_generation}"

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    @property
    def roles(self) -> frozenset[Role]:
        return frozenset(Role(row.role) for row in self.role_rows)

    def has_role(self, role: Role) -> bool:
        return role in self.roles

    def __repr__(self) -> str:
        return f"<User {self.email}>"


class UserRole(Model):
    __tablename__ = "user_roles"
    __table_args__ = (UniqueConstraint("user_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    role: Mapped[Role] = mapped_column(String(20))


class TokenPurpose(enum.StrEnum):
    INVITATION = "invitation"
    PASSWORD_RESET = "password_reset"


class UserToken(Model):
    """A one-time link: an invitation or a password reset. Only the token's hash is stored."""

    __tablename__ = "user_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[TokenPurpose] = mapped_column(String(20))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    user: Mapped[User] = relationship(foreign_keys=[user_id])
