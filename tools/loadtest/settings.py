"""Settings of `veil loadtest`: which JMeter to run and the API key its plans send."""

from __future__ import annotations

from veil import config
from veil.config import Setting

DEFAULT_DEBIAN_JMETER_HOME = "/usr/share/jmeter"

SETTINGS = config.declare(
    "loadtest",
    Setting("VEIL_LOADTEST_JMETER", "", str,
            "JMeter to run: the path of a JMeter 5.x `bin/jmeter`. Empty: Debian's JMeter 2.13 from "
            f"{DEFAULT_DEBIAN_JMETER_HOME} through Veil's launcher (compiled on first use), else `jmeter` on PATH."),
    Setting("VEIL_LOADTEST_API_KEY", "", str,
            "Key the plans send as `Authorization: Bearer`; one of the gateway's VEIL_API_KEYS. Use a "
            "load-test caller's key, never a production team's.", secret=True),
)


def load(overrides=None) -> config.Config:
    return config.load(SETTINGS, overrides=overrides)
