"""UI state tests can act as someone: the session cookie lookup answers a chosen principal
(`pytestmark = pytest.mark.usefixtures("act_as")`, or take `act_as` to choose who)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from app.services.principal import SYSTEM, Principal
from app.ui.state import auth_state

ActAs = Callable[[Principal], None]


@pytest.fixture
def act_as(monkeypatch: pytest.MonkeyPatch) -> ActAs:
    """Events are sent by SYSTEM (may do everything) until the test calls `act_as(other)`."""
    current = [SYSTEM]
    monkeypatch.setattr(auth_state, "principal_for", lambda _token: current[0])

    def choose(principal: Principal) -> None:
        current[0] = principal

    return choose
