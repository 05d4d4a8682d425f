"""Configuration: named defaults, validation that names the bad variable, overrides for tests."""

import pytest

from veil import config
from veil.config import ConfigError, Setting

_SETTINGS = (
    Setting("VEIL_TEST_PORT", 8080, config.port, "port"),
    Setting("VEIL_TEST_WORKERS", 2, config.positive_int, "workers"),
    Setting("VEIL_TEST_DEBUG", False, config.boolean, "debug"),
    Setting("VEIL_TEST_KEYS", {}, config.key_map, "keys", secret=True),
)


def test_when_nothing_is_set_then_the_named_defaults_apply():
    cfg = config.load(_SETTINGS, environ={})
    assert (cfg.test_port, cfg.test_workers, cfg.test_debug, cfg.test_keys) == (8080, 2, False, {})


def test_when_variables_are_set_then_they_are_parsed_to_their_types():
    cfg = config.load(_SETTINGS, environ={"VEIL_TEST_PORT": "9000", "VEIL_TEST_DEBUG": "yes",
                                          "VEIL_TEST_KEYS": "team-a:k1, team-b:k2"})
    assert cfg.test_port == 9000 and cfg.test_debug is True
    assert cfg.test_keys == {"k1": "team-a", "k2": "team-b"}


@pytest.mark.parametrize("name,value,fragment", [
    ("VEIL_TEST_PORT", "70000", "between 0 and 65535"),
    ("VEIL_TEST_PORT", "eighty", "invalid literal"),
    ("VEIL_TEST_WORKERS", "0", "positive integer"),
    ("VEIL_TEST_DEBUG", "maybe", "expected one of"),
])
def test_when_a_variable_is_malformed_then_the_error_names_it(name, value, fragment):
    with pytest.raises(ConfigError) as err:
        config.load(_SETTINGS, environ={name: value})
    assert name in str(err.value) and fragment in str(err.value)


def test_when_a_secret_is_malformed_then_its_value_is_not_echoed():
    with pytest.raises(ConfigError) as err:
        config.load(_SETTINGS, environ={"VEIL_TEST_KEYS": "no-colon-supersecret"})
    assert "supersecret" not in str(err.value) and "VEIL_TEST_KEYS" in str(err.value)


def test_when_a_required_setting_is_missing_then_start_fails_with_its_name():
    required = (Setting("VEIL_TEST_NEEDED", None, str, "needed to talk to X", required=True),)
    with pytest.raises(ConfigError, match="VEIL_TEST_NEEDED is required"):
        config.load(required, environ={})


def test_when_overrides_are_given_then_they_win_and_unknown_ones_are_refused():
    cfg = config.load(_SETTINGS, environ={"VEIL_TEST_PORT": "9000"}, overrides={"test_port": 0})
    assert cfg.test_port == 0
    with pytest.raises(ConfigError, match="unknown setting override"):
        config.load(_SETTINGS, environ={}, overrides={"nope": 1})


def test_the_readme_table_lists_declared_settings():
    table = config.markdown_table()
    assert "| `VEIL_LOG_LEVEL` | common | `INFO` |" in table
    assert "`VEIL_DATABASE_URL`" in table
