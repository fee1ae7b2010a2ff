"""End-to-end browser tests (Playwright + Chromium) against the running app."""
