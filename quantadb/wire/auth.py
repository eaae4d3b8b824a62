"""Server side of password authentication: cleartext, md5 and SCRAM-SHA-256(-PLUS).

No I/O here: the connection passes client messages in and sends what comes back.

SCRAM (RFC 5802/7677), as PostgreSQL does it (src/backend/libpq/auth-scram.c):
  client-first  gs2-header client-first-bare, gs2-header = ("n" | "y" | "p=tls-server-end-point")
                "," [authzid] ","; client-first-bare = "n=" user ",r=" cnonce  (user ignored)
  server-first  "r=" cnonce snonce ",s=" b64(salt) ",i=" iterations
  client-final  "c=" b64(gs2-header [cbind-data]) ",r=" nonce ",p=" b64(ClientProof)
  server-final  "v=" b64(ServerSignature)
A user without a SCRAM secret gets a mock exchange with a made-up salt that fails at the end,
so a client cannot probe which roles exist.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os

from quantadb.errors import InvalidAuthorizationSpecification, InvalidPassword, ProtocolViolation
from quantadb.util.passwords import SCRAM_ITERATIONS, parse_scram_verifier, salted_password, scram_keys

SCRAM = "SCRAM-SHA-256"
SCRAM_PLUS = "SCRAM-SHA-256-PLUS"


def password_failed(user: str, method: str) -> InvalidPassword:
    """PostgreSQL's message for every failed password check (no hint whether the role exists)."""
    word = "password" if method in ("password", "md5", "scram-sha-256") else method
    return InvalidPassword(f'{word} authentication failed for user "{user}"', severity="FATAL")


def check_md5(user: str, stored: str | None, salt: bytes, response: str) -> bool:
    """md5 response = "md5" + md5hex(md5hex(password || user) || salt)."""
    if stored is None or not (len(stored) == 35 and stored.startswith("md5")):
        return False
    expected = "md5" + hashlib.md5(stored[3:].encode() + salt).hexdigest()
    return hmac.compare_digest(expected, response)


def _malformed(detail: str) -> ProtocolViolation:
    return ProtocolViolation("malformed SCRAM message", detail=detail, severity="FATAL")


def _attrs(text: str, names: str) -> list[str]:
    """Values of the leading attributes `names` (one letter each) of a SCRAM message."""
    parts = text.split(",")
    values = []
    for i, name in enumerate(names):
        if i >= len(parts) or not parts[i].startswith(name + "="):
            raise _malformed(f'Expected attribute "{name}".')
        values.append(parts[i][2:])
    return values


def tls_server_end_point(cert_der: bytes) -> bytes:
    """RFC 5929 channel-binding data: the certificate hashed with its signature's digest
    (SHA-256 for MD5/SHA-1/SHA-256 signatures)."""
    algo = _signature_digest(cert_der)
    return hashlib.new(algo, cert_der).digest()


_DIGEST_BY_OID = {
    "2a864886f70d01010c": "sha384", "2a864886f70d01010d": "sha512",  # sha384/512WithRSAEncryption
    "2a8648ce3d040303": "sha384", "2a8648ce3d040304": "sha512",  # ecdsa-with-SHA384/512
}


def _der_item(data: bytes, pos: int) -> tuple[int, int, int]:
    """(tag, content start, content end) of the DER item at `pos`."""
    tag = data[pos]
    length = data[pos + 1]
    pos += 2
    if length & 0x80:
        n = length & 0x7F
        length = int.from_bytes(data[pos:pos + n], "big")
        pos += n
    return tag, pos, pos + length


def _signature_digest(cert_der: bytes) -> str:
    try:
        _, start, _ = _der_item(cert_der, 0)  # Certificate SEQUENCE
        _, _, tbs_end = _der_item(cert_der, start)  # tbsCertificate
        _, alg_start, _ = _der_item(cert_der, tbs_end)  # signatureAlgorithm SEQUENCE
        tag, oid_start, oid_end = _der_item(cert_der, alg_start)
        if tag == 0x06:
            return _DIGEST_BY_OID.get(cert_der[oid_start:oid_end].hex(), "sha256")
    except IndexError:
        pass
    return "sha256"


class ScramExchange:
    """One SCRAM-SHA-256 authentication: `first`, then `final`; raises on failure."""

    def __init__(self, user: str, stored: str | None, channel_binding: bytes | None) -> None:
        """`channel_binding` is the tls-server-end-point data on TLS connections, else None."""
        self.user = user
        self.secret = parse_scram_verifier(stored) if stored else None
        self.mock = self.secret is None
        self.channel_binding = channel_binding
        self.salt = self.secret.salt if self.secret else os.urandom(16)
        self.iterations = self.secret.iterations if self.secret else SCRAM_ITERATIONS
        self.gs2_header = ""
        self.cbind_used = False
        self.nonce = ""
        self.client_first_bare = ""
        self.server_first = ""

    def mechanisms(self) -> list[str]:
        return [SCRAM_PLUS, SCRAM] if self.channel_binding is not None else [SCRAM]

    def first(self, mechanism: str, data: bytes) -> bytes:
        if mechanism not in self.mechanisms():
            raise ProtocolViolation("client selected an invalid SASL authentication mechanism",
                                    severity="FATAL")
        text = _decode(data)
        flag, _, rest = text.partition(",")
        if flag == "n" or flag == "y":
            if mechanism == SCRAM_PLUS:
                raise _malformed("The client selected SCRAM-SHA-256-PLUS, but the SCRAM message "
                                 "does not include channel binding data.")
            if flag == "y" and self.channel_binding is not None:
                raise InvalidAuthorizationSpecification(
                    "SCRAM channel binding negotiation error",
                    detail="The client supports SCRAM channel binding but thinks the server does "
                           "not.  However, this server does support channel binding.",
                    severity="FATAL")
        elif flag.startswith("p="):
            if mechanism != SCRAM_PLUS:
                raise _malformed("The client selected SCRAM-SHA-256 without channel binding, but "
                                 "the SCRAM message includes channel binding data.")
            if flag[2:] != "tls-server-end-point":
                raise _malformed(f'unsupported SCRAM channel-binding type "{flag[2:]}"')
            self.cbind_used = True
        else:
            raise _malformed('Unexpected channel-binding flag.')
        authzid, _, bare = rest.partition(",")
        if authzid:
            raise _malformed("client uses authorization identity, but it is not supported")
        self.gs2_header = f"{flag},{authzid},"
        _, cnonce = _attrs(bare, "nr")
        if not cnonce:
            raise _malformed("Expected attribute \"r\".")
        self.client_first_bare = bare
        self.nonce = cnonce + base64.b64encode(os.urandom(18)).decode()
        self.server_first = (f"r={self.nonce},s={base64.b64encode(self.salt).decode()},"
                             f"i={self.iterations}")
        return self.server_first.encode()

    def final(self, data: bytes) -> bytes:
        text = _decode(data)
        without_proof, _, proof_attr = text.rpartition(",p=")
        if not proof_attr:
            raise _malformed('Could not find proof in client-final-message.')
        cbind, nonce = _attrs(without_proof, "cr")
        expected = self.gs2_header.encode() + (self.channel_binding if self.cbind_used else b"")
        if _b64(cbind) != expected:
            raise ProtocolViolation("SCRAM channel binding check failed", severity="FATAL")
        if nonce != self.nonce:
            raise _malformed("Nonce does not match.")
        proof = _b64(proof_attr)
        if self.mock or self.secret is None:
            raise password_failed(self.user, "scram-sha-256")
        auth_message = f"{self.client_first_bare},{self.server_first},{without_proof}".encode()
        client_signature = hmac.digest(self.secret.stored_key, auth_message, "sha256")
        if len(proof) != len(client_signature):
            raise _malformed("Malformed proof in client-final-message.")
        client_key = bytes(a ^ b for a, b in zip(proof, client_signature))
        if not hmac.compare_digest(hashlib.sha256(client_key).digest(), self.secret.stored_key):
            raise password_failed(self.user, "scram-sha-256")
        server_signature = hmac.digest(self.secret.server_key, auth_message, "sha256")
        return b"v=" + base64.b64encode(server_signature)


def client_proof(password: str, salt: bytes, iterations: int, auth_message: bytes) -> bytes:
    """The client's side of the proof (used by tests and tools that act as a client)."""
    client_key, stored_key, _ = scram_keys(salted_password(password, salt, iterations))
    signature = hmac.digest(stored_key, auth_message, "sha256")
    return bytes(a ^ b for a, b in zip(client_key, signature))


def _decode(data: bytes) -> str:
    try:
        return data.decode("ascii")
    except UnicodeDecodeError:
        raise _malformed("Message is not valid ASCII.") from None


def _b64(value: str) -> bytes:
    try:
        return base64.b64decode(value, validate=True)
    except ValueError:
        raise _malformed("Invalid base64 value.") from None
