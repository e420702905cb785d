"""Strong user-key secrets for tests and benchmarks; a deployment must make its own."""

from __future__ import annotations

from bot.service.user_keys import UserKeyer

TEST_USER_KEY_SECRET = "1139035e7a0392323c6f527191e564aa9dad74db7a618c2f14bd389781e8e028"
"""What tests set USER_KEY_SECRET to: 64 random hex digits, as `secrets.token_hex(32)` makes."""
OTHER_USER_KEY_SECRET = "6ed7d1acc7253baf105fa21fce44e40e2244c69ef32caa6e37ecf319964f518c"
"""Another deployment's secret, for tests of what one secret must not open."""

TEST_KEYER = UserKeyer(bytes.fromhex(TEST_USER_KEY_SECRET))
"""A user keyer on the test secret, for parts tested without an app (the Redis limiter)."""
