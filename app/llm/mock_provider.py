"""The built-in mock provider: deterministic offline answers for any model name.

Behaviours, chosen from the request:
- JSON output requested: a JSON object {"answer": ..., "model": ..., "mock": true};
- a vote ("vote", "choose", "pick", "select", "which") with listed options: exactly one of the
  options, picked by a stable hash of the model name and the prompt (so different mock agents
  may disagree, but the same agent always answers the same);
- a summary ("summar", "tl;dr", "in short"): the first sentences of the text, prefixed
  "Summary:";
- anything else: one of three labelled stances ("[mock] Answer A: <prompt excerpt>", B or
  C), picked by a stable hash of the agent (model name and system prompt) and the prompt, so
  mock agents in a consensus agree or disagree as real ones would, and the same agent always
  answers the same; at temperature 0 every agent gives answer A.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass

from app.llm.types import LLMRequest

_VOTE_WORDS = re.compile(r"\b(vote|choose|pick|select|which)\b", re.IGNORECASE)
_SUMMARY_WORDS = re.compile(r"summar|tl;dr|in short", re.IGNORECASE)
_OPTION_LINE = re.compile(r"^\s*(?:[-*\u2022]|\d+[.)]|[A-Za-z][.)])\s+(.+?)\s*$")
_OPTIONS_INLINE = re.compile(r"options?\s*[:=]\s*(.+)", re.IGNORECASE)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_SUMMARY_WORD_LIMIT = 40
_ECHO_CHAR_LIMIT = 500
_STANCES = ("A", "B", "C")


@dataclass(frozen=True)
class MockAnswer:
    """What the mock provider answered."""

    text: str
    input_tokens: int
    output_tokens: int


def estimate_tokens(text: str) -> int:
    """A rough token count (about four characters per token), at least 1 for non-empty text."""
    return (len(text) + 3) // 4


def vote_options(prompt: str) -> list[str]:
    """The options listed in a prompt: bullet/numbered lines, or "Options: a, b | c".

    Args:
        prompt: the prompt text.

    Returns:
        The options in order of appearance, without duplicates.
    """
    options: list[str] = []
    for line in prompt.splitlines():
        bullet = _OPTION_LINE.match(line)
        if bullet:
            options.append(bullet.group(1))
            continue
        inline = _OPTIONS_INLINE.search(line)
        if inline:
            options.extend(p.strip() for p in re.split(r"[,|;]", inline.group(1)) if p.strip())
    return list(dict.fromkeys(options))


def stable_index(size: int, *parts: str) -> int:
    """A deterministic index in [0, size) derived from `parts` (same input, same index)."""
    digest = hashlib.sha256("\x1f".join(parts).encode()).digest()
    return int.from_bytes(digest[:8], "big") % size


def _summary(text: str) -> str:
    words: list[str] = []
    for sentence in _SENTENCE_END.split(text.strip()):
        words.extend(sentence.split())
        if len(words) >= _SUMMARY_WORD_LIMIT // 2:
            break
    return "Summary: " + " ".join(words[:_SUMMARY_WORD_LIMIT])


def _answer_text(request: LLMRequest, model: str) -> str:
    prompt = next((m.content for m in reversed(request.messages) if m.role == "user"), "")
    context = "\n".join(m.content for m in request.messages)
    options = vote_options(prompt)
    if options and _VOTE_WORDS.search(context):
        return options[stable_index(len(options), model, prompt)]
    if _SUMMARY_WORDS.search(context):
        body = prompt.split(":", 1)[1] if ":" in prompt[:80] else prompt
        return _summary(body)
    return f"[mock] Answer {_stance(request, model, prompt)}: {prompt[:_ECHO_CHAR_LIMIT]}"


def _stance(request: LLMRequest, model: str, prompt: str) -> str:
    if request.temperature == 0:
        return _STANCES[0]
    system = "\n".join(m.content for m in request.messages if m.role == "system")
    return _STANCES[stable_index(len(_STANCES), model, system, prompt)]


def mock_complete(request: LLMRequest, model: str) -> MockAnswer:
    """Answers a request offline, deterministically.

    Args:
        request: the request.
        model: the model name the answer is labelled with.

    Returns:
        The answer with estimated token counts.
    """
    text = _answer_text(request, model)
    if request.json_output:
        text = json.dumps({"answer": text, "model": model, "mock": True})
    prompt_tokens = sum(estimate_tokens(m.content) for m in request.messages)
    return MockAnswer(text=text, input_tokens=prompt_tokens, output_tokens=estimate_tokens(text))
