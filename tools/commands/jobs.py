"""`veil jobs status|wait|delete`: follow or remove a de-identification job, through the caller package.

Talks to a running gateway (`--url`, default VEIL_GATEWAY_URL or http://127.0.0.1:8080) with a
team key (`--api-key`, default VEIL_API_KEY); a team sees only its own jobs.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any, Callable

from tools.options import add_api_key, add_json, write_json


def register(sub, group) -> None:
    jobs = group("jobs", "de-identification jobs on a running gateway (status, wait, delete)")

    p = jobs.add_parser("status", help="a job's status (and its risk and counts once it succeeded)")
    p.add_argument("job_id")
    _common(p)
    p.set_defaults(func=_status)

    p = jobs.add_parser("wait", help="wait (polling with backoff) until the job ends; exit 1 if it failed")
    p.add_argument("job_id")
    p.add_argument("--timeout", type=float, default=600.0, help="seconds to wait at most (default 600); exit 3 after")
    _common(p)
    p.set_defaults(func=_wait)

    p = jobs.add_parser("delete", help="remove the job's PDF, report and redacted document now")
    p.add_argument("job_id")
    _common(p)
    p.set_defaults(func=_delete)


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--url", default=None, help="gateway URL (default: VEIL_GATEWAY_URL or http://127.0.0.1:8080)")
    add_api_key(p)
    add_json(p, "the job")


def client_or_none(url: str | None, api_key: str | None, command: str, **kwargs: Any):
    """A veil_client.VeilClient, or None after saying on stderr why there is none (no key)."""
    from veil_client import VeilClient, VeilError

    try:
        return VeilClient(url, api_key, **kwargs)
    except VeilError as exc:
        print(f"veil {command}: {exc} (`veil up` prints a key)", file=sys.stderr)
        return None


def explain(command: str, exc: Exception) -> str:
    """One line for a caller-package error, with what to do about it."""
    from veil_client import ApiError, Unreachable

    if isinstance(exc, Unreachable):
        return f"veil {command}: {exc} (is the stack running? `veil up`; or pass --url)"
    if isinstance(exc, ApiError) and exc.status == 401:
        return f"veil {command}: {exc} (pass --api-key or set VEIL_API_KEY)"
    return f"veil {command}: {exc}"


def _run(args: argparse.Namespace, what: str, call: Callable[[Any], Any]) -> tuple[int, Any]:
    from veil_client import VeilError

    client = client_or_none(args.url, args.api_key, f"jobs {what}")
    if client is None:
        return 2, None
    try:
        return 0, call(client)
    except VeilError as exc:
        print(explain(f"jobs {what}", exc), file=sys.stderr)
        return (3 if isinstance(exc, TimeoutError) else 1), getattr(exc, "job", None)


def _show(args: argparse.Namespace, job: dict[str, Any]) -> None:
    if args.json != "-":
        line = f"{job['job_id']}  {job['status']}"
        if job.get("error"):
            line += f"  ({job['error']})"
        risk = (job.get("result") or {}).get("risk") or {}
        if risk:
            line += f"  risk {risk.get('level')} ({risk.get('redacted_entities', 0)} entities redacted)"
        print(line)
    write_json(args.json, job)


def _status(args: argparse.Namespace) -> int:
    code, job = _run(args, "status", lambda c: c.job(args.job_id))
    if job is not None:
        _show(args, job)
    return code


def _wait(args: argparse.Namespace) -> int:
    code, job = _run(args, "wait", lambda c: c.wait(args.job_id, timeout=args.timeout))
    if job is not None:
        _show(args, job)
    if code == 0 and job["status"] != "succeeded":
        return 1
    return code


def _delete(args: argparse.Namespace) -> int:
    code, _ = _run(args, "delete", lambda c: c.delete_job(args.job_id))
    if code == 0 and args.json != "-":
        print(f"{args.job_id}  deleted")
    write_json(args.json if code == 0 else None, {"job_id": args.job_id, "deleted": True})
    return code
