"""`flowbook run` stops the expression payloads of issue 8 as the server does: exit 1, the
limit error naming the node, in well under the time they took before (18 min at worst)."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from tests.expression_payloads import ISSUE_PAYLOADS, TIME_PAYLOADS, heavy_document, is_limit_error
from tests.test_cli import flowbook, write

PAYLOADS = {
    "join": ISSUE_PAYLOADS["join"],
    "sort_in_loop": ISSUE_PAYLOADS["sort_in_loop"],
    "square_chain": ISSUE_PAYLOADS["square_chain"],
    "time_filter_chain": TIME_PAYLOADS["filter_chain"],
}


@pytest.mark.timing
@pytest.mark.parametrize("name", PAYLOADS)
def test_run_stops_an_expression_payload_with_the_limit_error(tmp_path: Path, name: str) -> None:
    path = write(tmp_path, heavy_document(PAYLOADS[name]))
    started = time.monotonic()
    result = flowbook("run", str(path))
    elapsed = time.monotonic() - started

    assert result.returncode == 1, result.stderr
    printed = json.loads(result.stdout)
    assert printed["status"] == "failed"
    assert printed["error_node_id"] == "heavy"
    assert is_limit_error(printed["error"]), printed["error"]
    # The payload's 2 s bound, plus starting a Python process and importing the app.
    assert elapsed < 2.0 + 15.0
