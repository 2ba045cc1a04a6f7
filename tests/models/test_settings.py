from pathlib import Path

import pytest

from anquan.errors import SettingsError
from anquan.models.settings import load_settings


def test_defaults_use_sqlite_in_data_dir(tmp_path):
    s = load_settings(data_dir=tmp_path)
    assert s.effective_database_url == f"sqlite:///{tmp_path / 'anquan.db'}"
    assert s.timezone == "Asia/Shanghai"
    assert s.cycle_file.is_file()


def test_env_prefix_is_read(monkeypatch, tmp_path):
    monkeypatch.setenv("ANQUAN_TIMEZONE", "Asia/Urumqi")
    monkeypatch.setenv("ANQUAN_DATA_DIR", str(tmp_path))
    s = load_settings()
    assert s.timezone == "Asia/Urumqi"
    assert s.data_dir == tmp_path


def test_dotenv_file_is_read(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("ANQUAN_TIMEZONE=Asia/Hong_Kong\n", encoding="utf-8")
    assert load_settings().timezone == "Asia/Hong_Kong"


@pytest.mark.parametrize(
    "var,value,fragment",
    [
        ("ANQUAN_TIMEZONE", "Mars/Olympus", "ANQUAN_TIMEZONE: unknown time zone"),
        ("ANQUAN_DATABASE_URL", "not a url", "ANQUAN_DATABASE_URL: not a database URL"),
        ("ANQUAN_DATABASE_URL", "mysql://u@h/db", "ANQUAN_DATABASE_URL: unsupported database 'mysql'"),
        ("ANQUAN_CYCLE_FILE", "/nonexistent/cycle.yaml", "ANQUAN_CYCLE_FILE: no such file"),
    ],
)
def test_bad_value_names_the_variable(monkeypatch, var, value, fragment):
    monkeypatch.setenv(var, value)
    with pytest.raises(SettingsError) as exc:
        load_settings()
    assert fragment in str(exc.value)


def test_holidays_dir_must_be_a_folder(monkeypatch, tmp_path):
    f = tmp_path / "file.txt"
    f.write_text("x")
    monkeypatch.setenv("ANQUAN_HOLIDAYS_DIR", str(f))
    with pytest.raises(SettingsError, match="ANQUAN_HOLIDAYS_DIR: not a folder"):
        load_settings()


def test_password_is_never_shown(monkeypatch):
    monkeypatch.setenv("ANQUAN_DATABASE_URL", "postgresql://anquan:s3cret-pw@db.example:5432/anquan")
    s = load_settings()
    assert "s3cret-pw" not in s.safe_database_url
    assert "***" in s.safe_database_url
    assert s.effective_database_url.startswith("postgresql+psycopg://")


def test_bad_url_with_password_does_not_echo_it(monkeypatch):
    monkeypatch.setenv("ANQUAN_DATABASE_URL", "mysql://anquan:s3cret-pw@db.example/anquan")
    with pytest.raises(SettingsError) as exc:
        load_settings()
    assert "s3cret-pw" not in str(exc.value)
