"""Screenshots of the browser tests, kept under artifacts/e2e/."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Page

from e2e.app_process import REPO_ROOT

ARTIFACTS = REPO_ROOT / "artifacts" / "e2e"


def save_screenshot(page: Page, name: str) -> Path:
    """Save a full-page screenshot as artifacts/e2e/<name>.png."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / (re.sub(r"[^\w.-]+", "_", name) + ".png")
    page.screenshot(path=str(path), full_page=True)
    return path
