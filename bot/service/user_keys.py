"""Pseudonymous user keys: a keyed hash of the platform and its user id."""

from __future__ import annotations

import base64
import hashlib
import hmac

from cryptography.fernet import Fernet, InvalidToken


class UserKeyer:
    """Turns a platform user id into a key that cannot be reversed without the secret."""

    def __init__(self, secret: bytes) -> None:
        """Use a secret of at least 16 bytes."""
        if len(secret) < 16:
            raise ValueError("the user-key secret must be at least 16 bytes")
        self._secret = secret

    @property
    def secret(self) -> bytes:
        """Return the secret, for deriving other keys from it."""
        return self._secret

    def key(self, platform: str, user_id: str) -> str:
        """Return HMAC-SHA256(secret, "platform:user_id") as 64 hex characters."""
        message = f"{platform}:{user_id}".encode()
        return hmac.new(self._secret, message, hashlib.sha256).hexdigest()

    def seed(self, user_key: str) -> str:
        """Return the learner's option-order seed: 16 hex characters keyed by the secret, so
        the same person always sees the same order and the seed never reveals the key."""
        message = f"beacon/option-order:{user_key}".encode()
        return hmac.new(self._secret, message, hashlib.sha256).hexdigest()[:16]

    def __repr__(self) -> str:
        """Never show the secret."""
        return "UserKeyer(<secret>)"


class Sealer:
    """Encrypts text under a key derived from the user-key secret for one purpose (Fernet:
    AES-128-CBC and HMAC); only the same secret and purpose read it back."""

    def __init__(self, secret: bytes, purpose: bytes) -> None:
        """Derive this purpose's key from the user-key secret."""
        derived = hmac.new(secret, purpose, hashlib.sha256).digest()
        self._fernet = Fernet(base64.urlsafe_b64encode(derived))

    def seal(self, text: str) -> str:
        """Return `text` encrypted."""
        return self._fernet.encrypt(text.encode()).decode()

    def open(self, sealed: str) -> str | None:
        """Return the text, or None when it was not sealed with this key."""
        try:
            return self._fernet.decrypt(sealed.encode()).decode()
        except (InvalidToken, UnicodeDecodeError, ValueError):
            return None

    def __repr__(self) -> str:
        """Never show the key."""
        return "Sealer(<key>)"


class ChatSealer:
    """Encrypts a platform chat so a reminder can reach it; only this key can read it back."""

    def __init__(self, secret: bytes) -> None:
        """Derive the encryption key from the user-key secret (a separate, labelled key)."""
        self._sealer = Sealer(secret, b"beacon/reminder-chat")

    def seal(self, platform: str, chat_id: str) -> str:
        """Return the encrypted `platform:chat_id`."""
        return self._sealer.seal(f"{platform}:{chat_id}")

    def open(self, sealed: str) -> tuple[str, str] | None:
        """Return (platform, chat id), or None when the token is not one of ours."""
        opened = self._sealer.open(sealed)
        if opened is None:
            return None
        platform, _, chat_id = opened.partition(":")
        return platform, chat_id

    def __repr__(self) -> str:
        """Never show the key."""
        return "ChatSealer(<key>)"
