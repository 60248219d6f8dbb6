"""Registrations and deployments as the launch path sees them, cached in process.

A whole class launches at once, so the launch must not read configuration from
the database each time. ``Registry`` keeps an immutable ``PlatformInfo`` per
(issuer, client_id) and the ids of ACTIVE deployments. Negative answers are
never cached, so a new registration or an activation done in another process
(the CLI) is seen on the next launch; positive answers live ``CACHE_SECONDS``,
and changes made through this module invalidate them at once.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import sessionmaker

from tool.db import utcnow
from tool.lti.models import PLATFORM_FAMILIES, REGISTRATION_STATUSES, Deployment, Registration


@dataclass(frozen=True)
class PlatformInfo:
    """Immutable snapshot of a registration, safe to share between threads."""

    pk: int
    issuer: str
    client_id: str
    name: str
    auth_login_url: str
    auth_token_url: str
    token_audience: str | None
    jwks_url: str
    platform_family: str
    granted_scopes: frozenset[str]
    status: str = "active"
    source: str = "cli"
    created_at: datetime | None = None

    @property
    def pending(self) -> bool:
        return self.status == "pending"

    @classmethod
    def of(cls, row: Registration) -> PlatformInfo:
        return cls(
            pk=row.id,
            issuer=row.issuer,
            client_id=row.client_id,
            name=row.name,
            auth_login_url=row.auth_login_url,
            auth_token_url=row.auth_token_url,
            token_audience=row.token_audience,
            jwks_url=row.jwks_url,
            platform_family=row.platform_family,
            granted_scopes=row.scopes,
            status=row.status or "active",
            source=row.source or "cli",
            created_at=row.created_at,
        )


@dataclass(frozen=True)
class DeploymentState:
    pk: int
    active: bool
    created_now: bool


@dataclass(frozen=True)
class DeploymentInfo:
    """A deployment as the admin console shows it."""

    pk: int
    deployment_id: str
    active: bool
    created_at: datetime
    last_launch_at: datetime | None


class RegistrationExists(ValueError):
    """A registration for this (issuer, client_id) already exists and must not be replaced."""


class Registry:
    """Per-app, thread-safe lookups of registrations and deployments."""

    CACHE_SECONDS = 60.0
    LAST_LAUNCH_EVERY_SECONDS = 60.0

    def __init__(self, engine: Engine) -> None:
        self._sessions = sessionmaker(bind=engine, expire_on_commit=False)
        self._lock = threading.Lock()
        self._platforms: dict[tuple[str, str], tuple[float, PlatformInfo]] = {}
        self._active: dict[tuple[int, str], tuple[float, int]] = {}
        self._launch_recorded: dict[int, float] = {}

    # -- reads on the launch path -------------------------------------------------
    def find(self, issuer: str, client_id: str | None) -> PlatformInfo | None:
        """The ACTIVE registration for (issuer, client_id); without client_id, the issuer's only active one.

        Pending registrations are invisible here: they cannot start a login or a launch, and
        a pending client id under a known issuer does not change which registration a login
        without client_id finds.
        """
        if client_id:
            hit = self._platforms.get((issuer, client_id))
            if hit and time.monotonic() - hit[0] < self.CACHE_SECONDS:
                return hit[1]
        with self._sessions() as db:
            query = select(Registration).where(Registration.issuer == issuer, Registration.status == "active")
            if client_id:
                query = query.where(Registration.client_id == client_id)
            rows = db.scalars(query.limit(2)).all()
        if len(rows) != 1:
            return None
        info = PlatformInfo.of(rows[0])
        with self._lock:
            self._platforms[(info.issuer, info.client_id)] = (time.monotonic(), info)
        return info

    def by_pk(self, pk: int) -> PlatformInfo | None:
        with self._sessions() as db:
            row = db.get(Registration, pk)
            return PlatformInfo.of(row) if row else None

    def clients_of(self, issuer: str) -> list[str]:
        """Every client id under ``issuer``, pending ones included."""
        with self._sessions() as db:
            return list(db.scalars(select(Registration.client_id).where(Registration.issuer == issuer)))

    def any_registration(self, issuer: str, client_id: str) -> PlatformInfo | None:
        """The registration whatever its status (the admin console and refusal pages)."""
        with self._sessions() as db:
            row = db.scalars(
                select(Registration).where(Registration.issuer == issuer, Registration.client_id == client_id)
            ).first()
            return PlatformInfo.of(row) if row else None

    def deployment(self, platform: PlatformInfo, deployment_id: str, start_active: bool) -> DeploymentState:
        """The deployment's state; first sight creates it (inactive unless ``start_active``)."""
        key = (platform.pk, deployment_id)
        hit = self._active.get(key)
        if hit and time.monotonic() - hit[0] < self.CACHE_SECONDS:
            self._record_launch(hit[1])
            return DeploymentState(pk=hit[1], active=True, created_now=False)
        created = False
        with self._sessions() as db:
            row = db.scalars(
                select(Deployment).where(
                    Deployment.registration_id == platform.pk, Deployment.deployment_id == deployment_id
                )
            ).first()
            if row is None:
                row = Deployment(registration_id=platform.pk, deployment_id=deployment_id, active=start_active)
                db.add(row)
                try:
                    db.commit()
                    created = True
                except IntegrityError:  # a concurrent launch created it first
                    db.rollback()
                    row = db.scalars(
                        select(Deployment).where(
                            Deployment.registration_id == platform.pk,
                            Deployment.deployment_id == deployment_id,
                        )
                    ).one()
            pk, active = row.id, row.active
        if active:
            with self._lock:
                self._active[key] = (time.monotonic(), pk)
            self._record_launch(pk)
        return DeploymentState(pk=pk, active=active, created_now=created)

    def _record_launch(self, pk: int) -> None:
        """Remember when the deployment was last used, at most once a minute per process."""
        now = time.monotonic()
        with self._lock:
            last = self._launch_recorded.get(pk)
            if last is not None and now - last < self.LAST_LAUNCH_EVERY_SECONDS:
                return
            self._launch_recorded[pk] = now
        with self._sessions.begin() as db:
            db.execute(update(Deployment).where(Deployment.id == pk).values(last_launch_at=utcnow()))

    # -- changes (admin, dynamic registration) -------------------------------------
    def save_registration(
        self,
        *,
        issuer: str,
        client_id: str,
        auth_login_url: str,
        auth_token_url: str,
        jwks_url: str,
        token_audience: str | None = None,
        platform_family: str = "other",
        granted_scopes: str = "",
        name: str = "",
        deployment_ids: tuple[str, ...] = (),
        deployments_active: bool = True,
        must_be_new: bool = False,
        status: str = "active",
        source: str = "cli",
    ) -> PlatformInfo:
        """Create or update a registration (and add deployments); invalidates the cache.

        ``must_be_new`` (Dynamic Registration) refuses to touch an existing
        registration: its key set URL decides whose launches we trust.
        """
        if platform_family not in PLATFORM_FAMILIES:
            raise ValueError(f"platform family must be one of {', '.join(PLATFORM_FAMILIES)}")
        if status not in REGISTRATION_STATUSES:
            raise ValueError(f"status must be one of {', '.join(REGISTRATION_STATUSES)}")
        with self._sessions.begin() as db:
            row = db.scalars(
                select(Registration).where(Registration.issuer == issuer, Registration.client_id == client_id)
            ).first()
            if row is not None and must_be_new:
                raise RegistrationExists(f"{issuer} already has a registration with client id {client_id}")
            if row is None:
                row = Registration(issuer=issuer, client_id=client_id, source=source)
                db.add(row)
            row.auth_login_url = auth_login_url
            row.auth_token_url = auth_token_url
            row.jwks_url = jwks_url
            row.token_audience = token_audience or None
            row.platform_family = platform_family
            row.granted_scopes = granted_scopes
            row.name = name
            row.status = status
            db.flush()
            known = {d.deployment_id for d in row.deployments}
            for deployment_id in deployment_ids:
                if deployment_id not in known:
                    row.deployments.append(Deployment(deployment_id=deployment_id, active=deployments_active))
            db.flush()
            info = PlatformInfo.of(row)
        self.invalidate()
        return info

    def set_deployment_active(self, issuer: str, client_id: str, deployment_id: str, active: bool) -> bool:
        """Activate (or deactivate) a deployment, creating it if unknown; False if no registration."""
        with self._sessions.begin() as db:
            reg = db.scalars(
                select(Registration).where(Registration.issuer == issuer, Registration.client_id == client_id)
            ).first()
            if reg is None:
                return False
            row = next((d for d in reg.deployments if d.deployment_id == deployment_id), None)
            if row is None:
                reg.deployments.append(Deployment(deployment_id=deployment_id, active=active))
            else:
                row.active = active
        self.invalidate()
        return True

    def set_registration_status(self, pk: int, status: str) -> PlatformInfo | None:
        """Approve (``active``) or hold back (``pending``) a registration; None if it does not exist."""
        if status not in REGISTRATION_STATUSES:
            raise ValueError(f"status must be one of {', '.join(REGISTRATION_STATUSES)}")
        with self._sessions.begin() as db:
            row = db.get(Registration, pk)
            if row is None:
                return None
            row.status = status
            db.flush()
            info = PlatformInfo.of(row)
        self.invalidate()
        return info

    def set_deployment_active_by_pk(self, pk: int, active: bool) -> tuple[PlatformInfo, DeploymentInfo] | None:
        """Activate or deactivate one deployment row; None if it does not exist."""
        with self._sessions.begin() as db:
            row = db.get(Deployment, pk)
            if row is None:
                return None
            row.active = active
            db.flush()
            result = (PlatformInfo.of(row.registration), _deployment_info(row))
        self.invalidate()
        return result

    def deployment_by_pk(self, pk: int) -> tuple[PlatformInfo, DeploymentInfo] | None:
        with self._sessions() as db:
            row = db.get(Deployment, pk)
            return (PlatformInfo.of(row.registration), _deployment_info(row)) if row else None

    def overview(self) -> list[tuple[PlatformInfo, list[DeploymentInfo]]]:
        """Every registration (pending first) with its deployments, for the admin console."""
        with self._sessions() as db:
            rows = db.scalars(select(Registration).order_by(Registration.id)).all()
            result = [(PlatformInfo.of(r), [_deployment_info(d) for d in r.deployments]) for r in rows]
        return sorted(result, key=lambda item: (not item[0].pending, item[0].pk))

    def all_registrations(self) -> list[tuple[PlatformInfo, list[tuple[str, bool]]]]:
        with self._sessions() as db:
            rows = db.scalars(select(Registration).order_by(Registration.id)).all()
            return [
                (PlatformInfo.of(r), [(d.deployment_id, d.active) for d in r.deployments]) for r in rows
            ]

    def invalidate(self) -> None:
        with self._lock:
            self._platforms.clear()
            self._active.clear()


def _deployment_info(row: Deployment) -> DeploymentInfo:
    return DeploymentInfo(
        pk=row.id,
        deployment_id=row.deployment_id,
        active=row.active,
        created_at=row.created_at,
        last_launch_at=row.last_launch_at,
    )


def find_by_pk(registry: Registry, pk: int) -> PlatformInfo | None:
    """A registration by primary key (workers get ids, not objects)."""
    return registry.by_pk(pk)
