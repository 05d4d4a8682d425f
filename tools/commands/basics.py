"""`veil proto build` and `veil config`: the build step for the stubs and the settings table."""

from __future__ import annotations

import argparse
import importlib

from veil.paths import REPO_ROOT


def register(sub, group) -> None:
    p = group("proto").add_parser("build", help="generate the Python gRPC stubs from proto/")
    p.set_defaults(func=_proto_build)

    p = sub.add_parser("config", help="list every setting (environment variable) with its default")
    p.add_argument("--markdown", action="store_true", help="print the README's configuration table")
    p.set_defaults(func=_config)


def _proto_build(args: argparse.Namespace) -> int:
    from veil import protobuild

    for path in protobuild.build():
        print(path.relative_to(REPO_ROOT))
    return 0


# Modules that declare settings; importing them registers their declarations.
_SETTINGS_MODULES = ("services.embedder.settings", "services.classifier.settings",
                     "services.redactor.settings", "services.gateway.settings",
                     "services.classifier.training.settings", "tools.loadtest.settings",
                     "services.batch.settings")


def _config(args: argparse.Namespace) -> int:
    from veil import config

    for name in _SETTINGS_MODULES:
        if (REPO_ROOT / (name.replace(".", "/") + ".py")).exists():
            importlib.import_module(name)
    if args.markdown:
        print(config.markdown_table())
        return 0
    for component, s in config.declared():
        print(f"{s.name:<36} {component:<11} default={s.default!r}\n    {s.help}")
    return 0
