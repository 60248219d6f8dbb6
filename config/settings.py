"""Typed settings, read once from environment variables (prefix ``SS_``).

Every setting has a documented default that works on a fresh machine (the
embedded defaults: SQLite, a server-less broker, the bundled development LMS,
the offline generator). ``production`` refuses the insecure defaults.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_INSTANCE = REPO_ROOT / "instance"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SS_", extra="ignore")

    env: Literal["development", "test", "production"] = "development"
    instance_dir: Path = DEFAULT_INSTANCE
    # Public base URL of the tool, as the LMS reaches it (used in registrations and launch URLs).
    base_url: str = "http://127.0.0.1:5000"
    secret_key: str = ""
    # Fernet key (urlsafe base64, 32 bytes) that encrypts the tool's private RSA keys at rest.
    key_encryption_key: str = ""

    database_url: str = ""
    broker_url: str = ""
    # Launch data, OIDC state and nonces: Redis URL in production; empty = the SQL database.
    cache_url: str = ""

    # Generation
    generator: Literal["auto", "offline", "openai"] = "auto"
    llm_base_url: str = "https://api.openai.com/v1"
    llm_api_key: str = ""
    llm_model: str = "gpt-4o-mini"
    # json_schema (strict structured outputs) or json_object (servers such as llama-cpp-python's).
    llm_response_format: Literal["json_schema", "json_object"] = "json_schema"
    llm_supports_moderation: bool = False
    llm_timeout_seconds: float = 60.0
    # Quick repeats inside the SDK, per worker attempt. 0: the worker owns every retry, so the
    # teacher's "we tried N times" counts every call to the provider (SS_TASK_MAX_RETRIES).
    llm_max_retries: int = Field(default=0, ge=0)
    llm_max_tokens: int = 4096
    llm_judge: bool = False
    # Which API dialect (docs/llm-providers.md): "openai" (api.openai.com: store, safety_identifier,
    # prompt_cache_key are sent), "azure" (the SDK's AzureOpenAI client; llm_model is the deployment name),
    # "local" (any other OpenAI-compatible server, e.g. Ollama, vLLM, llama.cpp: only the core fields).
    # auto: azure when an Azure endpoint is set, openai for api.openai.com, else local.
    llm_provider: Literal["auto", "openai", "azure", "local"] = "auto"
    llm_azure_endpoint: str = ""  # https://<resource>.openai.azure.com
    llm_azure_api_version: str = "2024-10-21"
    # Reasoning models (o-series, gpt-5 family) take max_completion_tokens and no temperature.
    # auto: decided from the model name; on/off: forced.
    llm_reasoning: Literal["auto", "on", "off"] = "auto"
    llm_reasoning_effort: Literal["", "minimal", "low", "medium", "high"] = "low"  # "" = not sent
    llm_temperature: float | None = 0.4  # ignored for reasoning models
    # json_object mode: add llama.cpp's "schema" key (llama-cpp-python, llama-server turn it into a grammar).
    # OpenAI rejects the key, so it is off unless the server is known to take it.
    llm_json_object_schema: bool = False
    # Whether the provider may keep requests and answers (OpenAI "store"); off by default.
    llm_store: bool = False
    # Sequences (with their versions, jobs, responses) untouched this many days are deleted by the
    # scheduled purge (tool.privacy.tasks); 0 keeps them until a teacher or admin deletes them.
    retention_days: int = Field(default=730, ge=0)

    # LTI
    deployments_start_active: bool = False
    devlms_enabled: bool = True
    devlms_url: str = "http://127.0.0.1:5001"
    trusted_proxy_hops: int = 0
    # A launch whose browser kept neither the binding cookie nor platform storage: refuse (safe), allow, or
    # auto = refuse when the tool is served over https (a cross-site cookie can work there) and allow on plain
    # http (development), where browsers drop SameSite=None cookies so no cross-site launch could be bound.
    unbound_launches: Literal["refuse", "allow", "auto"] = "auto"
    # Extra origins allowed to frame the tool (space separated, e.g. "https://*.instructure.com"), on top of
    # every registered platform's issuer and login origins.
    frame_ancestors: str = ""
    # Per client address, each of /lti/login, /lti/launch, /lti/register (flask-limiter syntax; "" = off).
    rate_limit_lti: str = "6000 per minute"
    rate_limit_register: str = "20 per hour"

    # Tool administration console (/admin/): a werkzeug password hash (`stepping-stones admin hash-password`);
    # empty = only platform administrators launching from their LMS can use the console.
    admin_password_hash: str = ""
    # Dynamic Registration (/lti/register). In production only https and public addresses are fetched;
    # these comma-separated CIDR networks are allowed anyway (e.g. a Moodle on the school's own network).
    registration_allowed_networks: str = ""
    # Comma-separated host names (a leading "*." matches subdomains); empty = any platform may register.
    registration_allowed_hosts: str = ""
    # When set, platforms must register with <base>/lti/register?key=<this value>.
    registration_key: str = ""
    # Issuers whose openid configuration is served from other hosts (hosted Canvas): accepted, always pending.
    registration_shared_issuers: str = (
        "https://canvas.instructure.com,https://canvas.beta.instructure.com,https://canvas.test.instructure.com"
    )
    registration_timeout_seconds: float = Field(default=10.0, gt=0)

    # Production web server (gunicorn, config/gunicorn.conf.py). Workers 0 = 2 x CPU cores.
    web_bind: str = "127.0.0.1:8000"  # the image sets 0.0.0.0:8000 (reached only through the TLS proxy)
    web_workers: int = Field(default=0, ge=0)
    web_threads: int = Field(default=4, ge=1)
    # Connections the kernel queues while every thread is busy: a class of 300 launching at once waits, not fails.
    web_backlog: int = Field(default=2048, ge=64)
    web_timeout: int = Field(default=60, ge=5)  # a request stuck longer than this restarts its worker
    web_graceful_timeout: int = Field(default=30, ge=1)  # SIGTERM: in-flight requests get this long to finish
    web_keepalive: int = Field(default=5, ge=0)
    # A worker is replaced after this many requests (plus up to 10 % jitter), a guard against slow leaks in a
    # dependency; 0 = never. Rare on purpose: a replacement mid-burst makes requests wait for a fresh worker.
    web_max_requests: int = Field(default=20000, ge=0)
    # Proxy addresses whose X-Forwarded-Proto gunicorn believes ("*" when only the proxy can reach the port).
    forwarded_allow_ips: str = "127.0.0.1"

    # Logs: one JSON object per line on stderr (auto = JSON except in development, where lines are plain text).
    log_format: Literal["auto", "json", "text"] = "auto"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    # Worker limits (seconds); hard > soft > the SDK timeout x (retries + 1).
    task_soft_time_limit: int = 300
    task_time_limit: int = 360
    # Worker retries of a generation after a transient LLM error or a lost worker: attempts = this + 1.
    task_max_retries: int = Field(default=3, ge=0)
    # Total time one generation may take from its first start, retries and backoff included.
    generation_deadline_seconds: int = Field(default=600, ge=10)
    # A running job renews its lease every third of this; a job whose lease ran out lost its worker.
    job_lease_seconds: int = Field(default=30, ge=1)
    # How often the beat-driven sweeper re-dispatches lost and never-dispatched jobs.
    sweep_interval_seconds: float = Field(default=15.0, gt=0)

    @field_validator("registration_allowed_networks")
    @classmethod
    def _networks_parse(cls, value: str) -> str:
        """A typo in the allow-list stops the start with a clear message (not a failed registration later)."""
        import ipaddress

        for part in filter(None, (p.strip() for p in value.split(","))):
            ipaddress.ip_network(part, strict=False)  # ValueError names the bad entry
        return value

    @model_validator(mode="after")
    def _fill_and_refuse_insecure(self) -> Settings:
        if self.env == "production":
            missing = [
                name
                for name, value in (
                    ("SS_SECRET_KEY", self.secret_key),
                    ("SS_KEY_ENCRYPTION_KEY", self.key_encryption_key),
                    ("SS_DATABASE_URL", self.database_url),
                    ("SS_BROKER_URL", self.broker_url),
                    ("SS_CACHE_URL", self.cache_url),
                )
                if not value
            ]
            if missing:
                raise ValueError(f"production needs {', '.join(missing)} to be set")
            if self.devlms_enabled:
                raise ValueError("the development LMS is never enabled in production: set SS_DEVLMS_ENABLED=0")
            from config.production_checks import insecure_production_values

            problems = insecure_production_values(self)
            if problems:
                raise ValueError("refusing insecure production settings: " + "; ".join(problems))
        if not self.database_url:
            self.database_url = f"sqlite:///{self.instance_dir / 'stepping-stones.sqlite'}"
        if not self.broker_url:
            self.broker_url = f"sqla+sqlite:///{self.instance_dir / 'broker.sqlite'}"
        if not self.secret_key:
            self.secret_key = _instance_secret(self.instance_dir, "secret_key")
        if not self.key_encryption_key:
            from cryptography.fernet import Fernet

            self.key_encryption_key = _instance_secret(
                self.instance_dir, "key_encryption_key", lambda: Fernet.generate_key().decode()
            )
        return self

    @property
    def generator_backend(self) -> Literal["offline", "openai"]:
        """The generator in use: ``auto`` means openai when a key is set, else offline."""
        if self.generator == "auto":
            return "openai" if self.llm_api_key else "offline"
        return self.generator


def _instance_secret(instance_dir: Path, name: str, make: Callable[[], str] = lambda: secrets.token_urlsafe(48)) -> str:
    """A development secret kept in the instance folder so restarts keep sessions and keys."""
    instance_dir.mkdir(parents=True, exist_ok=True)
    path = instance_dir / name
    if path.exists():
        return path.read_text().strip()
    value = make()
    path.write_text(value)
    path.chmod(0o600)
    return value


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Settings read once per process; tests clear the cache after changing the environment."""
    return Settings()
