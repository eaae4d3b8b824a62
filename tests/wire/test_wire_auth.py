"""Password authentication, checked against RFC 7677's SCRAM-SHA-256 example and md5's formula."""

import base64
import hashlib
import hmac

import pytest

from quantadb.errors import InvalidAuthorizationSpecification, InvalidPassword, ProtocolViolation
from quantadb.util.passwords import (check_plaintext, hash_password, md5_verifier, parse_scram_verifier,
                                     scram_verifier)
from quantadb.wire.auth import SCRAM, SCRAM_PLUS, ScramExchange, check_md5, client_proof, tls_server_end_point

RFC_SALT = base64.b64decode("W22ZaJ0SNY7soEsUEjb6gQ==")


def test_rfc7677_example_proof():
    auth = (b"n=user,r=rOprNGfwEbeRWgbNEkqO,"
            b"r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096,"
            b"c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0")
    proof = client_proof("pencil", RFC_SALT, 4096, auth)
    assert base64.b64encode(proof) == b"dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="
    secret = parse_scram_verifier(scram_verifier("pencil", salt=RFC_SALT))
    sig = hmac.digest(secret.server_key, auth, "sha256")
    assert base64.b64encode(sig) == b"6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="


def test_verifier_format_and_plaintext_checks():
    v = scram_verifier("secret")
    assert v.startswith("SCRAM-SHA-256$4096:")
    assert check_plaintext("secret", "bob", v) and not check_plaintext("Secret", "bob", v)
    assert check_plaintext("pw", "bob", md5_verifier("pw", "bob"))
    assert hash_password(v) == v
    assert parse_scram_verifier(hash_password("x")) is not None


def run_scram(password: str, stored: str | None, gs2: str = "n,,", mechanism: str = SCRAM,
              cb: bytes | None = None, cb_data: bytes = b""):
    ex = ScramExchange("bob", stored, cb)
    first = ex.first(mechanism, f"{gs2}n=,r=clientnonce".encode()).decode()
    attrs = dict(a.split("=", 1) for a in first.split(","))
    assert attrs["r"].startswith("clientnonce")
    salt, iters = base64.b64decode(attrs["s"]), int(attrs["i"])
    without = f"c={base64.b64encode(gs2.encode() + cb_data).decode()},r={attrs['r']}"
    auth = f"n=,r=clientnonce,{first},{without}".encode()
    proof = base64.b64encode(client_proof(password, salt, iters, auth)).decode()
    final = ex.final(f"{without},p={proof}".encode())
    secret = parse_scram_verifier(stored)
    assert final == b"v=" + base64.b64encode(hmac.digest(secret.server_key, auth, "sha256"))


def test_scram_success_and_failure():
    stored = scram_verifier("secret")
    run_scram("secret", stored)
    with pytest.raises(InvalidPassword, match='password authentication failed for user "bob"'):
        run_scram("wrong", stored)


def test_scram_unknown_user_fails_only_at_the_end():
    ex = ScramExchange("ghost", None, None)
    ex.first(SCRAM, b"n,,n=,r=abc")
    with pytest.raises(InvalidPassword):
        ex.final(f"c=biws,r={ex.nonce},p={base64.b64encode(bytes(32)).decode()}".encode())


def test_gs2_y_without_plus_is_accepted_and_echoed():
    run_scram("secret", scram_verifier("secret"), gs2="y,,")


def test_gs2_y_when_plus_was_offered_is_a_downgrade():
    ex = ScramExchange("bob", scram_verifier("s"), b"cbdata")
    assert ex.mechanisms() == [SCRAM_PLUS, SCRAM]
    with pytest.raises(InvalidAuthorizationSpecification, match="channel binding negotiation"):
        ex.first(SCRAM, b"y,,n=,r=abc")


def test_scram_plus_with_channel_binding():
    cb = hashlib.sha256(b"cert").digest()
    run_scram("secret", scram_verifier("secret"), gs2="p=tls-server-end-point,,", mechanism=SCRAM_PLUS,
              cb=cb, cb_data=cb)
    with pytest.raises(ProtocolViolation, match="channel binding check failed"):
        run_scram("secret", scram_verifier("secret"), gs2="p=tls-server-end-point,,", mechanism=SCRAM_PLUS,
                  cb=cb, cb_data=b"other")
    with pytest.raises(ProtocolViolation):
        ScramExchange("bob", None, None).first(SCRAM_PLUS, b"p=tls-server-end-point,,n=,r=a")


def test_malformed_scram_messages():
    ex = ScramExchange("bob", scram_verifier("s"), None)
    with pytest.raises(ProtocolViolation):
        ex.first(SCRAM, b"q,,n=,r=abc")
    with pytest.raises(ProtocolViolation):
        ScramExchange("bob", None, None).first(SCRAM, b"n,,r=abc")
    ex = ScramExchange("bob", scram_verifier("s"), None)
    ex.first(SCRAM, b"n,,n=,r=abc")
    with pytest.raises(ProtocolViolation):
        ex.final(b"c=biws,r=wrongnonce,p=AAAA")


def test_md5_response():
    stored = md5_verifier("pw", "bob")
    salt = b"\x01\x02\x03\x04"
    response = "md5" + hashlib.md5(stored[3:].encode() + salt).hexdigest()
    assert check_md5("bob", stored, salt, response)
    assert not check_md5("bob", stored, b"\0\0\0\0", response)
    assert not check_md5("bob", None, salt, response)


def test_tls_server_end_point_defaults_to_sha256():
    assert tls_server_end_point(b"\x30\x03\x02\x01\x00") == hashlib.sha256(b"\x30\x03\x02\x01\x00").digest()
