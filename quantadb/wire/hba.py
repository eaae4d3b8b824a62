"""Client authentication rules: a small pg_hba.conf.

Each rule is one line in pg_hba.conf's own syntax (first match wins):

    TYPE       DATABASE  USER  ADDRESS          METHOD
    host       all       all   127.0.0.1/32     trust
    hostssl    app       bob   10.0.0.0/8       scram-sha-256

TYPE is host (TLS or not), hostssl or hostnossl; DATABASE and USER are `all` or a
comma-separated list of names; ADDRESS is `all`, an address or a CIDR block; METHOD is trust,
reject, password, md5 or scram-sha-256. Without configured rules: trust from the loopback
addresses, scram-sha-256 from any other address.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

METHODS = ("trust", "reject", "password", "md5", "scram-sha-256")
TYPES = ("host", "hostssl", "hostnossl")

DEFAULT_RULES = [
    "host all all 127.0.0.0/8 trust",
    "host all all ::1/128 trust",
    "host all all all scram-sha-256",
]


@dataclass(frozen=True)
class HbaRule:
    conn_type: str
    databases: frozenset[str] | None  # None = all
    users: frozenset[str] | None
    network: ipaddress.IPv4Network | ipaddress.IPv6Network | None  # None = all
    method: str
    line: str

    def matches(self, address: str, tls: bool, database: str, user: str) -> bool:
        if self.conn_type == "hostssl" and not tls or self.conn_type == "hostnossl" and tls:
            return False
        if self.databases is not None and database not in self.databases:
            return False
        if self.users is not None and user not in self.users:
            return False
        if self.network is not None:
            try:
                ip = ipaddress.ip_address(address.split("%")[0])
            except ValueError:
                return False
            if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
                ip = ip.ipv4_mapped
            if ip.version != self.network.version or ip not in self.network:
                return False
        return True


def parse_rule(line: str) -> HbaRule:
    """One rule from its pg_hba.conf line; ValueError with the reason if it is invalid."""
    words = line.split()
    if len(words) != 5:
        raise ValueError(f"auth rule needs 5 fields (type database user address method): {line!r}")
    conn_type, db, user, address, method = words
    if conn_type not in TYPES:
        raise ValueError(f"invalid connection type {conn_type!r} in auth rule {line!r}")
    if method not in METHODS:
        raise ValueError(f"invalid authentication method {method!r} in auth rule {line!r}")
    network = None
    if address != "all":
        try:
            network = ipaddress.ip_network(address, strict=False)
        except ValueError:
            raise ValueError(f"invalid IP address {address!r} in auth rule {line!r}") from None
    names = lambda s: None if s == "all" else frozenset(s.split(","))  # noqa: E731
    return HbaRule(conn_type, names(db), names(user), network, method, line)


def parse_rules(lines: list[str] | None) -> list[HbaRule]:
    return [parse_rule(line) for line in (lines if lines else DEFAULT_RULES)]


def find_method(rules: list[HbaRule], address: str, tls: bool, database: str, user: str) -> str | None:
    """The method of the first matching rule, or None (no pg_hba.conf entry)."""
    for rule in rules:
        if rule.matches(address, tls, database, user):
            return rule.method
    return None
