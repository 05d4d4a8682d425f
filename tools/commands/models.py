"""`veil models list|versions|rollback`: the classifier's heads, their versions, and switching the active one.

Talks to a running classifier (`--url`, default VEIL_CLASSIFIER_URL or http://127.0.0.1:8081).
Listing needs any key the classifier knows; versions and rollback need an admin key
(`--api-key`, default VEIL_CLASSIFIER_ADMIN_KEY, else VEIL_API_KEY; `veil up` prints one).
`veil models build|info` (the embedding model) are registered by tools/embedder/cli.py.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from tools.options import add_api_key, add_json, write_json

_KEY_HELP = "classifier key (default: VEIL_CLASSIFIER_ADMIN_KEY, else VEIL_API_KEY); versions and rollback need an admin key"


def register(sub, group) -> None:
    models = group("models", "classifier heads (list, versions, rollback) and the embedding model (build, info)")

    p = models.add_parser("list", help="the heads the classifier serves, with their active version and status")
    _common(p)
    p.set_defaults(func=_list)

    p = models.add_parser("versions", help="every version of a head, the active one marked (admin key)")
    p.add_argument("name", help="the head, e.g. phi-type")
    _common(p)
    p.set_defaults(func=_versions)

    p = models.add_parser("rollback", help="make the version before the active one active, or --to VERSION "
                                           "(admin key); every classifier worker switches on its next request")
    p.add_argument("name", help="the head, e.g. phi-type")
    p.add_argument("--to", metavar="VERSION", default=None, help="switch to this version (forward or back)")
    _common(p)
    p.set_defaults(func=_rollback)


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--url", default=None, help="classifier URL (default: VEIL_CLASSIFIER_URL or http://127.0.0.1:8081)")
    add_api_key(p, _KEY_HELP)
    add_json(p, "the answer")


def _client(args: argparse.Namespace, attempts: int = 2):
    from veil.clients.classifier import ClassifierClient

    key = args.api_key or os.environ.get("VEIL_CLASSIFIER_ADMIN_KEY") or os.environ.get("VEIL_API_KEY", "")
    return ClassifierClient(args.url, timeout=30.0, attempts=attempts, api_key=key)


def _call(args: argparse.Namespace, what: str, call, attempts: int = 2) -> Any:
    """The answer, or None after a message on stderr (an error the user can act on, never a traceback)."""
    from veil.clients.classifier import ClassifierError

    try:
        return call(_client(args, attempts))
    except ClassifierError as exc:
        if exc.status is None:
            hint = f" at {_client(args).base_url} (is the classifier running? `veil up`; or pass --url)"
        elif exc.status in (401, 403):
            hint = " (pass an admin key: --api-key or VEIL_CLASSIFIER_ADMIN_KEY; `veil up` prints one)"
        else:
            hint = ""
        status = f"{exc.status} " if exc.status else ""
        print(f"veil models {what}: {status}{exc.title}" + (f": {exc.detail}" if exc.detail else "") + hint,
              file=sys.stderr)
        return None


def _emit(args: argparse.Namespace, answer: Any, lines: list[str]) -> int:
    if args.json != "-":
        print("\n".join(lines))
    write_json(args.json, answer)
    return 0


def _list(args: argparse.Namespace) -> int:
    answer = _call(args, "list", lambda c: c.models())
    if answer is None:
        return 1
    rows = [f"{'model':<24} {'active':<20} {'kind':<7} status"]
    rows += [f"{m['name']:<24} {str(m.get('active_version')):<20} {str(m.get('kind')):<7} {m.get('status')}"
             + (f" ({m['error']})" if m.get("error") else "") for m in answer.get("models", [])]
    return _emit(args, answer, rows)


def _versions(args: argparse.Namespace) -> int:
    answer = _call(args, "versions", lambda c: c.versions(args.name))
    if answer is None:
        return 1
    rows = [f"{'':2}{'version':<20} {'created':<22} weighted F1"]
    for v in answer.get("versions", []):
        f1 = (v.get("metrics") or {}).get("weighted_f1")
        rows.append(f"{'*' if v.get('active') else ' '} {v['version']:<20} {str(v.get('created_at')):<22} "
                    f"{'' if f1 is None else f'{f1:.4f}'}")
    return _emit(args, answer, rows)


def _rollback(args: argparse.Namespace) -> int:
    # One try: a rollback without --to that reached the classifier but lost its answer must not go back twice.
    answer = _call(args, "rollback", lambda c: c.rollback(args.name, args.to), attempts=1)
    if answer is None:
        return 1
    return _emit(args, answer, [f"{answer['model']}: {answer['previous_version']} -> {answer['active_version']}"])
