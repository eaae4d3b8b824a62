"""Domains (CREATE DOMAIN), each behaviour checked on QuantaDB and on the reference PostgreSQL 15
alike: a value converted to the domain (INSERT, UPDATE, a cast, a column's domain DEFAULT) meets
its NOT NULL and CHECKs with PostgreSQL's errors; expressions over it are of the base type;
catalogs (pg_type typtype d, typbasetype, pg_constraint contypid, format_type); DROP DOMAIN."""

DOMAINS = ("CREATE DOMAIN posint AS int CHECK (VALUE > 0);\n"
           "CREATE DOMAIN code AS varchar(4) NOT NULL DEFAULT 'x' CONSTRAINT short CHECK (length(VALUE) < 4)\n"
           "  CHECK (VALUE <> 'no');\n"
           "CREATE TABLE d (a posint, b code)")


def test_constraints_on_insert_update_and_cast(sql):
    sql.setup(DOMAINS + ";\nINSERT INTO d VALUES (1, 'ab');\nINSERT INTO d (a) VALUES (2)")
    sql.check("SELECT a, b FROM d ORDER BY a", [("1", "ab"), ("2", "x")], ordered=True)
    sql.error("INSERT INTO d VALUES (0, 'ab')", "23514", 'value for domain posint violates check constraint "posint_check"')
    sql.error("INSERT INTO d VALUES (1, NULL)", "23502", "domain code does not allow null values")
    sql.error("INSERT INTO d VALUES (1, 'abcd')", "23514", 'value for domain code violates check constraint "short"')
    sql.error("INSERT INTO d VALUES (1, 'no')", "23514", 'value for domain code violates check constraint "code_check"')
    sql.error("UPDATE d SET a = a - 1", "23514", 'value for domain posint violates check constraint "posint_check"')
    sql.error("SELECT (-1)::posint", "23514", 'value for domain posint violates check constraint "posint_check"')
    sql.check("SELECT 5::posint + 1, NULL::posint IS NULL, pg_typeof(a), pg_typeof(a + 1) FROM d WHERE a = 1",
              [("6", "t", "posint", "integer")])
    sql.check("SELECT sum(a), max(b) FROM d", [("3", "x")])


def test_copy_checks_the_domain(quantadb_server, postgres_server, tmp_path):
    """COPY FROM converts each field to the column's domain: its CHECK fails the COPY."""
    from dumping import psql
    for server in [quantadb_server] + ([postgres_server] if postgres_server else []):
        server.admin("DROP DATABASE IF EXISTS dcopy")
        server.admin("CREATE DATABASE dcopy")
        script = tmp_path / "copy.sql"
        script.write_text(DOMAINS + ";\nCOPY d FROM stdin;\n-5\tab\n\\.\n")
        done = psql(server.port, "dcopy", "-f", str(script))
        assert 'value for domain posint violates check constraint "posint_check"' in done.stderr, done.stderr


def test_catalogs(sql):
    sql.setup(DOMAINS)
    sql.check("SELECT typname, typtype, typbasetype::regtype, typnotnull, format_type(oid, NULL) FROM pg_type "
              "WHERE typname IN ('posint', 'code') ORDER BY 1",
              [("code", "d", "character varying", "t", "code"), ("posint", "d", "integer", "f", "posint")],
              ordered=True)
    sql.check("SELECT format_type(atttypid, atttypmod), attnotnull FROM pg_attribute "
              "WHERE attrelid = 'd'::regclass AND attnum > 0 ORDER BY attnum", [("posint", "f"), ("code", "f")],
              ordered=True)
    sql.check("SELECT conname, contypid::regtype, contype FROM pg_constraint WHERE contypid IN "
              "('posint'::regtype, 'code'::regtype) ORDER BY 1",
              [("code_check", "code", "c"), ("posint_check", "posint", "c"), ("short", "code", "c")], ordered=True)


def test_drop_domain(sql):
    sql.setup(DOMAINS + ";\nCREATE TYPE mood AS ENUM ('a')")
    sql.error("DROP DOMAIN posint", "2BP01", "cannot drop type posint because other objects depend on it")
    sql.error("DROP DOMAIN mood", "42809", '"mood" is not a domain')
    sql.error("ALTER DOMAIN mood OWNER TO CURRENT_USER", "42809", "mood is not a domain")
    sql.error("ALTER TYPE posint ADD VALUE 'x'", "42809", "posint is not an enum")
    sql.error("DROP DOMAIN nope", "42704", 'type "nope" does not exist')
    sql.error("CREATE DOMAIN posint AS int", "42710", 'type "posint" already exists')
    sql.setup("DROP DOMAIN IF EXISTS nope;\nDROP DOMAIN posint CASCADE;\nDROP TABLE d;\nDROP DOMAIN code")
    sql.check("SELECT count(*) FROM pg_type WHERE typname IN ('posint', 'code')", [("0",)])


def test_information_schema(sql):
    sql.setup("CREATE DOMAIN dz AS numeric(6,2) DEFAULT 1.5 CHECK (VALUE > 0);\nCREATE TYPE ez AS ENUM ('a');\n"
              "CREATE TABLE ic (a dz, b ez, c ez[])")
    sql.check("SELECT domain_schema, domain_name, data_type, numeric_precision, numeric_scale, domain_default "
              "FROM information_schema.domains WHERE domain_name = 'dz'", [("public", "dz", "numeric", "6", "2", "1.5")])
    sql.check("SELECT column_name, data_type, udt_schema, udt_name, domain_schema, domain_name, numeric_precision "
              "FROM information_schema.columns WHERE table_name = 'ic' ORDER BY 1",
              [("a", "numeric", "pg_catalog", "numeric", "public", "dz", "6"),
               ("b", "USER-DEFINED", "public", "ez", None, None, None),
               ("c", "ARRAY", "public", "_ez", None, None, None)], ordered=True)
