"""The generated catalog through psycopg: every OID a row refers to resolves, built-in objects
carry PostgreSQL's OIDs, information_schema agrees with pg_catalog, and psycopg's TypeInfo works."""

from __future__ import annotations

import psycopg
import pytest
from psycopg.types import TypeInfo
from psycopg.types.range import RangeInfo

SCHEMA = """
DROP VIEW IF EXISTS clients_cat_v; DROP TABLE IF EXISTS clients_cat_child; DROP TABLE IF EXISTS clients_cat_parent;
CREATE TABLE clients_cat_parent (id serial PRIMARY KEY, code varchar(10) UNIQUE, price numeric(8,2) CHECK (price > 0));
CREATE TABLE clients_cat_child (id int PRIMARY KEY, parent_id int REFERENCES clients_cat_parent(id),
                                note text DEFAULT 'n');
CREATE INDEX clients_cat_child_parent ON clients_cat_child (parent_id);
CREATE VIEW clients_cat_v AS SELECT id, code FROM clients_cat_parent;
COMMENT ON TABLE clients_cat_parent IS 'parents';
"""

# (referencing relation, column, referenced relation, column, extra condition on the referencing row)
REFERENCES = [
    ("pg_class", "relnamespace", "pg_namespace", "oid", ""),
    ("pg_class", "relowner", "pg_authid", "oid", ""),
    ("pg_class", "relam", "pg_am", "oid", "r.relam <> 0"),
    ("pg_attribute", "attrelid", "pg_class", "oid", ""),
    ("pg_attribute", "atttypid", "pg_type", "oid", "NOT r.attisdropped"),
    ("pg_attribute", "attcollation", "pg_collation", "oid", "r.attcollation <> 0"),
    ("pg_type", "typnamespace", "pg_namespace", "oid", ""),
    ("pg_type", "typarray", "pg_type", "oid", "r.typarray <> 0"),
    ("pg_type", "typelem", "pg_type", "oid", "r.typelem <> 0"),
    ("pg_index", "indexrelid", "pg_class", "oid", ""),
    ("pg_index", "indrelid", "pg_class", "oid", ""),
    ("pg_constraint", "conrelid", "pg_class", "oid", "r.contypid = 0"),  # a domain's CHECK has none
    ("pg_constraint", "confrelid", "pg_class", "oid", "r.confrelid <> 0"),
    ("pg_constraint", "conindid", "pg_class", "oid", "r.conindid <> 0"),
    ("pg_constraint", "connamespace", "pg_namespace", "oid", ""),
    ("pg_attrdef", "adrelid", "pg_class", "oid", ""),
    ("pg_description", "objoid", "pg_class", "oid", "r.classoid = 'pg_class'::regclass"),
    ("pg_description", "objoid", "pg_namespace", "oid", "r.classoid = 'pg_namespace'::regclass"),
    ("pg_rewrite", "ev_class", "pg_class", "oid", ""),
    ("pg_depend", "objid", "pg_rewrite", "oid", "r.classid = 'pg_rewrite'::regclass"),
    ("pg_depend", "objid", "pg_attrdef", "oid", "r.classid = 'pg_attrdef'::regclass"),
    ("pg_proc", "prorettype", "pg_type", "oid", ""),
    ("pg_proc", "pronamespace", "pg_namespace", "oid", ""),
    ("pg_database", "datdba", "pg_authid", "oid", ""),
    ("pg_database", "dattablespace", "pg_tablespace", "oid", ""),
    ("pg_sequence", "seqrelid", "pg_class", "oid", ""),
    ("pg_depend", "refobjid", "pg_class", "oid", "r.refclassid = 'pg_class'::regclass"),
    ("pg_depend", "refobjid", "pg_constraint", "oid", "r.refclassid = 'pg_constraint'::regclass"),
    ("pg_depend", "objid", "pg_class", "oid", "r.classid = 'pg_class'::regclass"),
    ("pg_depend", "objid", "pg_constraint", "oid", "r.classid = 'pg_constraint'::regclass"),
]


@pytest.fixture(scope="module")
def conn(server):
    with psycopg.connect(server.dsn, autocommit=True) as c:
        c.execute(SCHEMA)
        yield c


@pytest.mark.parametrize("source,column,target,key,condition", REFERENCES)
def test_every_reference_resolves(conn, source, column, target, key, condition) -> None:
    where = f"t.{key} IS NULL" + (f" AND {condition}" if condition else "")
    dangling = conn.execute(f"SELECT r.{column} FROM pg_catalog.{source} r LEFT JOIN pg_catalog.{target} t "
                            f"ON t.{key} = r.{column} WHERE {where}").fetchall()
    assert dangling == []


def test_builtin_oids(conn) -> None:
    rows = conn.execute("SELECT 'pg_class'::regclass::oid, 'pg_type'::regclass::oid, 'pg_namespace'::regclass::oid, "
                        "'pg_catalog.pg_constraint'::regclass::oid, 'integer'::regtype::oid, "
                        "(SELECT oid FROM pg_namespace WHERE nspname = 'public'), "
                        "(SELECT oid FROM pg_tablespace WHERE spcname = 'pg_default'), "
                        "(SELECT oid FROM pg_am WHERE amname = 'btree'), "
                        "(SELECT oid FROM pg_collation WHERE collname = 'default')").fetchone()
    assert rows == (1259, 1247, 2615, 2606, 23, 2200, 1663, 403, 100)
    user = conn.execute("SELECT min(oid) FROM pg_class WHERE relname LIKE 'clients_cat_%'").fetchone()[0]
    assert user >= 16384


def test_relation_catalog_rows(conn) -> None:
    kinds = conn.execute("SELECT relname, relkind, relhasindex, relchecks FROM pg_class WHERE relname LIKE "
                         "'clients_cat_%' ORDER BY relname").fetchall()
    assert kinds == [("clients_cat_child", "r", True, 0), ("clients_cat_child_parent", "i", False, 0),
                     ("clients_cat_child_pkey", "i", False, 0), ("clients_cat_parent", "r", True, 1),
                     ("clients_cat_parent_code_key", "i", False, 0), ("clients_cat_parent_id_seq", "S", False, 0),
                     ("clients_cat_parent_pkey", "i", False, 0), ("clients_cat_v", "v", False, 0)]
    columns = conn.execute("SELECT a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull, a.atthasdef "
                           "FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid "
                           "WHERE c.relname = 'clients_cat_parent' AND a.attnum > 0 ORDER BY a.attnum").fetchall()
    assert columns == [("id", "integer", True, True), ("code", "character varying(10)", False, False),
                       ("price", "numeric(8,2)", False, False)]
    index = conn.execute("SELECT i.indkey::text, i.indisunique, i.indisprimary, pg_get_indexdef(i.indexrelid) "
                         "FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
                         "WHERE c.relname = 'clients_cat_child_parent'").fetchone()
    assert index == ("2", False, False,
                     "CREATE INDEX clients_cat_child_parent ON public.clients_cat_child USING btree (parent_id)")
    cons = conn.execute("SELECT conname, contype, conkey, confkey, pg_get_constraintdef(c.oid) FROM pg_constraint c "
                        "JOIN pg_class t ON t.oid = c.conrelid WHERE t.relname = 'clients_cat_child' "
                        "ORDER BY conname").fetchall()
    assert cons == [("clients_cat_child_parent_id_fkey", "f", [2], [1],
                     "FOREIGN KEY (parent_id) REFERENCES clients_cat_parent(id)"),
                    ("clients_cat_child_pkey", "p", [1], None, "PRIMARY KEY (id)")]
    default = conn.execute("SELECT pg_get_expr(d.adbin, d.adrelid) FROM pg_attrdef d JOIN pg_class c ON "
                           "c.oid = d.adrelid WHERE c.relname = 'clients_cat_child'").fetchone()[0]
    assert "n" in default
    comment = conn.execute("SELECT obj_description(oid, 'pg_class') FROM pg_class "
                           "WHERE relname = 'clients_cat_parent'").fetchone()[0]
    assert comment == "parents"


def test_information_schema(conn) -> None:
    tables = conn.execute("SELECT table_name, table_type FROM information_schema.tables WHERE table_schema = "
                          "'public' AND table_name LIKE 'clients_cat_%' ORDER BY 1").fetchall()
    assert tables == [("clients_cat_child", "BASE TABLE"), ("clients_cat_parent", "BASE TABLE"),
                      ("clients_cat_v", "VIEW")]
    columns = conn.execute("SELECT column_name, data_type, is_nullable, character_maximum_length, numeric_precision, "
                           "numeric_scale FROM information_schema.columns WHERE table_name = 'clients_cat_parent' "
                           "ORDER BY ordinal_position").fetchall()
    assert columns == [("id", "integer", "NO", None, 32, 0), ("code", "character varying", "YES", 10, None, None),
                       ("price", "numeric", "YES", None, 8, 2)]
    keys = conn.execute("SELECT tc.constraint_type, kcu.column_name FROM information_schema.table_constraints tc "
                        "JOIN information_schema.key_column_usage kcu ON kcu.constraint_name = tc.constraint_name "
                        "WHERE tc.table_name = 'clients_cat_child' ORDER BY 1").fetchall()
    assert keys == [("FOREIGN KEY", "parent_id"), ("PRIMARY KEY", "id")]
    rules = conn.execute("SELECT delete_rule, unique_constraint_name FROM information_schema.referential_constraints "
                         "WHERE constraint_name = 'clients_cat_child_parent_id_fkey'").fetchone()
    assert rules == ("NO ACTION", "clients_cat_parent_pkey")
    assert conn.execute("SELECT count(*) FROM information_schema.schemata WHERE schema_name = 'public'").fetchone() \
        == (1,)


def test_session_views(conn) -> None:
    me = conn.execute("SELECT usename, datname, state, query FROM pg_stat_activity "
                      "WHERE pid = pg_backend_pid()").fetchone()
    assert me[:3] == ("postgres", "postgres", "active") and "pg_stat_activity" in me[3]
    assert conn.execute("SELECT setting FROM pg_settings WHERE name = 'server_version_num'").fetchone() \
        == ("150008",)
    assert conn.execute("SELECT rolname, rolsuper FROM pg_roles WHERE rolname = 'postgres'").fetchone() \
        == ("postgres", True)
    assert conn.execute("SELECT extname FROM pg_extension").fetchall() == [("plpgsql",)]
    sizes = conn.execute("SELECT pg_size_pretty(10239::bigint), pg_size_pretty(10240::bigint), "
                         "pg_size_pretty(123456789::bigint), pg_table_size('clients_cat_parent') >= 0").fetchone()
    assert sizes == ("10239 bytes", "10 kB", "118 MB", True)


def test_psycopg_typeinfo(conn) -> None:
    info = TypeInfo.fetch(conn, "numeric")
    assert (info.name, info.oid, info.array_oid, info.delimiter) == ("numeric", 1700, 1231, ",")
    assert TypeInfo.fetch(conn, "no_such_type") is None
    rng = RangeInfo.fetch(conn, "int4range")
    assert (rng.oid, rng.subtype_oid) == (3904, 23)
