"""Settings: typed and checked at start-up; the documentation is generated from the code."""

import os
import subprocess
import sys

import pytest

from server.platform import settings


def test_the_configuration_page_is_generated_from_the_code():
    assert settings.CONFIGURATION_DOC.read_text() == settings.configuration_doc(), (
        "docs/configuration.md is stale: python -m server.platform.settings > "
        "docs/configuration.md")


def test_every_setting_is_documented_with_a_meaning():
    doc = settings.CONFIGURATION_DOC.read_text()
    for field in settings.Settings.model_fields.values():
        assert f"`{field.validation_alias}`" in doc
        assert field.description


def test_defaults(monkeypatch):
    for name in [k for k in os.environ if k.startswith("KENDALI_") or k == "DATABASE_URL"]:
        monkeypatch.delenv(name)
    config = settings.load_config()
    assert config["PORT"] == 5000 and config["HOST"] == "127.0.0.1"
    # issue 21: every feed every 2.5 s (conditional: an unchanged feed is a 304), so a quake
    # that appears first in a list is not a minute late
    assert config["FEED_INTERVALS"] == {"autogempa": 2.5, "gempaterkini": 2.5,
                                        "gempadirasakan": 2.5}
    assert config["FEED_TIMEOUT"] == (3.05, 10.0)
    assert config["DISPATCH_DISTRICT_SEVERITIES"] == []
    assert config["COMPLAINT_CATEGORIES"][:2] == ["PKH", "BPNT/Sembako"]
    assert config["DATA_DIR"] == str(settings.PROJECT_ROOT / "var")


def test_values_from_the_environment(monkeypatch):
    monkeypatch.setenv("KENDALI_PORT", "5201")
    monkeypatch.setenv("KENDALI_RESPONDER_TYPES", " tagana , tksk ")
    monkeypatch.setenv("KENDALI_FEED_POLLING", "off")
    monkeypatch.setenv("KENDALI_LOG_LEVEL", "debug")
    monkeypatch.setenv("KENDALI_TILE_URL", "")  # empty counts as unset
    config = settings.load_config({"TESTING": True})
    assert config["PORT"] == 5201 and config["RESPONDER_TYPES"] == ["tagana", "tksk"]
    assert config["FEED_POLLING"] is False and config["LOG_LEVEL"] == "DEBUG"
    assert config["TILE_URL"] is None and config["TESTING"] is True


@pytest.mark.parametrize("name, value, allowed", [
    ("KENDALI_PORT", "abc", "an integer"),
    ("KENDALI_PORT", "70000", "≤ 65535"),
    ("KENDALI_FEED_READ_TIMEOUT", "-3", "> 0"),
    ("KENDALI_DISPATCH_ACK_TIMEOUT", "0", "> 0"),
    ("KENDALI_LOGIN_RATE_LIMIT", "lots", "per minute"),
    ("KENDALI_FEED_POLLING", "maybe", "true/false"),
    ("KENDALI_BMKG_FORMAT", "csv", "`json` or `xml`"),
    ("KENDALI_BMKG_URL", "ftp://bmkg", "https?"),
    ("KENDALI_LOG_LEVEL", "LOUD", "DEBUG"),
    ("KENDALI_COMPLAINT_SIMILARITY", "2", "≤ 1"),
])
def test_a_bad_value_names_the_variable_the_value_and_what_is_allowed(monkeypatch, name,
                                                                        value, allowed):
    monkeypatch.setenv(name, value)
    with pytest.raises(settings.SettingsError) as info:
        settings.load_config()
    message = str(info.value)
    assert message.startswith(f"{name}={value!r}:") and allowed in message
    assert "\n" not in message


def test_the_command_stops_with_one_line():
    kendali = os.path.join(os.path.dirname(sys.executable), "kendali")
    env = {**os.environ, "KENDALI_PORT": "abc"}
    done = subprocess.run([kendali, "users", "list"], env=env, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 2
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert lines == [lines[-1]] and lines[0].startswith("kendali: bad setting: KENDALI_PORT='abc'")
