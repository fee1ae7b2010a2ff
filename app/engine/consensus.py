"""Consensus voting over agents' answers: majority, weighted, and a judge's pick. Pure, no I/O.

Answers are compared after normalisation (surrounding whitespace and trailing punctuation
removed, inner whitespace collapsed, case folded), so "Cat." and " cat" are one answer.
An answer group is shown with the text of its first agent. Ties go to the group whose first
agent comes first in agent order (`TIE_RULE`), and the result says so (`VoteResult.tied`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

TIE_RULE = "the answer given by the earliest agent in agent order wins"
_TRAILING_PUNCTUATION = ".,;:!?\u2026\u3002"
_WHITESPACE = re.compile(r"\s+")
_BARE_NUMBER = re.compile(r"\A\s*(?:answer|option)?\s*#?\s*(\d+)\s*[.):]?\s*\Z", re.IGNORECASE)
_LEADING_NUMBER = re.compile(r"\A\s*(?:answer|option)?\s*#?\s*(\d+)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Ballot:
    """One agent's answer and its voting weight."""

    text: str
    weight: float = 1.0


@dataclass(frozen=True)
class Candidate:
    """One distinct (normalised) answer.

    Attributes:
        key: the normalised answer.
        text: the first agent's answer text, stripped.
        count: how many agents gave it.
        weight: the sum of those agents' weights.
        first_agent: the index of the first agent that gave it.
    """

    key: str
    text: str
    count: int
    weight: float
    first_agent: int


@dataclass(frozen=True)
class VoteResult:
    """The outcome of a vote.

    Attributes:
        answer: the winning answer's text.
        votes: answer text -> agent count (majority, judge) or summed weight (weighted).
        disagreement: 1 - the winner's share of the votes, from 0 (unanimous) towards 1.
        winner: the index of the winning candidate in `group_answers` order.
        tied: when several answers shared the most votes and `TIE_RULE` picked the winner,
            those answers in agent order; empty otherwise (a judge's pick is not a tie).
    """

    answer: str
    votes: dict[str, float]
    disagreement: float
    winner: int
    tied: tuple[str, ...] = ()


def normalize_answer(text: str) -> str:
    """The form answers are compared in: stripped, trailing punctuation off, case folded."""
    collapsed = _WHITESPACE.sub(" ", text).strip()
    return collapsed.rstrip(_TRAILING_PUNCTUATION + " ").casefold()


def group_answers(ballots: Sequence[Ballot]) -> list[Candidate]:
    """Distinct answers in order of their first agent.

    Raises:
        ValueError: no ballots, or a negative weight.
    """
    if not ballots:
        raise ValueError("no answers to vote on")
    groups: dict[str, Candidate] = {}
    for index, ballot in enumerate(ballots):
        if ballot.weight < 0:
            raise ValueError(f"agent {index + 1} has a negative weight")
        key = normalize_answer(ballot.text)
        seen = groups.get(key)
        if seen is None:
            groups[key] = Candidate(key, ballot.text.strip(), 1, ballot.weight, index)
        else:
            groups[key] = Candidate(
                key, seen.text, seen.count + 1, seen.weight + ballot.weight, seen.first_agent
            )
    return list(groups.values())


def _result(
    candidates: list[Candidate], winner: int, *, weighted: bool, by_rule: bool = True
) -> VoteResult:
    votes: dict[str, float] = {c.text: c.weight if weighted else c.count for c in candidates}
    total = sum(votes.values())
    top = votes[candidates[winner].text]
    share = top / total if total > 0 else 1.0
    leaders = tuple(c.text for c in candidates if votes[c.text] == top)
    return VoteResult(
        answer=candidates[winner].text,
        votes=votes,
        disagreement=round(1.0 - share, 6),
        winner=winner,
        tied=leaders if by_rule and len(leaders) > 1 else (),
    )


def _best(candidates: list[Candidate], *, weighted: bool) -> int:
    # max() keeps the first of equal scores, and candidates are in first-agent order.
    return max(
        range(len(candidates)),
        key=lambda i: candidates[i].weight if weighted else candidates[i].count,
    )


def majority_vote(ballots: Sequence[Ballot]) -> VoteResult:
    """The most common answer wins; votes are agent counts.

    Raises:
        ValueError: no ballots.
    """
    candidates = group_answers(ballots)
    return _result(candidates, _best(candidates, weighted=False), weighted=False)


def weighted_vote(ballots: Sequence[Ballot]) -> VoteResult:
    """The answer with the largest summed agent weight wins; votes are summed weights.

    Raises:
        ValueError: no ballots, or a negative weight.
    """
    candidates = group_answers(ballots)
    return _result(candidates, _best(candidates, weighted=True), weighted=True)


def judged_vote(ballots: Sequence[Ballot], choice: int | None) -> VoteResult:
    """The judge's choice wins; votes are agent counts; without a choice, the majority wins.

    Args:
        ballots: the agents' answers.
        choice: the judge's pick as an index into `group_answers(ballots)`, or None when the
            judge's reply could not be understood.

    Raises:
        ValueError: no ballots, or a choice out of range.
    """
    candidates = group_answers(ballots)
    if choice is None:
        return _result(candidates, _best(candidates, weighted=False), weighted=False)
    if not 0 <= choice < len(candidates):
        raise ValueError(f"choice {choice} is not one of {len(candidates)} answers")
    return _result(candidates, choice, weighted=False, by_rule=False)


def one_line(text: str) -> str:
    """An answer flattened to one line, as listed to the judge."""
    return _WHITESPACE.sub(" ", text).strip()


def judge_messages(question: str, candidates: Sequence[Candidate]) -> tuple[str, str]:
    """The judge's system message (with the question) and prompt (the numbered answers).

    The question goes in the system message so that lists inside it are not mistaken for
    the answers to choose from.
    """
    system = (
        "You are the judge of a vote between AI agents. Pick the single best answer to the "
        "question below. Reply with the number of the best answer only.\n\n"
        f"Question:\n{question}"
    )
    listed = "\n".join(f"{n}. {one_line(c.text)}" for n, c in enumerate(candidates, start=1))
    prompt = f"Which answer is best? Pick one:\n{listed}"
    return system, prompt


def parse_judge_reply(reply: str, candidates: Sequence[Candidate]) -> int | None:
    """Which candidate a judge's reply names, as an index, or None when it is unclear.

    Understood, in this order: a bare number ("2", "#2", "Answer 2."); a reply equal to one
    answer (normalised); a reply starting with a number ("2 - because ..."); a reply that
    contains exactly one of the answers.
    """
    count = len(candidates)
    bare = _BARE_NUMBER.match(reply)
    if bare and 1 <= int(bare.group(1)) <= count:
        return int(bare.group(1)) - 1
    key = normalize_answer(reply)
    for index, candidate in enumerate(candidates):
        if candidate.key == key:
            return index
    leading = _LEADING_NUMBER.match(reply)
    if leading and 1 <= int(leading.group(1)) <= count:
        return int(leading.group(1)) - 1
    mentioned = [i for i, c in enumerate(candidates) if c.key and _contains_words(key, c.key)]
    return mentioned[0] if len(mentioned) == 1 else None


def _contains_words(text: str, words: str) -> bool:
    return re.search(rf"(?<!\w){re.escape(words)}(?!\w)", text) is not None
