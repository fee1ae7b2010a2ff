"""The password rule and the meter's score."""

from __future__ import annotations

import pytest

from app.services.password_policy import MIN_LENGTH, password_strength


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        ("", "at least 12"),
        ("Sh0rt&sweet", "at least 12"),
        ("password1234", "too easy"),
        ("abababababababab", "too easy"),
        ("grace.hopper-1906", "e-mail"),
    ],
)
def test_weak_passwords_are_refused_with_a_reason(password: str, problem: str) -> None:
    strength = password_strength(password, email="grace.hopper@navy.mil")
    assert strength.problem is not None and problem in strength.problem
    assert strength.score <= 1


def test_long_or_varied_passwords_are_accepted_and_score_higher() -> None:
    plain = password_strength("mellowyellow")
    assert plain.problem is None and len("mellowyellow") == MIN_LENGTH
    phrase = password_strength("correct horse battery staple")
    varied = password_strength("Tr0ub4dor&3-x")
    assert (plain.score, phrase.score, varied.score) == (2, 4, 4)
    assert phrase.label == "strong"
