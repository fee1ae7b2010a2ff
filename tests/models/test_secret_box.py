"""The secret box: Fernet tokens, the key from the environment or a private key file."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from app.models.secret_box import SECRET_KEY_ENV, SecretKeyError, key_file_path, secret_box

SECRET = "sk-live-0123456789abcdefWXYZ"


def test_without_the_env_key_a_private_key_file_is_made_beside_the_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(SECRET_KEY_ENV, raising=False)
    url = f"sqlite:///{tmp_path / 'db' / 'flowbook.db'}"
    box = secret_box(url)
    token = box.encrypt(SECRET)
    key_file = tmp_path / "db" / "secret.key"
    assert key_file_path(url) == key_file
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert SECRET not in token and box.decrypt(token) == SECRET
    assert SECRET not in repr(box)
    # The same file serves the next process (another box built from it reads the token).
    assert Fernet(key_file.read_bytes().strip()).decrypt(token.encode()).decode() == SECRET


def test_postgresql_keeps_its_key_file_in_the_data_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FLOWBOOK_DATA_DIR", str(tmp_path))
    assert key_file_path("postgresql+psycopg://u@h/db") == tmp_path / "secret.key"


def test_the_env_key_wins_and_a_wrong_key_gives_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'flowbook.db'}"
    monkeypatch.setenv(SECRET_KEY_ENV, Fernet.generate_key().decode())
    token = secret_box(url).encrypt(SECRET)
    assert not (tmp_path / "secret.key").exists()
    monkeypatch.setenv(SECRET_KEY_ENV, Fernet.generate_key().decode())
    with pytest.raises(SecretKeyError, match="cannot be decrypted with the current secret key"):
        secret_box(url).decrypt(token)
    assert not secret_box(url).is_token(token)


def test_a_malformed_env_key_is_refused_with_how_to_make_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(SECRET_KEY_ENV, "not-a-fernet-key")
    with pytest.raises(SecretKeyError, match=f"{SECRET_KEY_ENV} is not a Fernet key.*generate"):
        secret_box(f"sqlite:///{tmp_path / 'flowbook.db'}")
