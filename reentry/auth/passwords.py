"""Password policy and hashing (OWASP ASVS 6.2, NIST 800-63B).

No composition rules and no forced rotation; instead: at least 12 characters, and not a common or
easily guessed password (zxcvbn's bundled list of 30,000 common passwords and its estimator, fed
with words from the person's own context such as their email and the facility names).
"""
from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from zxcvbn import zxcvbn
from zxcvbn.frequency_lists import FREQUENCY_LISTS

MIN_LENGTH = 12
MAX_LENGTH = 256
# zxcvbn is slow on very long input and gains nothing past this length.
_STRENGTH_CHECK_CHARS = 64

_COMMON = frozenset(FREQUENCY_LISTS["passwords"])
_APP_WORDS = ["reentry", "naloxone", "narcan", "jail", "prison", "sheriff", "overdose"]
_hasher = PasswordHasher()  # Argon2id with the library's current recommended parameters


class WeakPassword(ValueError):
    """The password does not meet the policy; the message says why."""


def check_password_policy(password: str, context_words: list[str] | tuple[str, ...] = ()) -> None:
    """Raise WeakPassword with a plain reason if the password may not be used."""
    if len(password) < MIN_LENGTH:
        raise WeakPassword(f"Use at least {MIN_LENGTH} characters. A few words together work well.")
    if len(password) > MAX_LENGTH:
        raise WeakPassword(f"Use at most {MAX_LENGTH} characters.")
    if password.lower() in _COMMON:
        raise WeakPassword("This password is on a list of common passwords. Choose another.")
    words = [w.lower() for w in (*context_words, *_APP_WORDS) if w]
    if _made_of_words(password, words):
        raise WeakPassword("Do not build your password from your email, the facility or this program's name.")
    result = zxcvbn(password[:_STRENGTH_CHECK_CHARS], user_inputs=words)
    if result["score"] < 3:
        hint = result["feedback"].get("warning") or "It would be easy to guess."
        raise WeakPassword(f"This password is too easy to guess. {hint}".strip())


def _made_of_words(password: str, words: list[str]) -> bool:
    """True if the letters of the password are only context words run together
    ("franklincountyjail"), which zxcvbn scores too kindly."""
    letters = "".join(c for c in password.lower() if c.isalpha())
    vocabulary = {w for w in words if len(w) >= 3 and w.isalpha()}
    if not letters or not vocabulary:
        return False
    reachable = [True] + [False] * len(letters)  # reachable[i]: letters[:i] splits into words
    for end in range(1, len(letters) + 1):
        reachable[end] = any(reachable[end - len(w)] and letters.endswith(w, 0, end)
                             for w in vocabulary if len(w) <= end)
    return reachable[-1]


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    return _hasher.check_needs_rehash(stored_hash)


# Verifying against this when the email is unknown keeps the response time the same, so timing
# does not reveal which accounts exist.
DUMMY_HASH = _hasher.hash("not-a-real-password-used-for-timing")
