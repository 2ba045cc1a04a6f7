"""Password hashes (Argon2id through argon2-cffi) and new passwords."""

from __future__ import annotations

import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from anquan.errors import InvalidValue

PASSWORD_MIN = 10
PASSWORD_MAX = 200
# Argon2id at OWASP's recommended minimum (19 MiB, 2 passes, 1 lane): about 50 ms a check on a county server, so a
# sign-in stays quick while a stolen hash costs a guesser as much; a hash made with other parameters is redone at
# its next sign-in.
_HASHER = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1)
# Verified against when the account does not exist, so an unknown name takes as long as a wrong password.
_DUMMY = _HASHER.hash(secrets.token_urlsafe(16))


def checked_password(password: str) -> str:
    if len(password) < PASSWORD_MIN:
        raise InvalidValue(f"a password needs at least {PASSWORD_MIN} characters", field="password")
    if len(password) > PASSWORD_MAX:
        raise InvalidValue(f"a password has at most {PASSWORD_MAX} characters", field="password")
    return password


def new_password() -> str:
    """A random password to hand over once (16 characters, about 96 bits)."""
    return secrets.token_urlsafe(12)


def hash_password(password: str) -> str:
    return _HASHER.hash(checked_password(password))


def verify(stored: str | None, password: str) -> bool:
    """Whether the password matches the stored hash (None: no account; checked against a dummy, always False)."""
    try:
        return _HASHER.verify(stored or _DUMMY, password[:PASSWORD_MAX]) and stored is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    return _HASHER.check_needs_rehash(stored)
