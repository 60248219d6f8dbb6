"""LTI storage: platform registrations, their deployments, and the tool's signing keys.

A registration is one (issuer, client_id) pair: hosted Canvas uses a single
issuer for every school, so one issuer may carry many client ids. A deployment
is created INACTIVE the first time a validly signed launch names it, until an
admin activates it (the console at /admin/, or ``stepping-stones lti
activate-deployment``).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tool.db import Base, utcnow

PLATFORM_FAMILIES = ("canvas", "moodle", "other")
# A registration is "pending" until a tool administrator approves it (the console, /admin/):
# Dynamic Registration under an issuer we already know, or from a host that cannot vouch for its issuer.
REGISTRATION_STATUSES = ("active", "pending")


class Registration(Base):
    __tablename__ = "lti_registrations"
    __table_args__ = (UniqueConstraint("issuer", "client_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    issuer: Mapped[str] = mapped_column(String(255))
    client_id: Mapped[str] = mapped_column(String(255))
    name: Mapped[str] = mapped_column(String(255), default="")
    auth_login_url: Mapped[str] = mapped_column(String(1024))
    auth_token_url: Mapped[str] = mapped_column(String(1024))
    # Some platforms want a different ``aud`` in the client assertion than the token URL.
    token_audience: Mapped[str | None] = mapped_column(String(1024), default=None)
    jwks_url: Mapped[str] = mapped_column(String(1024))
    platform_family: Mapped[str] = mapped_column(String(16), default="other")
    # Space-separated, as OAuth2 writes scopes; what the platform granted at registration.
    granted_scopes: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default="active", server_default="active")
    # How the registration came: "cli" (typed by an administrator) or "dynamic" (Dynamic Registration).
    source: Mapped[str] = mapped_column(String(16), default="cli", server_default="cli")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    deployments: Mapped[list[Deployment]] = relationship(
        back_populates="registration", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def scopes(self) -> frozenset[str]:
        return frozenset(self.granted_scopes.split())


class Deployment(Base):
    __tablename__ = "lti_deployments"
    __table_args__ = (UniqueConstraint("registration_id", "deployment_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(
        ForeignKey("lti_registrations.id", ondelete="CASCADE"), index=True
    )
    deployment_id: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Recorded at most once a minute per process (a whole class launches at once).
    last_launch_at: Mapped[datetime | None] = mapped_column(default=None)

    registration: Mapped[Registration] = relationship(back_populates="deployments")


class ToolKey(Base):
    """One RSA key pair of the tool; the private half is Fernet-encrypted at rest."""

    __tablename__ = "lti_tool_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    kid: Mapped[str] = mapped_column(String(64), unique=True)
    public_jwk: Mapped[str] = mapped_column(Text)  # JSON
    private_key_encrypted: Mapped[str] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    retired_at: Mapped[datetime | None] = mapped_column(default=None)
