"""Installation settings, read from ``ANQUAN_*`` environment variables and an optional ``.env``.

Settings describe *this installation* (where the database is, which time zone,
which rules file). The county's rules of the cycle live in the rules file
(``ANQUAN_CYCLE_FILE``), not here.
"""

from __future__ import annotations

import re
from functools import lru_cache
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from typing import Literal

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from anquan.errors import SettingsError
from anquan.resources import config_file

DEFAULT_CYCLE_FILE = config_file("cycle.yaml")
DEFAULT_HOLIDAYS_DIR = config_file("holidays")
DEFAULT_RUBRIC_FILE = config_file("rubric.yaml")
ENV_PREFIX = "ANQUAN_"
INSTALLATION_SLUG = re.compile(r"^[a-z][a-z0-9-]{0,38}[a-z0-9]$")
DEFAULT_INSTALLATION = "anquan"
PLACEHOLDERS = {"change-me", "changeme", "changethis", "password"}


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
    )

    data_dir: Path = Field(
        default_factory=lambda: Path.cwd() / "data",
        description="Folder for the SQLite database, stored files and local mail.",
    )
    database_url: str = Field(
        default="",
        description="SQLAlchemy URL; empty means a SQLite file in the data folder.",
    )
    timezone: str = Field(default="Asia/Shanghai", description="The county's time zone.")
    cycle_file: Path = Field(default=DEFAULT_CYCLE_FILE, description="The rules of the cycle (YAML).")
    rubric_file: Path = Field(default=DEFAULT_RUBRIC_FILE, description="The assessment rubric (YAML).")
    go_live: date | None = Field(
        default=None,
        description="The go-live date (纳入系统管理起始日, YYYY-MM-DD); empty = the date recorded the first time "
                    "this installation planned or ticked. What fell due before it is not tracked.",
    )
    holidays_dir: Path = Field(
        default=DEFAULT_HOLIDAYS_DIR,
        description="Folder of official holiday arrangements for years chinese-calendar does not know.",
    )

    # -- mail -------------------------------------------------------------
    smtp_host: str = Field(default="", description="SMTP server; empty keeps mail as .eml files in mail_dir.")
    smtp_port: int = Field(default=0, ge=0, le=65535, description="0 = the usual port for the security mode.")
    smtp_security: Literal["none", "starttls", "tls"] = "starttls"
    smtp_username: str = ""
    smtp_password: SecretStr = SecretStr("")
    smtp_connections: int = Field(default=8, ge=1, le=64, description="Concurrent SMTP connections.")
    smtp_timeout: float = Field(default=30.0, gt=0, le=600)
    mail_from: str = Field(default="安全生产管理系统 <anquan@localhost.localdomain>")
    mail_dir: Path | None = Field(default=None, description="Where .eml files go without SMTP; default data_dir/mail.")

    # -- the officials' pages (anquan web) and the personal links in every mail ------
    secret_key: SecretStr = Field(
        default=SecretStr(""),
        description="Signs the personal links and the pages' session cookies; required to serve the pages or mail links.",
    )
    secret_key_old: SecretStr = Field(
        default=SecretStr(""),
        description="Former keys, comma-separated, still accepted while links signed with them run out (rotation).",
    )
    link_days: int = Field(default=60, ge=1, le=366, description="How long a personal link in a mail stays valid.")
    public_url: str = Field(default="", description="The pages' address as officials reach it; default http://WEB_HOST:WEB_PORT.")
    web_host: str = Field(default="127.0.0.1", description="Where `anquan web` listens.")
    web_port: int = Field(default=8000, ge=1, le=65535, description="Where `anquan web` listens.")
    upload_max_mb: int = Field(default=20, ge=1, le=500, description="Largest evidence file accepted, in MiB.")
    upload_max_files: int = Field(default=5, ge=1, le=50, description="Most evidence files in one report.")
    office_contact: str = Field(default="", description="The county office's contact person, where the directory has none.")
    office_phone: str = Field(default="", description="The county office's phone, where the directory has none.")
    # -- the assessment notice (考核结果通报) ------------------------------------
    notice_code: str = Field(default="", max_length=16,
                             description="The issuing body's code in the notice's number (机关代字, 青安委〔2027〕号); "
                                         "default: the county's first character + 安委.")
    notice_first_number: int = Field(default=1, ge=1, le=9999,
                                     description="The first number Anquan gives a notice in a year (发文字号's counter); "
                                                 "the office's own documents of the year take the ones before.")
    notice_praise_good: bool = Field(default=False, description="Whether the notice praises 良好 as well as 优秀.")

    # -- the scheduler (anquan serve) ----------------------------------------
    tick_cron: str = Field(default="0 8 * * *", description="The daily tick, in the county's time zone.")
    deliver_cron: str = Field(default="*/5 * * * *", description="Mail delivery.")
    plan_cron: str = Field(default="0 6 2 1 *", description="Planning the new year (2 January).")
    assess_cron: str = Field(default="0 9 15 1 *", description="The annual assessment of the past year (15 January).")
    monthly_cron: str = Field(default="0 7 1 * *", description="The monthly report on the month before (the 1st).")
    books_cron: str = Field(default="0 9 1 2 *", description="Sending the year's books to sign (1 February).")
    round_cron: str = Field(default="0 8 1 1,4,7,10 *", description="Opening each quarter's round.")
    prune_cron: str = Field(default="30 2 * * *", description="Pruning old mail bodies and Prefect's old run history.")
    retention_days: int = Field(
        default=400, ge=30, le=3650,
        description="Days a sent mail keeps its body (and a notice its list of others told); after that only who, what, "
                    "when and the key stay. 400: the January assessment and its objections still see the whole year.")
    prefect_retention_days: int = Field(
        default=30, ge=1, le=3650,
        description="Days Prefect keeps this installation's finished flow runs (their states and logs) before the "
                    "pruning flow deletes them.")
    prefect_host: str = Field(default="127.0.0.1", description="Address the embedded Prefect server and UI listen on, "
                                                              "and the UI calls its API on.")
    prefect_port: int = Field(default=4200, ge=1, le=65535, description="Port of the embedded Prefect server and UI.")
    installation: str = Field(
        default="",
        description="This installation's short name (a slug: lowercase letters, digits, dashes; e.g. qinglan). Every "
                    "Prefect deployment, tag and artifact key carries it, so installations sharing one Prefect server "
                    "never act for each other. Required with a shared server (PREFECT_API_URL, `anquan deploy`); "
                    "empty = `anquan` for the one-machine `anquan serve`.",
    )
    it_email: str = Field(default="", description="The IT contact a failed or crashed flow run alerts (by mail, through "
                                                  "the SMTP settings).")
    alert_webhook: str = Field(default="", description="An http(s) address a failed or crashed flow run's alert is posted to "
                                                       "(JSON: installation, subject, text).")
    work_pool: str = Field(default="anquan", description="The Prefect work pool (process type) `anquan deploy` deploys to.")

    @field_validator("tick_cron", "deliver_cron", "plan_cron", "assess_cron", "monthly_cron", "books_cron", "round_cron",
                     "prune_cron")
    @classmethod
    def _valid_cron(cls, value: str) -> str:
        # Checked here without importing Prefect (slow); Prefect checks again when serving.
        fields = value.split()
        limits = [(0, 59), (0, 23), (1, 31), (1, 12), (0, 7)]
        item = re.compile(r"^(\*|(\d+)(?:-(\d+))?)(?:/(\d+))?$")  # "*", "5", "1-5", "*/5"; lists with ","
        ok = len(fields) == 5
        for text, (lo, hi) in zip(fields if ok else [], limits):
            for part in text.split(","):
                m = item.match(part)
                if not m or any(v is not None and not lo <= int(v) <= hi for v in (m.group(2), m.group(3))):
                    ok = False
        if not ok:
            raise ValueError(f"{value!r} is not a five-field cron expression with numbers (e.g. '0 8 * * *')")
        return value

    @field_validator("installation")
    @classmethod
    def _slug(cls, value: str) -> str:
        value = value.strip()
        if value and not INSTALLATION_SLUG.match(value):
            raise ValueError(f"{value!r} is not a short name: 2 to 40 lowercase letters, digits and dashes, starting with a "
                             "letter, not ending with a dash (e.g. qinglan)")
        return value

    @field_validator("work_pool")
    @classmethod
    def _pool_name(cls, value: str) -> str:
        value = value.strip()
        if not INSTALLATION_SLUG.match(value):
            raise ValueError(f"{value!r} is not a work pool name: lowercase letters, digits and dashes (e.g. anquan)")
        return value

    @field_validator("smtp_password")
    @classmethod
    def _no_placeholder_password(cls, value: SecretStr) -> SecretStr:
        if value.get_secret_value().strip().lower() in PLACEHOLDERS:
            raise ValueError("is still the placeholder; set the real password")
        return value

    @field_validator("secret_key", "secret_key_old")
    @classmethod
    def _real_secret(cls, value: SecretStr) -> SecretStr:
        for key in value.get_secret_value().split(","):
            key = key.strip()
            if key.lower() in PLACEHOLDERS:
                raise ValueError("is still the placeholder; set a long random key (python3 -c 'import secrets; print(secrets.token_urlsafe(48))')")
            if key and len(key) < 32:
                raise ValueError("is too short: use at least 32 random characters")
        return value

    @field_validator("it_email")
    @classmethod
    def _one_address(cls, value: str) -> str:
        value = value.strip()
        if value and not re.match(r"^[^@\s<>,]+@[^@\s<>,]+\.[^@\s<>,]+$", value):
            raise ValueError(f"{value!r} is not an email address (e.g. it@county.example)")
        return value

    @field_validator("alert_webhook")
    @classmethod
    def _webhook_url(cls, value: str) -> str:
        value = value.strip()
        if value and not re.match(r"^https?://[^/\s?#]+\S*$", value):
            raise ValueError(f"{value!r} is not an http(s) address (e.g. https://hooks.county.example/anquan?token=...)")
        return value

    @field_validator("public_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        if value and not re.match(r"^https?://[^/\s?#]+(/[^\s?#]*)?$", value):
            raise ValueError(f"{value!r} is not an http(s) address (e.g. https://anquan.county.example)")
        return value

    @field_validator("mail_from")
    @classmethod
    def _valid_sender(cls, value: str) -> str:
        from email.headerregistry import Address
        from email.utils import parseaddr

        name, addr = parseaddr(value)
        if "@" not in addr or "\n" in value or "\r" in value:
            raise ValueError(f"{value!r} is not a sender address (e.g. 县安委办 <anquan@county.example>)")
        try:
            Address(display_name=name, addr_spec=addr)
        except Exception as exc:
            raise ValueError(f"{value!r} is not a sender address: {exc}") from None
        return value

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r} (use an IANA name such as Asia/Shanghai)") from exc
        return value

    @field_validator("database_url")
    @classmethod
    def _parseable_url(cls, value: str) -> str:
        value = value.strip()
        if not value:
            return value
        try:
            url = make_url(value)
        except ArgumentError as exc:
            raise ValueError("not a database URL (expected e.g. postgresql://user@host/db or sqlite:///path.db)") from exc
        if url.get_backend_name() not in {"sqlite", "postgresql"}:
            raise ValueError(f"unsupported database {url.get_backend_name()!r}: use sqlite or postgresql")
        return value

    @field_validator("cycle_file", "rubric_file")
    @classmethod
    def _cycle_file_exists(cls, value: Path) -> Path:
        if not value.is_file():
            raise ValueError(f"no such file: {value}")
        return value

    @field_validator("holidays_dir")
    @classmethod
    def _holidays_dir_is_dir(cls, value: Path) -> Path:
        if value.exists() and not value.is_dir():
            raise ValueError(f"not a folder: {value}")
        return value

    # -- derived values -------------------------------------------------
    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def effective_database_url(self) -> str:
        """The URL to connect with: the default SQLite file, and psycopg 3 for PostgreSQL."""
        if not self.database_url:
            return f"sqlite:///{self.data_dir / 'anquan.db'}"
        url = make_url(self.database_url)
        if url.drivername in {"postgresql", "postgres"}:
            url = url.set(drivername="postgresql+psycopg")
        return url.render_as_string(hide_password=False)

    @property
    def safe_database_url(self) -> str:
        """The URL with any password masked, for messages and logs."""
        return make_url(self.effective_database_url).render_as_string(hide_password=True)

    @property
    def installation_name(self) -> str:
        """The installation's name in Prefect: the setting, or `anquan` for a one-machine installation."""
        return self.installation or DEFAULT_INSTALLATION

    @property
    def files_dir(self) -> Path:
        return self.data_dir / "files"

    @property
    def effective_mail_dir(self) -> Path:
        return self.mail_dir or (self.data_dir / "mail")

    @property
    def effective_public_url(self) -> str:
        """The base of every personal link: the setting, or where `anquan web` listens."""
        return self.public_url or f"http://{self.web_host}:{self.web_port}"

    @property
    def signing_keys(self) -> list[str]:
        """The keys links and cookies are checked with, oldest first; the last (the current one) signs."""
        old = [k.strip() for k in self.secret_key_old.get_secret_value().split(",") if k.strip()]
        current = self.secret_key.get_secret_value().strip()
        return [*old, current] if current else []

    @property
    def effective_smtp_port(self) -> int:
        if self.smtp_port:
            return self.smtp_port
        return {"none": 25, "starttls": 587, "tls": 465}[self.smtp_security]


def load_settings(**overrides) -> Settings:
    """Read the settings; a bad value raises SettingsError naming the variable."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            field = str(err["loc"][0]) if err["loc"] else "?"
            message = err["msg"].removeprefix("Value error, ")
            lines.append(f"{ENV_PREFIX}{field.upper()}: {message}")
        raise SettingsError("bad setting: " + "; ".join(lines)) from None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()
