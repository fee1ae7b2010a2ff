"""Consensus voting: normalisation, majority, weighted, judge parsing, disagreement, ties."""

from __future__ import annotations

import pytest

from app.engine.consensus import (
    TIE_RULE,
    Ballot,
    group_answers,
    judge_messages,
    judged_vote,
    majority_vote,
    normalize_answer,
    parse_judge_reply,
    weighted_vote,
)


def ballots(*texts: str, weights: tuple[float, ...] = ()) -> list[Ballot]:
    """One ballot per text, weighted 1 unless `weights` says otherwise."""
    return [Ballot(t, weights[i] if weights else 1.0) for i, t in enumerate(texts)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("  Cat. ", "cat"),
        ("CAT!?", "cat"),
        ("New  York\n", "new york"),
        ("Straße", "strasse"),
        ("3.14", "3.14"),
        ("...", ""),
    ],
)
def test_normalize_answer(text: str, expected: str) -> None:
    assert normalize_answer(text) == expected


def test_majority_two_of_three_agree() -> None:
    result = majority_vote(ballots("Cat", "dog", "cat."))
    assert result.answer == "Cat"
    assert result.votes == {"Cat": 2, "dog": 1}
    assert result.disagreement == pytest.approx(1 / 3, abs=1e-6)
    assert result.winner == 0


def test_unanimous_vote_has_no_disagreement() -> None:
    result = majority_vote(ballots("yes", "Yes.", " YES "))
    assert result.votes == {"yes": 3}
    assert result.disagreement == 0.0


def test_majority_tie_goes_to_the_earliest_agent() -> None:
    result = majority_vote(ballots("dog", "cat", "cat", "dog"))
    assert result.answer == "dog"
    assert result.votes == {"dog": 2, "cat": 2}
    assert result.disagreement == pytest.approx(0.5)
    assert majority_vote(ballots("a", "b", "c")).answer == "a"


def test_a_tie_is_reported_as_a_tie_with_the_rule_that_broke_it() -> None:
    assert majority_vote(ballots("a", "b", "c")).tied == ("a", "b", "c")
    assert majority_vote(ballots("dog", "cat", "cat", "dog", "fish")).tied == ("dog", "cat")
    assert weighted_vote(ballots("cat", "dog", weights=(2.0, 2.0))).tied == ("cat", "dog")
    assert "earliest agent" in TIE_RULE
    # A clear winner, or a judge's pick, is no tie.
    assert majority_vote(ballots("a", "a", "b")).tied == ()
    assert weighted_vote(ballots("a", "b", weights=(1.0, 3.0))).tied == ()
    assert judged_vote(ballots("a", "b"), 1).tied == ()
    # A judge whose reply was unclear leaves it to the majority, and then to the tie rule.
    assert judged_vote(ballots("a", "b"), None).tied == ("a", "b")


def test_weights_flip_the_majority() -> None:
    answers = ("cat", "cat", "dog")
    assert majority_vote(ballots(*answers)).answer == "cat"
    result = weighted_vote(ballots(*answers, weights=(1.0, 1.0, 3.0)))
    assert result.answer == "dog"
    assert result.votes == {"cat": 2.0, "dog": 3.0}
    assert result.disagreement == pytest.approx(0.4)


def test_weighted_tie_goes_to_the_earliest_agent() -> None:
    result = weighted_vote(ballots("cat", "dog", weights=(2.0, 2.0)))
    assert result.answer == "cat"
    assert result.disagreement == pytest.approx(0.5)


def test_votes_need_answers_and_non_negative_weights() -> None:
    with pytest.raises(ValueError, match="no answers"):
        majority_vote([])
    with pytest.raises(ValueError, match="negative weight"):
        weighted_vote([Ballot("a", -1.0)])


def test_groups_keep_the_first_agents_text_and_order() -> None:
    groups = group_answers(ballots("  Paris ", "Rome", "paris!", weights=(1.0, 2.0, 0.5)))
    assert [(g.text, g.count, g.weight, g.first_agent) for g in groups] == [
        ("Paris", 2, 1.5, 0),
        ("Rome", 1, 2.0, 1),
    ]


def test_judge_messages_number_the_answers_on_one_line_each() -> None:
    groups = group_answers(ballots("cat", "a dog\nbecause dogs", "cat"))
    system, prompt = judge_messages("Which pet? Options: cat, dog", groups)
    assert "Which pet? Options: cat, dog" in system
    assert "number" in system
    assert prompt.splitlines()[1:] == ["1. cat", "2. a dog because dogs"]
    assert "Options" not in prompt


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        ("2", 1),
        (" #1 ", 0),
        ("Answer 3.", 2),
        ("option 2)", 1),
        ("dog", 1),
        ("Fish!", 2),
        ("2 - it is the friendliest", 1),
        ("I would go with the dog here.", 1),
        ("4", None),
        ("0", None),
        ("cat or dog, hard to say", None),
        ("no idea", None),
        ("", None),
    ],
)
def test_parse_judge_reply(reply: str, expected: int | None) -> None:
    groups = group_answers(ballots("cat", "dog", "fish"))
    assert parse_judge_reply(reply, groups) == expected


def test_a_bare_number_wins_over_an_equal_numeric_answer() -> None:
    groups = group_answers(ballots("2", "1"))
    assert parse_judge_reply("1", groups) == 0
    assert parse_judge_reply("the answer is 1", groups) == 1


def test_judge_choice_wins_even_against_the_majority() -> None:
    result = judged_vote(ballots("cat", "cat", "dog"), 1)
    assert result.answer == "dog"
    assert result.votes == {"cat": 2, "dog": 1}
    assert result.disagreement == pytest.approx(2 / 3, abs=1e-6)


def test_unclear_judge_falls_back_to_majority() -> None:
    result = judged_vote(ballots("cat", "dog", "dog"), None)
    assert result.answer == "dog"
    with pytest.raises(ValueError, match="not one of 2"):
        judged_vote(ballots("cat", "dog"), 5)
