"""Caller authentication: `Authorization: Bearer <key>`, one key (or several) per calling team, from configuration."""

from __future__ import annotations

import hmac
from typing import Mapping


class Keys:
    """Maps a presented key to its team, comparing in constant time against every configured key."""

    def __init__(self, key_to_team: Mapping[str, str]):
        self._keys = [(key.encode(), team) for key, team in key_to_team.items()]

    def __bool__(self) -> bool:
        return bool(self._keys)

    def team_for(self, authorization: str | None) -> str | None:
        """The team whose key the header carries, or None (no header, another scheme, an unknown key)."""
        if not authorization:
            return None
        scheme, _, presented = authorization.partition(" ")
        if scheme.lower() != "bearer" or not presented.strip():
            return None
        presented_bytes = presented.strip().encode()
        found = None
        # No early exit: the time taken does not tell how many keys were tried.
        for key, team in self._keys:
            if hmac.compare_digest(key, presented_bytes):
                found = team
        return found
