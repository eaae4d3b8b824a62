import pytest

from quantadb.wire.hba import find_method, parse_rule, parse_rules


def test_default_rules_trust_loopback_only():
    rules = parse_rules([])
    assert find_method(rules, "127.0.0.1", False, "db", "u") == "trust"
    assert find_method(rules, "::1", False, "db", "u") == "trust"
    assert find_method(rules, "10.1.2.3", False, "db", "u") == "scram-sha-256"
    assert find_method(rules, "::ffff:127.0.0.1", False, "db", "u") == "trust"


def test_first_match_by_type_user_database_address():
    rules = parse_rules([
        "hostssl all bob all md5",
        "host app all 10.0.0.0/8 password",
        "hostnossl all all 127.0.0.1/32 reject",
        "host all alice,carol all trust",
    ])
    assert find_method(rules, "1.2.3.4", True, "x", "bob") == "md5"
    assert find_method(rules, "10.9.9.9", False, "app", "bob") == "password"
    assert find_method(rules, "127.0.0.1", False, "x", "bob") == "reject"
    assert find_method(rules, "127.0.0.1", True, "x", "carol") == "trust"
    assert find_method(rules, "8.8.8.8", False, "x", "dave") is None


@pytest.mark.parametrize("line", ["host all all", "local all all all trust", "host all all all kerberos",
                                  "host all all 300.1.1.1 trust"])
def test_invalid_rules(line):
    with pytest.raises(ValueError):
        parse_rule(line)
