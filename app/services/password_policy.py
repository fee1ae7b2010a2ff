"""How strong a password is: a score for the meter and the rule that refuses weak ones.

A password is accepted from 12 characters on, unless it is one of the most common ones or
mostly the same few characters; shorter ones are refused whatever they hold. The score
(0-4) grows with length and with the kinds of characters used, like zxcvbn's scale.
"""

from __future__ import annotations

from dataclasses import dataclass

MIN_LENGTH = 12
_COMMON = frozenset(
    {
        "password1234",
        "passwordpassword",
        "123456789012",
        "qwertyuiopas",
        "qwerty123456",
        "iloveyou1234",
        "adminadmin12",
        "letmeinletmein",
        "abcdefghijkl",
        "111111111111",
        "aaaaaaaaaaaa",
        "flowbookflowbook",
    }
)
LABELS = ("very weak", "weak", "fair", "good", "strong")


@dataclass(frozen=True)
class PasswordStrength:
    """A password's score (0-4), its label and, when it is refused, why."""

    score: int
    label: str
    problem: str | None


def _kinds(password: str) -> int:
    return sum(
        (
            any(ch.islower() for ch in password),
            any(ch.isupper() for ch in password),
            any(ch.isdigit() for ch in password),
            any(not ch.isalnum() for ch in password),
        )
    )


def password_strength(password: str, *, email: str = "") -> PasswordStrength:
    """Score a password and say what is wrong with it, if anything.

    Args:
        password: the candidate.
        email: the account's e-mail; a password built from it is refused.

    Returns:
        The strength; `problem` is None when the password may be used.
    """
    distinct = len(set(password.lower()))
    local = email.partition("@")[0].lower()
    if len(password) < MIN_LENGTH:
        problem: str | None = f"use at least {MIN_LENGTH} characters"
    elif password.lower() in _COMMON or distinct < 4:
        problem = "this password is too easy to guess; add unrelated words"
    elif len(local) >= 4 and local in password.lower():
        problem = "do not build the password from your e-mail address"
    else:
        problem = None
    if problem is None:
        score = max(2, min(4, len(password) // 4 + _kinds(password) - 2))
    else:
        score = 1 if len(password) >= 8 else 0
    return PasswordStrength(score=score, label=LABELS[score], problem=problem)
