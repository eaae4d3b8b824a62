"""ALTER DOMAIN, each behaviour checked on QuantaDB and on the reference PostgreSQL 15 alike: a new
CHECK reads the values already stored in every table using the domain (23514 naming the column),
NOT VALID skips them until VALIDATE CONSTRAINT, SET NOT NULL reads them for NULLs (23502),
DROP / RENAME CONSTRAINT, SET / DROP DEFAULT, RENAME TO and OWNER TO; existing columns of the
domain meet the constraints as they are now; pg_constraint, information_schema and \\dD's
pg_get_constraintdef show them."""

import psycopg
import pytest

SETUP = ("CREATE DOMAIN posint AS int;\n"
         "CREATE TABLE t (a posint, b int);\n"
         "CREATE TABLE u (x posint);\n"
         "INSERT INTO t VALUES (1, 1), (-1, 2), (NULL, 3)")
VIOLATES = 'column "a" of table "t" contains values that violate the new constraint'


def test_add_constraint_checks_stored_values(sql):
    sql.setup(SETUP)
    sql.error("ALTER DOMAIN posint ADD CONSTRAINT pos CHECK (value > 0)", "23514", VIOLATES)
    sql.setup("ALTER DOMAIN posint ADD CHECK (value > -5);\n"
              "ALTER DOMAIN posint ADD CONSTRAINT pos CHECK (value > 0) NOT VALID")
    # the columns created before the constraints meet them now; the stored -1 stays
    sql.error("INSERT INTO t VALUES (-2, 0)", "23514", 'value for domain posint violates check constraint "pos"')
    sql.error("INSERT INTO u VALUES (-7)", "23514", 'value for domain posint violates check constraint "pos"')  # name order
    sql.error("UPDATE t SET a = 0 WHERE b = 1", "23514", 'value for domain posint violates check constraint "pos"')
    sql.error("SELECT (-3)::posint", "23514", 'value for domain posint violates check constraint "pos"')
    sql.check("SELECT conname, convalidated, pg_get_constraintdef(oid) FROM pg_constraint "
              "WHERE contypid = 'posint'::regtype ORDER BY 1",
              [("pos", "f", "CHECK ((VALUE > 0)) NOT VALID"), ("posint_check", "t", "CHECK ((VALUE > '-5'::integer))")],
              ordered=True)
    sql.error("ALTER DOMAIN posint VALIDATE CONSTRAINT pos", "23514", VIOLATES)
    sql.setup("DELETE FROM t WHERE a < 0;\nALTER DOMAIN posint VALIDATE CONSTRAINT pos")
    sql.check("SELECT convalidated FROM pg_constraint WHERE conname = 'pos'", [("t",)])
    sql.error("ALTER DOMAIN posint ADD CONSTRAINT pos CHECK (value > 1)", "42710",
              'constraint "pos" for domain "posint" already exists')
    sql.error("ALTER DOMAIN posint ADD CONSTRAINT bad CHECK (b > 0)", "42703", 'column "b" does not exist')
    sql.error("ALTER DOMAIN posint ADD CONSTRAINT bad CHECK (value)", "42804",
              "argument of CHECK must be type boolean, not type integer")
    sql.error("ALTER DOMAIN posint ADD CONSTRAINT bad CHECK (value > 0", "42601")
    sql.error("ALTER DOMAIN posint ADD CHECK (value > (SELECT 1))", "0A000", "cannot use subquery in check constraint")
    sql.error("CREATE DOMAIN agg AS int CHECK (value > count(*))", "42803",
              "aggregate functions are not allowed in check constraints")


def test_drop_validate_and_rename_constraint(sql):
    sql.setup(SETUP + ";\nDELETE FROM t WHERE a < 0;\n"
              "ALTER DOMAIN posint ADD CONSTRAINT pos CHECK (value > 0);\n"
              "ALTER DOMAIN posint ADD CONSTRAINT small CHECK (value < 100)")
    for form in ("VALIDATE CONSTRAINT nope", "DROP CONSTRAINT nope"):
        sql.error(f"ALTER DOMAIN posint {form}", "42704", 'constraint "nope" of domain "posint" does not exist')
    sql.error("ALTER DOMAIN posint RENAME CONSTRAINT nope TO x", "42704",
              'constraint "nope" for domain posint does not exist')
    sql.error("ALTER DOMAIN posint RENAME CONSTRAINT pos TO small", "42710",
              'constraint "small" for domain posint already exists')
    sql.setup("ALTER DOMAIN posint DROP CONSTRAINT IF EXISTS nope;\n"
              "ALTER DOMAIN posint VALIDATE CONSTRAINT pos;\n"
              "ALTER DOMAIN posint RENAME CONSTRAINT pos TO positive;\n"
              "ALTER DOMAIN posint DROP CONSTRAINT small CASCADE")
    sql.error("INSERT INTO t VALUES (0, 0)", "23514", 'value for domain posint violates check constraint "positive"')
    sql.setup("INSERT INTO t VALUES (500, 0)")
    sql.check("SELECT conname FROM pg_constraint WHERE contypid = 'posint'::regtype", [("positive",)])
    sql.setup("ALTER DOMAIN posint DROP CONSTRAINT positive RESTRICT;\nINSERT INTO t VALUES (0, 0)")


def test_not_null_and_default(sql):
    sql.setup(SETUP)
    sql.error("ALTER DOMAIN posint SET NOT NULL", "23502", 'column "a" of table "t" contains null values')
    sql.setup("DELETE FROM t WHERE a IS NULL;\nALTER DOMAIN posint SET NOT NULL")
    sql.error("INSERT INTO t VALUES (NULL, 1)", "23502", "domain posint does not allow null values")
    sql.error("INSERT INTO u VALUES (DEFAULT)", "23502", "domain posint does not allow null values")
    sql.check("SELECT typnotnull FROM pg_type WHERE typname = 'posint'", [("t",)])
    sql.setup("ALTER DOMAIN posint DROP NOT NULL;\nALTER DOMAIN posint SET DEFAULT 5;\n"
              "INSERT INTO t (b) VALUES (9);\nALTER DOMAIN posint DROP DEFAULT;\nINSERT INTO t (b) VALUES (10)")
    sql.check("SELECT a, b FROM t WHERE b > 3 ORDER BY b", [("5", "9"), (None, "10")], ordered=True)
    sql.setup("CREATE DOMAIN tag AS varchar(5);\nALTER DOMAIN tag SET DEFAULT 'x'")
    sql.check("SELECT typdefault, pg_get_expr(typdefaultbin, 'pg_type'::regclass) FROM pg_type WHERE typname = 'tag'",
              [("'x'::character varying", "'x'::character varying")])
    sql.check("SELECT domain_default FROM information_schema.domains WHERE domain_name = 'tag'",
              [("'x'::character varying",)])
    sql.error("ALTER DOMAIN posint SET DEFAULT 'x'", "22P02", 'invalid input syntax for type integer: "x"')
    sql.error("ALTER DOMAIN nope SET DEFAULT 1", "42704", 'type "nope" does not exist')


def test_rename_owner_and_catalogs(sql):
    sql.setup(SETUP + ";\nALTER DOMAIN posint ADD CONSTRAINT pos CHECK (value > -5) NOT VALID;\n"
              "ALTER DOMAIN posint RENAME TO pint;\n"
              "DROP ROLE IF EXISTS dom_owner;\nCREATE ROLE dom_owner;\nALTER DOMAIN pint OWNER TO dom_owner")
    sql.error("ALTER DOMAIN pint OWNER TO nobody_here", "42704", 'role "nobody_here" does not exist')
    sql.check("SELECT typowner::regrole, format_type(oid, NULL) FROM pg_type WHERE typname = 'pint'",
              [("dom_owner", "pint")])
    sql.check("SELECT constraint_name, domain_schema, domain_name, is_deferrable, initially_deferred "
              "FROM information_schema.domain_constraints WHERE domain_name = 'pint'",
              [("pos", "public", "pint", "NO", "NO")])
    sql.check("SELECT check_clause FROM information_schema.check_constraints WHERE constraint_name = 'pos'",
              [("((VALUE > '-5'::integer)) NOT VALID",)])
    sql.check("SELECT domain_name FROM information_schema.columns WHERE table_name = 't' AND column_name = 'a'",
              [("pint",)])
    sql.error("INSERT INTO t VALUES (-9, 0)", "23514", 'value for domain pint violates check constraint "pos"')
    sql.setup("DROP TABLE t, u;\nDROP DOMAIN pint;\nDROP ROLE dom_owner")


def test_psql_describe_domains(quantadb_server, postgres_server):
    """psql \\dD lists the domain with its constraints as pg_get_constraintdef(oid, true) prints them."""
    from dumping import psql
    outputs = []
    for server in [quantadb_server] + ([postgres_server] if postgres_server else []):
        server.admin("DROP DATABASE IF EXISTS ddescribe")
        server.admin("CREATE DATABASE ddescribe")
        psql(server.port, "ddescribe", "-c", "CREATE DOMAIN pint AS int NOT NULL DEFAULT 3 CHECK (VALUE > -5)",
             "-c", "ALTER DOMAIN pint ADD CONSTRAINT pos CHECK (VALUE <> 0 AND VALUE < 10) NOT VALID")
        outputs.append(psql(server.port, "ddescribe", "-c", "\\dD").stdout)
    assert "CHECK (VALUE > '-5'::integer) CHECK (VALUE <> 0 AND VALUE < 10) NOT VALID" in outputs[0], outputs[0]
    assert len(set(outputs)) == 1, outputs


def test_new_constraint_is_transactional(quantadb_server, postgres_server):
    for server in [quantadb_server] + ([postgres_server] if postgres_server else []):
        server.admin("DROP DATABASE IF EXISTS dtxn")
        server.admin("CREATE DATABASE dtxn")
        with psycopg.connect(server.dsn("dtxn"), autocommit=True) as a, \
                psycopg.connect(server.dsn("dtxn"), autocommit=True) as b:
            a.execute("CREATE DOMAIN posint AS int")
            a.execute("CREATE TABLE t (a posint)")
            with a.transaction():
                a.execute("ALTER DOMAIN posint ADD CONSTRAINT pos CHECK (value > 0)")
                with pytest.raises(psycopg.errors.CheckViolation):
                    with a.transaction():
                        a.execute("INSERT INTO t VALUES (0)")
                b.execute("SELECT 0::posint")  # not committed yet (a table of it would wait for its lock)
            with pytest.raises(psycopg.errors.CheckViolation):
                b.execute("INSERT INTO t VALUES (0)")
            with a.transaction(force_rollback=True):
                a.execute("ALTER DOMAIN posint DROP CONSTRAINT pos")
            with pytest.raises(psycopg.errors.CheckViolation):
                b.execute("INSERT INTO t VALUES (0)")


def test_chosen_names_are_unique_in_the_schema(sql):
    """An unnamed CHECK is named d_check, d_check1 ...: the first no constraint of the schema has."""
    sql.setup("CREATE TABLE tt (a int CONSTRAINT posint_check CHECK (a > 0));\nCREATE DOMAIN posint AS int;\n"
              "ALTER DOMAIN posint ADD CHECK (VALUE < 100);\n"
              "CREATE DOMAIN other AS int CHECK (VALUE > 0) CHECK (VALUE < 9)")
    sql.check("SELECT conname FROM pg_constraint WHERE contypid IN ('posint'::regtype, 'other'::regtype) ORDER BY 1",
              [("other_check",), ("other_check1",), ("posint_check1",)], ordered=True)
