"""Fixtures for engine tests: the test node registry and recording hooks."""

from __future__ import annotations

import pytest

from app.engine.registry import NodeRegistry
from tests.engine.builders import RecordingHooks, build_registry


@pytest.fixture
def registry() -> NodeRegistry:
    """The registry of test node types."""
    return build_registry()


@pytest.fixture
def hooks() -> RecordingHooks:
    """Fresh recording hooks."""
    return RecordingHooks()
