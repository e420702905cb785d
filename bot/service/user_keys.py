"""Pseudonymous user keys: a keyed hash of the platform and its user id."""

from __future__ import annotations

import hashlib
import hmac


class UserKeyer:
    """Turns a platform user id into a key that cannot be reversed without the secret."""

    def __init__(self, secret: bytes) -> None:
        """Use a secret of at least 16 bytes."""
        if len(secret) < 16:
            raise ValueError("the user-key secret must be at least 16 bytes")
        self._secret = secret

    def key(self, platform: str, user_id: str) -> str:
        """Return HMAC-SHA256(secret, "platform:user_id") as 64 hex characters."""
        message = f"{platform}:{user_id}".encode()
        return hmac.new(self._secret, message, hashlib.sha256).hexdigest()

    def __repr__(self) -> str:
        """Never show the secret."""
        return "UserKeyer(<secret>)"
