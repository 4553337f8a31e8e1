"""Argon2 with tiny parameters for tests: the same algorithm, ~100x cheaper per hash."""

from __future__ import annotations

from django.contrib.auth.hashers import Argon2PasswordHasher


class FastArgon2PasswordHasher(Argon2PasswordHasher):
    time_cost = 1
    memory_cost = 64
    parallelism = 1
