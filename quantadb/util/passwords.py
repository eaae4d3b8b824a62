"""Password verifiers in PostgreSQL's stored formats (stdlib only, so any layer may call it).

  SCRAM-SHA-256$<iterations>:<salt b64>$<StoredKey b64>:<ServerKey b64>   (RFC 5802/7677)
  md5<md5hex(password || username)>

The password is used as UTF-8 without SASLprep normalisation; for ASCII passwords (and any
password already in NFKC form) that is exactly what PostgreSQL computes.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from dataclasses import dataclass

SCRAM_ITERATIONS = 4096


@dataclass(frozen=True)
class ScramSecret:
    iterations: int
    salt: bytes
    stored_key: bytes
    server_key: bytes


def salted_password(password: str, salt: bytes, iterations: int) -> bytes:
    return hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt, iterations)


def scram_keys(salted: bytes) -> tuple[bytes, bytes, bytes]:
    """(ClientKey, StoredKey, ServerKey) from a SaltedPassword."""
    client_key = hmac.digest(salted, b"Client Key", "sha256")
    server_key = hmac.digest(salted, b"Server Key", "sha256")
    return client_key, hashlib.sha256(client_key).digest(), server_key


def scram_verifier(password: str, *, salt: bytes | None = None, iterations: int = SCRAM_ITERATIONS) -> str:
    salt = salt if salt is not None else os.urandom(16)
    _, stored, server = scram_keys(salted_password(password, salt, iterations))
    b64 = lambda b: base64.b64encode(b).decode()  # noqa: E731
    return f"SCRAM-SHA-256${iterations}:{b64(salt)}${b64(stored)}:{b64(server)}"


def parse_scram_verifier(verifier: str) -> ScramSecret | None:
    """The parts of a SCRAM verifier, or None if `verifier` is not one."""
    try:
        method, params, keys = verifier.split("$")
        if method != "SCRAM-SHA-256":
            return None
        iterations, salt = params.split(":")
        stored, server = keys.split(":")
        return ScramSecret(int(iterations), base64.b64decode(salt, validate=True),
                           base64.b64decode(stored, validate=True), base64.b64decode(server, validate=True))
    except ValueError:
        return None


def md5_verifier(password: str, user: str) -> str:
    return "md5" + hashlib.md5((password + user).encode("utf-8")).hexdigest()


def is_md5_verifier(stored: str) -> bool:
    return len(stored) == 35 and stored.startswith("md5")


def check_plaintext(password: str, user: str, stored: str) -> bool:
    """Does a cleartext password match what is stored (SCRAM, md5 or plain)?"""
    secret = parse_scram_verifier(stored)
    if secret is not None:
        _, stored_key, server_key = scram_keys(salted_password(password, secret.salt, secret.iterations))
        return hmac.compare_digest(stored_key, secret.stored_key) and hmac.compare_digest(server_key, secret.server_key)
    if is_md5_verifier(stored):
        return hmac.compare_digest(md5_verifier(password, user), stored)
    return hmac.compare_digest(password.encode(), stored.encode())


def hash_password(password: str) -> str:
    """What CREATE ROLE ... PASSWORD stores (password_encryption = scram-sha-256).

    A password that is already a verifier is stored as given, as PostgreSQL does.
    """
    if parse_scram_verifier(password) is not None or is_md5_verifier(password):
        return password
    return scram_verifier(password)
