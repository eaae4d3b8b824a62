"""The query shapes pgAdmin 4 (9.x) sends, through psycopg: each one failed on QuantaDB once and
was fixed in the engine (not by matching the text). The results are PostgreSQL 15's for the same
schema. test_pgadmin.py drives the real pgAdmin; these pin down the mechanisms it needs."""

from __future__ import annotations

import psycopg
import pytest

SCHEMA = """
DROP TABLE IF EXISTS pga_cat_orders; DROP TABLE IF EXISTS pga_cat_customers;
CREATE TABLE pga_cat_customers (id int PRIMARY KEY, email text UNIQUE);
CREATE TABLE pga_cat_orders (id int PRIMARY KEY, customer_id int REFERENCES pga_cat_customers(id),
                             amount numeric CHECK (amount > 0));
CREATE INDEX pga_cat_orders_customer ON pga_cat_orders (customer_id);
"""

# browser/server_groups/servers/databases/schemas/tables/indexes/templates/indexes/sql/default/nodes.sql
# (pgAdmin lists the indexes that implement no constraint; the others show under Constraints)
INDEX_NODES = """
SELECT DISTINCT ON(cls.relname) cls.oid, cls.relname as name
FROM pg_catalog.pg_index idx
    JOIN pg_catalog.pg_class cls ON cls.oid=indexrelid
    JOIN pg_catalog.pg_class tab ON tab.oid=indrelid
    LEFT JOIN pg_catalog.pg_depend dep ON (dep.classid = cls.tableoid AND dep.objid = cls.oid AND
        dep.refobjsubid = '0' AND dep.refclassid=(SELECT oid FROM pg_catalog.pg_class WHERE relname='pg_constraint')
        AND dep.deptype='i')
    LEFT OUTER JOIN pg_catalog.pg_constraint con ON (con.tableoid = dep.refclassid AND con.oid = dep.refobjid)
WHERE indrelid = 'pga_cat_orders'::regclass AND {condition}
ORDER BY cls.relname
"""


@pytest.fixture(scope="module")
def conn(server):
    with psycopg.connect(server.dsn, autocommit=True) as c:
        c.execute(SCHEMA)
        yield c


def test_connect_sequence_reads_settings_through_the_function(conn) -> None:
    """utils/driver/psycopg3/connection.py _initialize: pg_show_all_settings() in FROM is pg_settings."""
    cur = conn.execute("SET DateStyle=ISO; SET client_min_messages=notice; "
                       "SELECT set_config('bytea_output','hex',false) FROM pg_show_all_settings() "
                       "WHERE name = 'bytea_output'; SET client_encoding='UTF8';")
    assert cur.statusmessage == "SET"
    rows = conn.execute("SELECT a.name, a.setting, pg_show_all_settings.name IS NULL AS unset "
                        "FROM pg_catalog.pg_show_all_settings() a, pg_show_all_settings() "
                        "WHERE a.name = 'bytea_output' AND pg_show_all_settings.name = a.name").fetchall()
    assert rows == [("bytea_output", "hex", False)]
    assert conn.execute("SELECT count(*) = (SELECT count(*) FROM pg_settings) "
                        "FROM pg_show_all_settings()").fetchone() == (True,)


def test_user_info_query_with_a_recursive_cte_per_role(conn) -> None:
    """_set_user_info: a WITH RECURSIVE inside ARRAY() reads the outer role's row."""
    row = conn.execute("""
        SELECT roles.rolname as name,
            CASE WHEN 'postgres'=ANY(ARRAY(WITH RECURSIVE cte AS (
            SELECT pg_roles.oid,pg_roles.rolname FROM pg_catalog.pg_roles WHERE pg_roles.oid = roles.oid
            UNION ALL
            SELECT m.roleid,pgr.rolname FROM cte cte_1
                JOIN pg_catalog.pg_auth_members m ON m.member = cte_1.oid
                JOIN pg_catalog.pg_roles pgr ON pgr.oid = m.roleid)
            SELECT rolname FROM cte)) THEN True ELSE False END as in_own_closure
        FROM pg_catalog.pg_roles as roles WHERE rolname = current_user""").fetchone()
    assert row == ("postgres", True)


def test_correlated_with_queries_run_once_per_outer_row(conn) -> None:
    plain = conn.execute("SELECT x, (WITH c AS (SELECT x * 2 AS y) SELECT y FROM c) "
                         "FROM generate_series(1, 3) x").fetchall()
    assert plain == [(1, 2), (2, 4), (3, 6)]
    recursive = conn.execute(
        "SELECT x, ARRAY(WITH RECURSIVE c(n) AS (SELECT x UNION ALL SELECT n + 1 FROM c WHERE n < 3) "
        "SELECT n FROM c) FROM generate_series(1, 3) x").fetchall()
    assert recursive == [(1, [1, 2, 3]), (2, [2, 3]), (3, [3])]


def test_check_recovery_query(conn) -> None:
    """templates/connect/sql/default/check_recovery.sql: the zero-argument functions resolve."""
    row = conn.execute("""
        SELECT CASE WHEN usesuper THEN pg_catalog.pg_is_in_recovery() ELSE FALSE END as inrecovery,
               CASE WHEN usesuper AND pg_catalog.pg_is_in_recovery() THEN pg_is_wal_replay_paused()
               ELSE FALSE END as isreplaypaused
        FROM pg_catalog.pg_user WHERE usename=current_user""").fetchone()
    assert row == (False, False)
    assert conn.execute("SELECT pg_my_temp_schema()").fetchone() == (0,)
    with pytest.raises(psycopg.errors.ObjectNotInPrerequisiteState, match="recovery is not in progress"):
        conn.execute("SELECT pg_is_wal_replay_paused()")


def test_tableoid_system_column(conn) -> None:
    rows = conn.execute("SELECT c.tableoid::regclass::text, o.tableoid::regclass::text "
                        "FROM pg_catalog.pg_class c JOIN pga_cat_orders o ON true "
                        "WHERE c.relname = 'pga_cat_orders'").fetchall()
    assert rows == []  # no rows in the table yet; the columns bind
    assert conn.execute("SELECT DISTINCT tableoid = 'pg_class'::regclass FROM pg_class").fetchall() == [(True,)]
    assert conn.execute("SELECT tableoid::regclass::text FROM pga_cat_customers "
                        "UNION ALL SELECT 'none' LIMIT 1").fetchone() == ("none",)
    star = conn.execute("SELECT * FROM pga_cat_customers").description
    assert [c.name for c in star] == ["id", "email"]  # a system column, not part of *
    with pytest.raises(psycopg.errors.UndefinedColumn):  # unqualified beside a join, as in PostgreSQL
        conn.execute("SELECT tableoid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace")
    # event_triggers/.../properties.sql reads e.xmin: generated catalog rows read as bootstrap rows
    assert conn.execute("SELECT a.xmin::text, cmin::text, xmax::text, cmax::text FROM pg_am a "
                        "LIMIT 1").fetchone() == ("1", "0", "0", "0")
    assert conn.execute("SELECT e.oid, e.xmin, e.evtname FROM pg_catalog.pg_event_trigger e").fetchall() == []


def test_constraint_indexes_depend_on_their_constraints(conn) -> None:
    """pg_depend 'i' rows tie an index to the constraint it implements; pgAdmin's Indexes node
    lists only the others, its Constraints node finds the primary key through them."""
    plain = conn.execute(INDEX_NODES.format(condition="conname IS NULL")).fetchall()
    assert [name for _, name in plain] == ["pga_cat_orders_customer"]
    primary = conn.execute(INDEX_NODES.format(condition="contype = 'p'")).fetchall()
    assert [name for _, name in primary] == ["pga_cat_orders_pkey"]
    deps = conn.execute("""
        SELECT classid::regclass::text, refclassid::regclass::text, refobjsubid, deptype FROM pg_depend
        WHERE objid = (SELECT oid FROM pg_constraint WHERE conname = 'pga_cat_orders_customer_id_fkey')
        ORDER BY 2, 3, 4""").fetchall()
    # the foreign key: on its own column, the referenced key's index and the referenced column
    assert deps == [("pg_constraint", "pg_class", 0, "n"), ("pg_constraint", "pg_class", 1, "n"),
                    ("pg_constraint", "pg_class", 2, "a")]


def test_aclexplode_lists_each_privilege(conn) -> None:
    """Every privileges panel (tables/templates/tables/sql/default/acl.sql and its kin)."""
    conn.execute("DROP ROLE IF EXISTS pga_cat_reader; CREATE ROLE pga_cat_reader; "
                 "GRANT SELECT, INSERT ON pga_cat_customers TO pga_cat_reader; "
                 "GRANT UPDATE ON pga_cat_customers TO PUBLIC")
    try:
        rows = conn.execute("""
            SELECT g.rolname, COALESCE(gt.rolname, 'PUBLIC'), d.privilege_type, d.is_grantable
            FROM (SELECT (d).grantee AS grantee, (d).grantor AS grantor, (d).is_grantable AS is_grantable,
                         (d).privilege_type AS privilege_type
                  FROM (SELECT aclexplode(rel.relacl) AS d FROM pg_catalog.pg_class rel
                        WHERE rel.relname = 'pga_cat_customers') a) d
            LEFT JOIN pg_catalog.pg_roles g ON d.grantor = g.oid
            LEFT JOIN pg_catalog.pg_roles gt ON d.grantee = gt.oid
            WHERE gt.rolname IS DISTINCT FROM 'postgres' ORDER BY 2, 3""").fetchall()
        assert rows == [("postgres", "PUBLIC", "UPDATE", False), ("postgres", "pga_cat_reader", "INSERT", False),
                        ("postgres", "pga_cat_reader", "SELECT", False)]
        in_from = conn.execute("SELECT e.grantee, e.privilege_type FROM pg_class c, aclexplode(c.relacl) e "
                               "WHERE c.relname = 'pga_cat_customers' AND e.grantee = 0").fetchall()
        assert in_from == [(0, "UPDATE")]
        assert conn.execute("SELECT count(*) FROM aclexplode(NULL::aclitem[])").fetchone() == (0,)
        # databases/.../acl.sql: the default ACL is NULL, so no row reaches the field selections
        assert conn.execute("SELECT (d).grantee, (d).privilege_type FROM (SELECT aclexplode(db.datacl) AS d "
                            "FROM pg_catalog.pg_database db WHERE db.datname = 'postgres') a").fetchall() == []
    finally:
        conn.execute("REVOKE ALL ON pga_cat_customers FROM pga_cat_reader; "
                     "REVOKE ALL ON pga_cat_customers FROM PUBLIC; DROP ROLE pga_cat_reader")


def test_properties_panels_settings_and_extensions(conn) -> None:
    """databases/templates/databases/sql/15_plus/properties.sql and extensions/.../properties.sql."""
    assert conn.execute("SELECT current_setting('default_tablespace'), "
                        "current_setting('temp_tablespaces')").fetchone() == ("", "")
    rows = conn.execute("SELECT x.extname, e.comment FROM pg_catalog.pg_extension x "
                        "JOIN pg_catalog.pg_available_extensions() e ON x.extname = e.name").fetchall()
    assert rows == [("plpgsql", "PL/pgSQL procedural language")]


def test_role_extension_and_dashboard_queries(conn) -> None:
    """roles/.../properties.sql (security labels of shared objects), extensions/.../extensions.sql
    (available versions) and the dashboard's Logs tab (pg_current_logfile(): no log collector)."""
    roles = conn.execute("""
        SELECT r.rolname, (SELECT pg_catalog.array_agg(provider || '=' || label) FROM pg_catalog.pg_shseclabel sl1
                           WHERE sl1.objoid=r.oid) AS seclabels
        FROM pg_catalog.pg_roles r WHERE r.rolname = 'postgres'""").fetchall()
    assert roles == [("postgres", None)]
    versions = conn.execute("""
        SELECT a.name, a.installed_version, pg_catalog.array_agg(av.version), pg_catalog.array_agg(av.schema)
        FROM pg_catalog.pg_available_extensions a
        LEFT JOIN pg_catalog.pg_available_extension_versions av ON (a.name = av.name)
        WHERE a.name = 'plpgsql' GROUP BY a.name, a.installed_version""").fetchall()
    assert versions == [("plpgsql", "1.0", ["1.0"], ["pg_catalog"])]
    assert conn.execute("SELECT pg_current_logfile(), pg_current_logfile('stderr')").fetchone() == (None, None)
    # dashboard/templates/dashboard/sql/default/log_format.sql, then log_stat.sql
    assert conn.execute("SELECT setting FROM pg_show_all_settings() WHERE name='log_destination'").fetchone() == \
        ("stderr",)
    assert conn.execute("SELECT pg_stat_file(pg_current_logfile())").fetchone() == (None,)


def test_pg_stat_file(conn) -> None:
    """A record-returning function in the select list and in FROM (one column per field)."""
    assert conn.execute("SELECT * FROM pg_stat_file('no-such-file', true)").fetchall() == [(None,) * 6]
    size, isdir, creation = conn.execute("SELECT size, isdir, creation FROM pg_stat_file('/etc/passwd')").fetchone()
    assert size > 0 and isdir is False and creation is None
    assert conn.execute("SELECT (pg_stat_file('/etc', true)).isdir").fetchone() == (True,)
    with pytest.raises(psycopg.errors.UndefinedFile, match='could not stat file "no-such-file"'):
        conn.execute("SELECT pg_stat_file('no-such-file')")


def test_statistics_panels_relations(conn) -> None:
    """The Statistics tab of tables and indexes reads the I/O and index-scan views."""
    tables = conn.execute("SELECT relname, heap_blks_read FROM pg_catalog.pg_statio_all_tables "
                          "WHERE relname LIKE 'pga_cat%' ORDER BY 1").fetchall()
    assert tables == [("pga_cat_customers", 0), ("pga_cat_orders", 0)]
    indexes = conn.execute("SELECT indexrelname, idx_scan FROM pg_catalog.pg_stat_all_indexes "
                           "WHERE relname = 'pga_cat_orders' ORDER BY 1").fetchall()
    assert indexes == [("pga_cat_orders_customer", 0), ("pga_cat_orders_pkey", 0)]
    conn.execute("CREATE SEQUENCE IF NOT EXISTS pga_cat_seq")
    sequences = conn.execute("SELECT relname, blks_read FROM pg_catalog.pg_statio_all_sequences "
                             "WHERE relname = 'pga_cat_seq'").fetchall()
    assert sequences == [("pga_cat_seq", 0)]
    for view in ("pg_statio_all_indexes", "pg_statio_user_indexes", "pg_statio_user_sequences", "pg_stats",
                 "pg_policies"):
        conn.execute(f"SELECT * FROM pg_catalog.{view} LIMIT 0")


def test_default_privileges_query(conn) -> None:
    """schemas/.../default_privileges (the Default Privileges of a database or schema): acldefault()
    and ARRAY() over an EXCEPT of two unnest() calls."""
    kinds = conn.execute("SELECT t, acldefault(t::\"char\", 10) FROM unnest(ARRAY['r','s','f','n','d','T']) t "
                         "ORDER BY 1").fetchall()
    assert kinds == [("T", ["=U/postgres", "postgres=U/postgres"]), ("d", ["=Tc/postgres", "postgres=CTc/postgres"]),
                     ("f", ["=X/postgres", "postgres=X/postgres"]), ("n", ["postgres=UC/postgres"]),
                     ("r", ["postgres=arwdDxt/postgres"]), ("s", ["postgres=rwU/postgres"])]
    assert conn.execute("SELECT acldefault('r', 0), acldefault('c', 10)").fetchone() == (["=arwdDxt/0"], [])
    with pytest.raises(psycopg.errors.InternalError, match="unrecognized objtype abbreviation: x"):
        conn.execute("SELECT acldefault('x', 10)")
    rows = conn.execute("""
        SELECT b.defaclobjtype, b.grant_priv FROM
          (SELECT a.defaclobjtype,
                  array(select unnest(a.defaultprivileges) except select unnest(a.acldefault)) as grant_priv
           FROM (SELECT defaclobjtype, defaclacl AS defaultprivileges,
                        CASE WHEN defaclnamespace = 0
                             THEN acldefault(CASE WHEN defaclobjtype = 'S' THEN 's'::"char" ELSE defaclobjtype END,
                                             defaclrole)
                             ELSE '{}' END AS acldefault
                 FROM pg_catalog.pg_default_acl dacl WHERE dacl.defaclnamespace = 0::OID) a) b
        WHERE NOT b.grant_priv = '{}'""").fetchall()
    assert rows == []
    kept = conn.execute("SELECT array(SELECT unnest(ARRAY[3, 1, 2]) EXCEPT SELECT unnest(ARRAY[2])) AS a").fetchone()
    assert sorted(kept[0]) == [1, 3]


def test_languages_node(conn) -> None:
    """languages/templates/languages/sql/default/properties.sql joins each procedural language's
    handler in pg_proc; reg* print InvalidOid as '-'."""
    rows = conn.execute("""
        SELECT lan.oid, lanname, lanpltrusted, hp.proname, vp.proname, ip.proname
        FROM pg_catalog.pg_language lan JOIN pg_catalog.pg_proc hp ON hp.oid=lanplcallfoid
            LEFT OUTER JOIN pg_catalog.pg_proc ip ON ip.oid=laninline
            LEFT OUTER JOIN pg_catalog.pg_proc vp ON vp.oid=lanvalidator
        WHERE lanispl IS TRUE ORDER BY lanname""").fetchall()
    assert rows == [(13563, "plpgsql", True, "plpgsql_call_handler", "plpgsql_validator", "plpgsql_inline_handler")]
    validators = conn.execute("SELECT lanname, lanplcallfoid::regproc::text, lanvalidator::regproc::text "
                              "FROM pg_language WHERE NOT lanispl ORDER BY oid").fetchall()
    assert validators == [("internal", "-", "fmgr_internal_validator"), ("c", "-", "fmgr_c_validator"),
                          ("sql", "-", "fmgr_sql_validator")]
    assert conn.execute("SELECT 0::regclass::text, 0::regtype::text, '-'::regproc::oid").fetchone() == ("-", "-", 0)
    assert conn.execute("SELECT typname, typinput::text FROM pg_type WHERE oid = 2280").fetchone() == \
        ("language_handler", "language_handler_in")


def test_variable_options_of_roles_and_databases(conn) -> None:
    """roles/__init__.py voptions: every enum setting lists its values, numeric ones their range."""
    rows = conn.execute("""
        SELECT name, vartype, min_val, max_val, enumvals FROM (
            SELECT 'role'::text AS name, 'string'::text AS vartype, NULL AS min_val, NULL AS max_val,
                   NULL::text[] AS enumvals
            UNION ALL
            SELECT name, vartype, min_val::numeric AS min_val, max_val::numeric AS max_val, enumvals
            FROM pg_show_all_settings() WHERE context in ('user', 'superuser')) a""").fetchall()
    by_name = {r[0]: r[1:] for r in rows}
    assert by_name["bytea_output"] == ("enum", None, None, ["escape", "hex"])
    assert by_name["extra_float_digits"][:3] == ("integer", -15, 3)
    assert not [name for name, (vartype, low, _, values) in by_name.items()
                if vartype == "enum" and not values or vartype in ("integer", "real") and low is None]


# types/templates/types/pg/sql/default/nodes.sql and domains/templates/domains/sql/default/node.sql
TYPE_NODES = """
SELECT t.typname AS name, des.description, ra.rngmultitypid as rngmultirangetype
FROM pg_catalog.pg_type t
    LEFT OUTER JOIN pg_catalog.pg_type e ON e.oid=t.typelem
    LEFT OUTER JOIN pg_catalog.pg_range ra ON ra.rngtypid=t.oid
    LEFT OUTER JOIN pg_catalog.pg_class ct ON ct.oid=t.typrelid AND ct.relkind <> 'c'
    LEFT OUTER JOIN pg_catalog.pg_namespace nsp ON nsp.oid = t.typnamespace
    LEFT OUTER JOIN pg_catalog.pg_description des ON (des.objoid=t.oid AND des.classoid='pg_type'::regclass)
WHERE t.typtype != 'd' AND t.typname NOT LIKE E'\\\\_%' AND t.typnamespace = 'pga_types'::regnamespace
    AND ct.oid is NULL
ORDER BY t.typname
"""
DOMAIN_NODES = """
SELECT d.typname as name, pg_catalog.pg_get_userbyid(d.typowner) as owner, bn.nspname as basensp, des.description
FROM pg_catalog.pg_type d
JOIN pg_catalog.pg_type b ON b.oid = d.typbasetype
JOIN pg_catalog.pg_namespace bn ON bn.oid=d.typnamespace
LEFT OUTER JOIN pg_catalog.pg_description des ON (des.objoid=d.oid AND des.classoid='pg_type'::regclass)
WHERE d.typnamespace = 'pga_types'::regnamespace
ORDER BY d.typname
"""


def test_types_and_domains_nodes(conn) -> None:
    conn.execute("DROP SCHEMA IF EXISTS pga_types CASCADE")
    conn.execute("CREATE SCHEMA pga_types")
    conn.execute("CREATE TYPE pga_types.mood AS ENUM ('sad', 'ok'); COMMENT ON TYPE pga_types.mood IS 'feelings'")
    conn.execute("CREATE DOMAIN pga_types.posint AS int CHECK (VALUE > 0)")
    assert conn.execute(TYPE_NODES).fetchall() == [("mood", "feelings", None)]
    assert conn.execute(DOMAIN_NODES).fetchall() == [("posint", "postgres", "pga_types", None)]
