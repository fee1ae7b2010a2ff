"""Webhook payload mapping: JMESPath over body, headers and query."""

from __future__ import annotations

import pytest

from app.services.errors import InvalidInputError
from app.services.webhook_mapping import map_input, mapping_source, preview_mapping


def test_no_mapping_passes_the_body() -> None:
    source = mapping_source({"a": 1}, {"X-Event": "push"}, {})
    assert map_input(None, source) == {"a": 1}


def test_mapping_reads_body_lower_case_headers_and_query() -> None:
    source = mapping_source({"user": {"name": "Ada"}}, {"X-Event": "push"}, {"debug": "1"})
    mapped = map_input(
        '{name: body.user.name, event: headers."x-event", debug: query.debug}', source
    )
    assert mapped == {"name": "Ada", "event": "push", "debug": "1"}


def test_a_mapping_that_does_not_compile_says_why() -> None:
    with pytest.raises(InvalidInputError, match="not a JMESPath expression"):
        map_input("body.[", mapping_source({}, {}, {}))


def test_a_mapping_failing_at_run_time_is_bad_input() -> None:
    with pytest.raises(InvalidInputError, match="failed on this request"):
        map_input("abs(body)", mapping_source("text", {}, {}))


def test_preview_of_a_sample() -> None:
    sample = {"body": {"id": 7}, "headers": {"X-Delivery": "d1"}}
    assert preview_mapping('[body.id, headers."x-delivery"]', sample) == [7, "d1"]
    with pytest.raises(InvalidInputError):
        preview_mapping("body", {"headers": ["not", "an", "object"]})
