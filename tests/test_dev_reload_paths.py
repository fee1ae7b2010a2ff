"""`reflex run` hot-reloads on source edits only, never on what the app writes at run time."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import pytest
from reflex.utils.exec import get_reload_paths

from app.models.db import REPO_ROOT, data_dir

OVERRIDE = "REFLEX_HOT_RELOAD_OVERRIDE_PATHS"


@pytest.fixture(autouse=True)
def no_override(monkeypatch: pytest.MonkeyPatch) -> None:
    """No reload paths from the environment; whatever rxconfig sets is undone afterwards."""
    monkeypatch.setenv(OVERRIDE, "")  # records the original value for the teardown
    monkeypatch.delenv(OVERRIDE)
    monkeypatch.delenv("FLOWBOOK_DATA_DIR", raising=False)


def load_rxconfig() -> None:
    """Import rxconfig afresh (Reflex itself may have dropped it from sys.modules)."""
    sys.modules.pop("rxconfig", None)
    importlib.import_module("rxconfig")


def _watched(path: Path, reload_paths: tuple[Path, ...] | list[Path]) -> bool:
    return any(path == watched or watched in path.parents for watched in reload_paths)


def test_the_project_watches_its_source_only() -> None:
    load_rxconfig()

    reload_paths = list(get_reload_paths())

    assert reload_paths == [REPO_ROOT / "app", REPO_ROOT / "rxconfig.py", REPO_ROOT / "assets"]
    assert not _watched(data_dir() / "flowbook.db-wal", reload_paths)


def test_an_explicit_override_still_wins(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(OVERRIDE, str(tmp_path))
    load_rxconfig()

    assert list(get_reload_paths()) == [tmp_path]


def test_the_default_data_dir_is_hidden_from_reflexs_default_watch_list() -> None:
    # Without the project's reload paths (a plain `reflex run` with other settings), Reflex
    # skips hidden top-level folders: the runtime data must be in one.
    default = data_dir()

    assert default.parent == REPO_ROOT
    assert default.name.startswith(".")
