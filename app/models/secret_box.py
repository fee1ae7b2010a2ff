"""Secrets at rest: Fernet encryption of stored secrets (provider API keys).

The key comes from the environment variable `FLOWBOOK_SECRET_KEY` (a Fernet key: 32
url-safe base64-encoded bytes) or, when it is not set, from a key file `secret.key` created
on first use with 0600 permissions beside the SQLite database (for other databases, in the
data directory). The app, the services and the migrations all find the key the same way, so
rows written by one are read by the others.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import threading
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy.engine import make_url

from app.models.db import data_dir, is_sqlite

SECRET_KEY_ENV = "FLOWBOOK_SECRET_KEY"
KEY_FILE_NAME = "secret.key"
KEY_FILE_MODE = 0o600
GENERATE_HINT = (
    'python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"'
)


class SecretKeyError(Exception):
    """The secret key is unusable, or a stored secret cannot be decrypted with it."""


def key_file_path(database_url: str) -> Path:
    """Where the generated key lives for `database_url`: beside a SQLite file, else data_dir()."""
    if is_sqlite(database_url):
        database = make_url(database_url).database
        if database and database != ":memory:":
            return Path(database).resolve().parent / KEY_FILE_NAME
    return data_dir() / KEY_FILE_NAME


def _read_or_create_key_file(path: Path) -> bytes:
    if path.exists():
        return path.read_bytes().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    # Written under a private name, then linked into place: a process that races us either
    # wins the link or reads the complete file of the winner, never a half-written one.
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, KEY_FILE_MODE)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(Fernet.generate_key() + b"\n")
        os.chmod(temporary, KEY_FILE_MODE)
        with contextlib.suppress(FileExistsError):
            os.link(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    return path.read_bytes().strip()


def _fernet(raw_key: bytes, source: str) -> Fernet:
    try:
        return Fernet(raw_key)
    except (ValueError, TypeError) as exc:
        raise SecretKeyError(
            f"The secret key from {source} is not a Fernet key (32 url-safe base64-encoded "
            f"bytes); generate one with: {GENERATE_HINT}"
        ) from exc


class SecretBox:
    """Encrypts and decrypts short secrets with one Fernet key."""

    def __init__(self, fernet: Fernet, raw_key: bytes) -> None:
        self._fernet = fernet
        self._raw_key = raw_key

    def __repr__(self) -> str:
        return "SecretBox(<key hidden>)"

    def encrypt(self, plain: str) -> str:
        """The Fernet token (ASCII text) of `plain`."""
        return self._fernet.encrypt(plain.encode("utf-8")).decode("ascii")

    def decrypt(self, token: str) -> str:
        """The plain text of a token made by `encrypt` with the same key.

        Raises:
            SecretKeyError: the token was made with another key, or is not a token at all.
        """
        try:
            return self._fernet.decrypt(token.encode("ascii")).decode("utf-8")
        except (InvalidToken, UnicodeError) as exc:
            raise SecretKeyError(
                f"A stored secret cannot be decrypted with the current secret key (did "
                f"{SECRET_KEY_ENV} or the {KEY_FILE_NAME} file change?); enter it again"
            ) from exc

    def derived_key(self, purpose: str) -> bytes:
        """A key for another purpose (e.g. signing tokens), derived from this one by HMAC."""
        return hmac.new(self._raw_key, f"flowbook:{purpose}".encode(), hashlib.sha256).digest()

    def is_token(self, value: str) -> bool:
        """Whether `value` decrypts with this key (an already encrypted secret)."""
        try:
            self.decrypt(value)
        except SecretKeyError:
            return False
        return True


_lock = threading.Lock()
_boxes: dict[tuple[str, str], SecretBox] = {}


def secret_box(database_url: str) -> SecretBox:
    """The box for the secrets stored in `database_url` (the key is read once per process).

    Raises:
        SecretKeyError: FLOWBOOK_SECRET_KEY or the key file does not hold a Fernet key.
    """
    from_env = os.environ.get(SECRET_KEY_ENV, "").strip()
    path = key_file_path(database_url)
    cache_key = (from_env, "" if from_env else str(path))
    with _lock:
        box = _boxes.get(cache_key)
        if box is None:
            if from_env:
                raw_key = from_env.encode("ascii", "replace")
                fernet = _fernet(raw_key, SECRET_KEY_ENV)
            else:
                raw_key = _read_or_create_key_file(path)
                fernet = _fernet(raw_key, str(path))
            box = _boxes[cache_key] = SecretBox(fernet, raw_key)
    return box
