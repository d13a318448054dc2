"""The service's own settings: access, limits, logs, the feedback store, host and port.

They extend the index settings (index/settings.py), so one ServiceSettings object carries both, read
from the same INSPECTQA_* environment variables. The service and the command line use this one.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, field_validator
from pydantic_settings import NoDecode

from index.settings import PROJECT_ROOT, Settings


class ServiceSettings(Settings):
    """The index settings plus the HTTP service's. Each field is `INSPECTQA_<NAME>` in the environment."""

    host: str = Field("127.0.0.1", description="Address `inspectqa serve` binds.")
    port: int = Field(8000, ge=1, le=65535, description="Port `inspectqa serve` binds.")
    index_poll_seconds: float = Field(
        2.0,
        ge=0,
        le=3600,
        description="How often a running service looks for a newly finished index build (after `corpus add`, `corpus remove`, "
        "`index build`) and swaps it in as POST /admin/reload does; 0 turns the watch off.",
    )
    max_upload_bytes: int = Field(20_000_000, ge=1, description="Largest file POST /admin/documents accepts (413 above it).")
    feedback_db: Path = Field(
        PROJECT_ROOT / "var" / "feedback.sqlite3", description="SQLite file the chat page's thumbs up/down and comments are kept in."
    )

    # ---- operations: access, limits, logs (docs/operations.md)
    auth: Literal["keys", "off"] = Field(
        "keys", description="'keys': every API route but /healthz and /readyz needs a key or a trusted SSO header; 'off': open (local use only)."
    )
    keys_file: Path = Field(PROJECT_ROOT / "var" / "api-keys.json", description="JSON file of named, hashed API keys (`inspectqa keys`).")
    trusted_proxies: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="Addresses of reverse proxies whose identity header is believed (comma-separated)."
    )
    identity_header: str = Field("X-Forwarded-User", description="Header a trusted proxy sets to the signed-in user's name.")
    groups_header: str = Field(
        "X-Forwarded-Groups",
        description="Header a trusted proxy sets to the signed-in user's groups (comma-separated); believed only from INSPECTQA_TRUSTED_PROXIES.",
    )
    audit_db: Path = Field(PROJECT_ROOT / "var" / "audit.sqlite3", description="SQLite file of the audit trail (who asked, saw or changed what).")
    audit_questions: bool = Field(
        False, description="Keep question text in the audit trail; by default only a keyed hash of it (repeats counted, text not kept)."
    )
    audit_retention_days: int = Field(365, ge=1, description="Audit records older than this many days are deleted.")
    chat_history_hours: float = Field(
        8.0, gt=0, le=24 * 90, description="The chat page forgets a conversation kept in the browser after this many hours."
    )
    allowed_hosts: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="With auth off, Host names accepted besides loopback ones (comma-separated); any other Host is refused (DNS rebinding).",
    )
    cors_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="Origins allowed to call the API from a browser (comma-separated); none by default."
    )
    rate_limit_per_minute: int = Field(120, ge=0, description="Requests per minute per key, user or client address; 0 turns the limit off.")
    max_body_bytes: int = Field(64 * 1024, ge=1024, description="Largest request body accepted; larger gets 413.")
    body_read_seconds: float = Field(30.0, gt=0, description="A request body not all received within this gets 408 (slow uploads hold no worker).")
    max_concurrent_uploads: int = Field(2, ge=1, description="Upload bodies read at once; more get 429 with Retry-After.")
    max_queued_jobs: int = Field(8, ge=1, le=1000, description="Corpus changes (uploads, removals) waiting or running at once; more get 429.")
    jobs_dir: Path | None = Field(
        None, description="Folder of corpus-change job records (GET /admin/jobs/{id}), kept across restarts; default: `jobs` beside the index folder."
    )

    @property
    def jobs_folder(self) -> Path:
        return self.jobs_dir or Path(self.index_dir).parent / "jobs"

    header_read_seconds: float = Field(
        10.0, gt=0, le=600, description="A connection that has not sent a whole request head (line and headers) within this is closed."
    )
    max_connections: int = Field(
        500, ge=1, description="Connections (and requests in progress) `inspectqa serve` holds at once; beyond it new ones get 503."
    )
    request_timeout_seconds: float = Field(30.0, gt=0, description="A request still unanswered after this gets 504.")
    support_contact: str = Field(
        "",
        max_length=200,
        description="Who staff should ask when the chat page cannot sign them in (e.g. 'the IT service desk, ext. 4321'); "
        "the page names them. Empty: the page says to ask whoever runs the intranet.",
    )
    log_questions: bool = Field(False, description="Write question text into the request log (questions may name children or staff).")

    @field_validator("trusted_proxies", "cors_origins", "allowed_hosts", mode="before")
    @classmethod
    def _comma_separated(cls, value):
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value


def service_settings(settings: Settings) -> ServiceSettings:
    """`settings` as ServiceSettings: index fields as given, service fields from the environment (or defaults)."""
    if isinstance(settings, ServiceSettings):
        return settings
    return ServiceSettings(**settings.model_dump(exclude_unset=False))


@lru_cache(maxsize=1)
def get_service_settings() -> ServiceSettings:
    return ServiceSettings()
