"""The migration heads read without Alembic agree with Alembic's, and a serving process on
a current database never imports Alembic."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from alembic.config import Config
from alembic.script import ScriptDirectory

from app.models.db import REPO_ROOT
from app.models.migration_heads import code_heads

SCRIPT = """
import sys
from app.models.migrations import upgrade_database
upgrade_database({url!r})
print("alembic" in sys.modules)
"""


def test_the_heads_are_alembics() -> None:
    config = Config(str(REPO_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(REPO_ROOT / "alembic"))
    assert code_heads() == frozenset(ScriptDirectory.from_config(config).get_heads())


def test_branches_and_merges_are_followed(tmp_path: Path) -> None:
    scripts = {
        "a.py": 'revision = "a"\ndown_revision = None\n',
        "b.py": 'revision: str = "b"\ndown_revision: str | None = "a"\n',
        "c.py": 'revision = "c"\ndown_revision = "a"\n',
        "d.py": 'revision = "d"\ndown_revision = ("b", "c")\n',
        "e.py": 'revision = "e"\ndown_revision = "a"\n',
        "notes.py": "x = 1\n",
    }
    for name, text in scripts.items():
        (tmp_path / name).write_text(text)
    assert code_heads(tmp_path) == frozenset({"d", "e"})


def _upgrade_in_a_fresh_process(url: str) -> bool:
    """Whether a fresh process upgrading `url` imported Alembic."""
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT.format(url=url)],
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO_ROOT,
    )
    return done.stdout.strip().splitlines()[-1] == "True"


def test_only_a_database_behind_the_code_loads_alembic(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    assert _upgrade_in_a_fresh_process(url)  # migrated: Alembic did it
    assert not _upgrade_in_a_fresh_process(url)  # at head: nothing to load
