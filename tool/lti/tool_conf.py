"""pylti1p3's ``ToolConf`` backed by our database (through the cached ``Registry``).

Lets code that speaks pylti1p3 (its ``ServiceConnector``, ``DeepLink``) use our
registrations and our newest signing key without reading configuration per
request.
"""

from __future__ import annotations

from typing import Any

from pylti1p3.deployment import Deployment as LtiDeployment
from pylti1p3.registration import Registration as LtiRegistration
from pylti1p3.request import Request
from pylti1p3.tool_config.abstract import ToolConfAbstract

from tool.lti.registry import PlatformInfo
from tool.lti.runtime import LtiRuntime


class KeyedRegistration(LtiRegistration):
    """pylti1p3 derives the kid from the public key (and finds none): ours is stored."""

    _our_kid: str | None = None

    def set_kid(self, kid: str) -> KeyedRegistration:
        self._our_kid = kid
        return self

    def get_kid(self) -> str | None:
        return self._our_kid


class DbToolConf(ToolConfAbstract[Request]):
    def __init__(self, runtime: LtiRuntime) -> None:
        super().__init__()
        self._runtime = runtime

    def check_iss_has_one_client(self, iss: str) -> bool:
        return False  # always look registrations up by (issuer, client_id)

    def check_iss_has_many_clients(self, iss: str) -> bool:
        return True

    def to_registration(self, platform: PlatformInfo) -> KeyedRegistration:
        key = self._runtime.tool_keys.signing_key()
        reg = KeyedRegistration()
        reg.set_issuer(platform.issuer)
        reg.set_client_id(platform.client_id)
        reg.set_auth_login_url(platform.auth_login_url)
        reg.set_auth_token_url(platform.auth_token_url)
        if platform.token_audience:
            reg.set_auth_audience(platform.token_audience)
        reg.set_key_set_url(platform.jwks_url)
        reg.set_tool_private_key(key.private_pem)
        reg.set_kid(key.kid)
        return reg

    # pylti1p3 types these as never-None, yet its callers test for None: we return None when unknown.
    def find_registration_by_issuer(self, iss: str, *args: Any, **kwargs: Any) -> LtiRegistration:
        platform = self._runtime.registry.find(iss, None)
        return self.to_registration(platform) if platform else None  # type: ignore[return-value]

    def find_registration_by_params(
        self, iss: str, client_id: str | None, *args: Any, **kwargs: Any
    ) -> LtiRegistration:
        platform = self._runtime.registry.find(iss, client_id)
        return self.to_registration(platform) if platform else None  # type: ignore[return-value]

    def find_deployment(self, iss: str, deployment_id: str) -> LtiDeployment | None:
        return self.find_deployment_by_params(iss, deployment_id, None)

    def find_deployment_by_params(
        self, iss: str, deployment_id: str, client_id: str | None, *args: Any, **kwargs: Any
    ) -> LtiDeployment | None:
        """Only ACTIVE deployments are found (unknown ones are created inactive)."""
        platform = self._runtime.registry.find(iss, client_id)
        if platform is None:
            return None
        state = self._runtime.registry.deployment(
            platform, deployment_id, self._runtime.settings.deployments_start_active
        )
        return LtiDeployment().set_deployment_id(deployment_id) if state.active else None
