"""Who is calling and what they may do: team, service and admin keys, or an explicitly open development mode.

Every `/v1` request carries `Authorization: Bearer <key>`. A team key predicts, tags and
lists models, and is recorded as its team. A service key (the gateway) does the same on
behalf of the teams it has already authenticated itself, so only a service key may name the
team it calls for in `X-Veil-Caller`; a header from anyone else is ignored. An admin key may
also see versions and roll heads back; a team or service key gets 403 there. With no key
configured the classifier refuses every call (401) unless it is explicitly started open
(`VEIL_CLASSIFIER_ALLOW_UNAUTHENTICATED`), for local development only.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Mapping

from veil import web

CALLER_HEADER = "X-Veil-Caller"
TEAM, SERVICE, ADMIN = "team", "service", "admin"
ANONYMOUS = "anonymous"
_MAX_CALLER = 64
_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="veil"'}


@dataclass(frozen=True)
class Principal:
    """An authenticated caller: the name recorded with its inference records, and its scope."""

    name: str
    scope: str

    @property
    def is_admin(self) -> bool:
        return self.scope == ADMIN


class Authenticator:
    """Maps `Authorization` to a `Principal`, comparing in constant time against every configured key."""

    def __init__(self, team_keys: Mapping[str, str] | None = None, admin_keys: Mapping[str, str] | None = None,
                 service_keys: Mapping[str, str] | None = None, allow_unauthenticated: bool = False):
        self._keys: list[tuple[bytes, Principal]] = []
        for scope, key_map in ((TEAM, team_keys), (SERVICE, service_keys), (ADMIN, admin_keys)):
            self._keys += [(key.encode(), Principal(name, scope)) for key, name in (key_map or {}).items()]
        self.allow_unauthenticated = allow_unauthenticated

    @property
    def configured(self) -> bool:
        return bool(self._keys)

    def authenticate(self, authorization: str | None, caller_header: str | None = None) -> Principal:
        """The caller, or a 401 problem. A service key's `X-Veil-Caller` names the team it calls for."""
        presented = _bearer(authorization)
        principal = self._match(presented) if presented is not None else None
        if principal is None:
            if presented != "" or not self.allow_unauthenticated:
                raise web.Problem(401, "Unauthorized", "send 'Authorization: Bearer <key>' with your team's key",
                                  code="unauthorized", headers=_CHALLENGE)
            # Open for local development: nobody is authenticated, so nobody is named.
            return Principal(ANONYMOUS, ADMIN)
        if principal.scope == SERVICE:
            team = _valid_name(caller_header)
            if team:
                return Principal(team, SERVICE)
        return principal

    def _match(self, presented: str) -> Principal | None:
        presented_bytes = presented.encode()
        found = None
        # No early exit: the time taken does not tell how many keys were tried.
        for key, principal in self._keys:
            if hmac.compare_digest(key, presented_bytes):
                found = principal
        return found


def require_admin(principal: Principal) -> None:
    """403 unless the caller holds an admin key: version listing and rollbacks change what every team gets."""
    if not principal.is_admin:
        raise web.Problem(403, "Forbidden", "model administration (versions, rollback) needs an admin key "
                          "(VEIL_CLASSIFIER_ADMIN_KEYS)", code="admin_required")


def _bearer(authorization: str | None) -> str | None:
    """The presented key: "" for no header or an empty one, None for another scheme (never a valid key)."""
    if not authorization or not authorization.strip():
        return ""
    scheme, _, presented = authorization.strip().partition(" ")
    if scheme.lower() != "bearer":
        return None
    return presented.strip()


def _valid_name(raw: str | None) -> str | None:
    name = (raw or "").strip()
    if name and len(name) <= _MAX_CALLER and name.isascii() and name.isprintable():
        return name
    return None
