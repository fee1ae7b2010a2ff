"""The executions page's URL carries its filters and page, leaving defaults out."""

from __future__ import annotations

from app.ui.state.executions_state import executions_url


def test_defaults_are_left_out_and_the_rest_is_encoded() -> None:
    assert executions_url() == "/executions"
    assert executions_url(status="failed") == "/executions?status=failed"
    assert executions_url(status="all", workflow=3, page=2) == "/executions?workflow=3&page=2"
    assert executions_url(status="succeeded", workflow=7, page=1) == (
        "/executions?status=succeeded&workflow=7"
    )
