"""Fixtures of the LLM layer tests: a real fake provider on 127.0.0.1 and deployments on it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from app.llm.deployments import Deployment, Provider
from tests.llm.fake_server import FakeLLMServer

FAKE_KEY = "sk-fake-secret-4f9a1c2b7d"
KEY_ENV = "FLOWBOOK_TEST_FAKE_KEY"


@pytest.fixture(scope="session")
def fake_server_session() -> Iterator[FakeLLMServer]:
    """One server for the whole session (starting one costs a thread and a port)."""
    server = FakeLLMServer().start()
    yield server
    server.stop()


@pytest.fixture
def fake_server(fake_server_session: FakeLLMServer) -> FakeLLMServer:
    """The session's server, reset to answer every model normally with no calls counted."""
    fake_server_session.reset()
    return fake_server_session


@pytest.fixture
def fake_key(monkeypatch: pytest.MonkeyPatch) -> str:
    """A secret key in the environment variable the fake deployments read."""
    monkeypatch.setenv(KEY_ENV, FAKE_KEY)
    return FAKE_KEY


def fake_deployment(server: FakeLLMServer, name: str, **kwargs: object) -> Deployment:
    """An openai_compatible deployment on the fake server serving model `name`."""
    return Deployment(
        name=name,
        provider=Provider.OPENAI_COMPATIBLE,
        model=name,
        api_base=server.base_url,
        api_key_env=KEY_ENV,
        **kwargs,  # type: ignore[arg-type]
    )
