"""Installation settings, read from ``ANQUAN_*`` environment variables and an optional ``.env``.

Settings describe *this installation* (where the database is, which time zone,
which rules file). The county's rules of the cycle live in the rules file
(``ANQUAN_CYCLE_FILE``), not here.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CYCLE_FILE = PROJECT_ROOT / "config" / "cycle.yaml"
DEFAULT_HOLIDAYS_DIR = PROJECT_ROOT / "config" / "holidays"
ENV_PREFIX = "ANQUAN_"


class SettingsError(Exception):
    """A setting has a bad value; the message names the environment variable."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
    )

    data_dir: Path = Field(
        default=PROJECT_ROOT / "data",
        description="Folder for the SQLite database, stored files and local mail.",
    )
    database_url: str = Field(
        default="",
        description="SQLAlchemy URL; empty means a SQLite file in the data folder.",
    )
    timezone: str = Field(default="Asia/Shanghai", description="The county's time zone.")
    cycle_file: Path = Field(default=DEFAULT_CYCLE_FILE, description="The rules of the cycle (YAML).")
    holidays_dir: Path = Field(
        default=DEFAULT_HOLIDAYS_DIR,
        description="Folder of official holiday arrangements for years chinese-calendar does not know.",
    )

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

    @field_validator("cycle_file")
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
    def files_dir(self) -> Path:
        return self.data_dir / "files"


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
