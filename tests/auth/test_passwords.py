import pytest

from reentry.auth import passwords
from reentry.auth.passwords import WeakPassword, check_password_policy, hash_password, verify_password


@pytest.mark.parametrize("password", ["short", "elevenchars"])
def test_short_passwords_are_refused(password):
    with pytest.raises(WeakPassword, match="at least 12"):
        check_password_policy(password)


@pytest.mark.parametrize("password", ["1qaz2wsx3edc", "qwertyuiopasdfgh", "passwordpassword"])
def test_common_or_guessable_passwords_are_refused(password):
    with pytest.raises(WeakPassword):
        check_password_policy(password)


def test_context_words_make_a_password_guessable():
    with pytest.raises(WeakPassword):
        check_password_policy("franklincountyjail", ["franklin", "county", "jail"])
    with pytest.raises(WeakPassword):
        check_password_policy("Franklin County 2026", ["franklin", "county"])


@pytest.mark.parametrize("password", [
    "correct horse battery staple",       # spaces allowed, no composition rules
    "a" * 0 + "tamale-river-violin-42-quiet",
    "x7#" + "long phrase " * 5,             # 64 characters
    "ü" * 3 + " ñandú café paseo 🚲 lluvia",  # accents and emoji
    "river stone lantern " * 5 + "ok",     # 102 characters
])
def test_long_passphrases_are_accepted_without_composition_rules(password):
    check_password_policy(password)


def test_the_longest_allowed_password_and_one_past_it():
    check_password_policy("a long passphrase " + "z" * 238)  # 256 characters
    with pytest.raises(WeakPassword, match="at most 256"):
        check_password_policy("a long passphrase " + "z" * 239)


def test_hashes_are_argon2id_and_verify_exactly():
    stored = hash_password("ñandú café 🚲 with spaces  ")
    assert stored.startswith("$argon2id$")
    assert verify_password(stored, "ñandú café 🚲 with spaces  ")
    assert not verify_password(stored, "ñandú café 🚲 with spaces ")  # one space fewer
    a, b = "p" * 79 + "1", "p" * 79 + "2"
    assert not verify_password(hash_password(a), b)
    assert not verify_password("not-a-hash", "anything")


def test_production_hasher_uses_strong_parameters():
    # tests swap in a cheap hasher; the shipped one must keep argon2-cffi's recommended settings
    from argon2 import PasswordHasher

    shipped = PasswordHasher()
    assert shipped.time_cost >= 2 and shipped.memory_cost >= 19 * 1024
    assert passwords.MIN_LENGTH == 12
