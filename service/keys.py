"""Named API keys kept as salted SHA-256 hashes in a JSON file; the plain key is shown once, never stored.

A key is 256 random bits (secrets.token_urlsafe(32)), so a fast salted hash is enough: slow
password hashes protect guessable secrets, and would cost every request tens of milliseconds.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import os
import secrets
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from index.answer.access import EVERYTHING, Access
from index.ingest.corpus import GROUP

FILE_VERSION = 1
_NAME_CHARS = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.@")


class KeyFileError(Exception):
    """The key file is unreadable, or a key operation cannot be done; the message says why."""


@dataclass(frozen=True)
class ApiKey:
    name: str
    salt: str  # hex
    sha256: str  # hex of sha256(salt bytes + key utf-8)
    admin: bool
    created_at: str
    revoked_at: str | None = None
    groups: tuple[str, ...] = ()  # documents restricted to any of these groups are visible to the key

    @property
    def active(self) -> bool:
        return self.revoked_at is None


@dataclass(frozen=True)
class Identity:
    """Who a request is: a key's name, an SSO user, or 'anonymous' when auth is off."""

    name: str
    via: str  # "key", "sso" or "none"
    admin: bool = False
    groups: tuple[str, ...] = ()

    def access(self) -> Access:
        """What this caller may see: everything for an admin (or auth off), else open documents and their groups'."""
        return EVERYTHING if self.admin else Access.for_groups(self.groups)


def _digest(salt_hex: str, key: str) -> str:
    return hashlib.sha256(bytes.fromhex(salt_hex) + key.encode("utf-8")).hexdigest()


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()


def new_key(name: str, admin: bool = False, groups: tuple[str, ...] = ()) -> tuple[str, ApiKey]:
    """A fresh plain key (to print once) and the record that stores only its hash."""
    if not name or len(name) > 64 or not set(name) <= _NAME_CHARS:
        raise KeyFileError(f"key name {name!r} must be 1-64 letters, digits or - _ . @")
    bad = [g for g in groups if not GROUP.match(g)]
    if bad:
        raise KeyFileError(f"group name(s) {', '.join(map(repr, bad))} must be 1-64 letters, digits or - _ . @")
    plain = secrets.token_urlsafe(32)
    salt = secrets.token_hex(16)
    record = ApiKey(name=name, salt=salt, sha256=_digest(salt, plain), admin=admin, created_at=_now(), groups=tuple(dict.fromkeys(groups)))
    return plain, record


def match_key(keys: tuple[ApiKey, ...], presented: str) -> ApiKey | None:
    """The active key `presented` is, or None. Every stored key is compared, each in constant time."""
    found = None
    for key in keys:
        if hmac.compare_digest(_digest(key.salt, presented), key.sha256) and key.active:
            found = key
    return found


def read_keys(path: Path) -> tuple[ApiKey, ...]:
    if not path.exists():
        return ()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return tuple(ApiKey(**{**row, "groups": tuple(row.get("groups") or ())}) for row in data["keys"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise KeyFileError(f"key file {path} is unreadable ({exc.__class__.__name__}: {exc}); fix or remove it") from None


def write_keys(path: Path, keys: tuple[ApiKey, ...]) -> None:
    """Replace the key file in one rename, readable by its owner only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump({"version": FILE_VERSION, "keys": [asdict(k) for k in keys]}, out, indent=2)
        out.flush()
        os.fsync(out.fileno())
    os.replace(tmp, path)


def add_key(path: Path, name: str, admin: bool = False, groups: tuple[str, ...] = ()) -> str:
    keys = read_keys(path)
    if any(k.name == name and k.active for k in keys):
        raise KeyFileError(f"an active key named {name!r} exists; revoke it first or choose another name")
    plain, record = new_key(name, admin, groups)
    write_keys(path, (*keys, record))
    return plain


def revoke_key(path: Path, name: str) -> int:
    """Revoke every active key called `name`; how many were revoked."""
    keys = read_keys(path)
    hits = [k for k in keys if k.name == name and k.active]
    if not hits:
        raise KeyFileError(f"no active key named {name!r} in {path}; 'inspectqa keys list' shows them")
    now = _now()
    write_keys(path, tuple(replace(k, revoked_at=now) if k in hits else k for k in keys))
    return len(hits)


class KeyRing:
    """The key file as the running service sees it: re-read whenever the file changes, so a revoke or
    a new key takes effect on the next request without a restart."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._stamp: tuple[int, int] | None = None
        self._keys: tuple[ApiKey, ...] = ()
        self.error: str | None = None

    def keys(self) -> tuple[ApiKey, ...]:
        try:
            st = self.path.stat()
            stamp = (st.st_mtime_ns, st.st_size)
        except FileNotFoundError:
            stamp = None
        if stamp != self._stamp:
            try:
                self._keys = read_keys(self.path) if stamp else ()
                self.error = None
            except KeyFileError as exc:
                # keep the keys last read: a half-edited file must not lock everyone out, or let anyone in
                self.error = str(exc)
            self._stamp = stamp
        return self._keys

    def identify(self, presented: str) -> Identity | None:
        key = match_key(self.keys(), presented)
        return Identity(key.name, "key", key.admin, key.groups) if key else None
