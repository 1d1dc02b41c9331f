"""Account passwords: stored as bcrypt hashes, never as given.

bcrypt only reads the first 72 bytes of a password, so longer passwords
are refused instead of being silently truncated.
"""

from __future__ import annotations

import bcrypt

__all__ = ["MAX_PASSWORD_BYTES", "check_password", "hash_password", "password_problem"]

#: Longest password (UTF-8 bytes) bcrypt fully takes into account.
MAX_PASSWORD_BYTES = 72


def password_problem(password: str) -> str | None:
    """Why ``password`` cannot be used, or None when it can."""
    if not password:
        return "The password cannot be empty"
    if len(password.encode("utf-8")) > MAX_PASSWORD_BYTES:
        return f"The password is too long ({MAX_PASSWORD_BYTES} bytes at most)"
    return None


def hash_password(password: str) -> str:
    """The bcrypt hash to store (a str); the password must be acceptable."""
    return bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt()).decode("ascii")


def check_password(password: str, hashed: str) -> bool:
    """Does ``password`` match the stored ``hashed`` one? False for anything malformed."""
    if password_problem(password) is not None:
        return False
    try:
        return bool(bcrypt.checkpw(password.encode("utf-8"), hashed.encode("ascii")))
    except (ValueError, UnicodeEncodeError):
        return False
