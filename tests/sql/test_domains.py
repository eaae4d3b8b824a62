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


def test_domain_over_domain(sql):
    """CREATE DOMAIN d2 AS d1: a value of d2 meets d1's NOT NULL and CHECKs (first) and d2's,
    each error naming the domain converted to; d2 takes d1's DEFAULT; ALTER DOMAIN d1 reaches
    columns of d2; DROP DOMAIN d1 needs CASCADE, which drops d2 and its columns."""
    sql.setup("CREATE DOMAIN d1 AS int NOT NULL DEFAULT 4 CHECK (VALUE > 0);\n"
              "CREATE DOMAIN d2 AS d1 CHECK (VALUE < 10);\n"
              "CREATE DOMAIN d3 AS d2 CONSTRAINT odd CHECK (VALUE % 2 = 1);\n"
              "CREATE TABLE t2 (a d2, b d3);\nINSERT INTO t2 VALUES (5, 5);\nINSERT INTO t2 (b) VALUES (3)")
    sql.check("SELECT a, b, pg_typeof(a), pg_typeof(b), pg_typeof(a + 1) FROM t2 ORDER BY b",
              [("4", "3", "d2", "d3", "integer"), ("5", "5", "d2", "d3", "integer")], ordered=True)
    sql.error("INSERT INTO t2 VALUES (0, 1)", "23514", 'value for domain d2 violates check constraint "d1_check"')
    sql.error("INSERT INTO t2 VALUES (10, 1)", "23514", 'value for domain d2 violates check constraint "d2_check"')
    sql.error("INSERT INTO t2 VALUES (NULL, 1)", "23502", "domain d2 does not allow null values")
    sql.error("INSERT INTO t2 VALUES (1, 2)", "23514", 'value for domain d3 violates check constraint "odd"')
    sql.error("INSERT INTO t2 VALUES (1, 11)", "23514", 'value for domain d3 violates check constraint "d2_check"')
    sql.error("SELECT (-1)::d3", "23514", 'value for domain d3 violates check constraint "d1_check"')
    sql.check("SELECT 7::d3, 1::d2", [("7", "1")], columns=["d3", "d2"])
    sql.check("SELECT typname, typbasetype::regtype, typnotnull, typdefault FROM pg_type "
              "WHERE typname IN ('d1', 'd2', 'd3') ORDER BY 1",
              [("d1", "integer", "t", "4"), ("d2", "d1", "f", "4"), ("d3", "d2", "f", "4")], ordered=True)
    sql.check("SELECT domain_name, data_type, udt_name FROM information_schema.domains "
              "WHERE domain_name IN ('d1', 'd2') ORDER BY 1", [("d1", "integer", "int4"), ("d2", "USER-DEFINED", "d1")],
              ordered=True)
    sql.setup("ALTER DOMAIN d1 ADD CONSTRAINT small CHECK (VALUE < 8)")
    sql.error("INSERT INTO t2 VALUES (1, 9)", "23514", 'value for domain d3 violates check constraint "small"')
    sql.error("ALTER DOMAIN d1 ADD CONSTRAINT tiny CHECK (VALUE < 5)", "23514",
              'column "a" of table "t2" contains values that violate the new constraint')
    sql.error("DROP DOMAIN d1", "2BP01", "cannot drop type d1 because other objects depend on it")
    sql.setup("DROP DOMAIN d2 CASCADE")
    sql.check("SELECT count(*) FROM pg_attribute WHERE attrelid = 't2'::regclass AND attnum > 0 "
              "AND NOT attisdropped", [("0",)])
    sql.check("SELECT typname FROM pg_type WHERE typname IN ('d1', 'd2', 'd3')", [("d1",)])
    sql.setup("CREATE DOMAIN vc AS varchar(3);\nCREATE DOMAIN vc2 AS vc CHECK (VALUE <> 'no')")
    sql.check("SELECT 'abcd'::vc2, format_type(typbasetype, typtypmod) FROM pg_type WHERE typname = 'vc2'",
              [("abc", "vc")])
    sql.error("SELECT 'no'::vc2", "23514", 'value for domain vc2 violates check constraint "vc2_check"')


def test_cast_of_a_string_literal_checks(sql):
    """'text'::domain converts the literal to the base type (explicitly: varchar(n) truncates) and
    then checks the domain's constraints."""
    sql.setup("CREATE DOMAIN vc3 AS varchar(3) CHECK (VALUE <> 'no');\nCREATE DOMAIN pos AS int CHECK (VALUE > 0)")
    sql.error("SELECT 'no'::vc3", "23514", 'value for domain vc3 violates check constraint "vc3_check"')
    sql.error("SELECT '-1'::pos", "23514", 'value for domain pos violates check constraint "pos_check"')
    sql.error("SELECT CAST(NULL AS pos) + 1, '0'::pos", "23514", 'value for domain pos violates check constraint "pos_check"')
    sql.check("SELECT 'abcd'::vc3, '7'::pos", [("abc", "7")])


def test_arrays_of_domains(sql):
    """A column of d[]: every element meets the domain's NOT NULL and CHECKs (input, ARRAY[...],
    casts, UPDATE); the domain's array type _d (typelem d) names the column in the catalogs;
    ALTER DOMAIN refuses to re-check arrays of it (0A000, as PostgreSQL 15); DROP lists the column."""
    sql.setup("CREATE DOMAIN posint AS int CHECK (VALUE > 0);\nCREATE DOMAIN vc AS varchar(3) NOT NULL;\n"
              "CREATE TABLE ta (id int, a posint[], v vc[]);\n"
              "INSERT INTO ta VALUES (1, '{1,2}', '{ab,cd}'), (6, '{{1,2},{3,4}}', '{}'), (7, ARRAY[5], NULL)")
    check = 'value for domain posint violates check constraint "posint_check"'
    sql.error("INSERT INTO ta VALUES (2, '{1,-2}', NULL)", "23514", check)
    sql.error("INSERT INTO ta VALUES (3, ARRAY[1, 0], NULL)", "23514", check)
    sql.error("INSERT INTO ta VALUES (3, '{{1,2},{3,-4}}', NULL)", "23514", check)
    sql.error("INSERT INTO ta VALUES (4, '{1,NULL}', '{abcd}')", "22001", "value too long for type character varying(3)")
    sql.error("INSERT INTO ta VALUES (5, NULL, '{a,NULL}')", "23502", "domain vc does not allow null values")
    sql.error("SELECT '{3,-1}'::posint[]", "23514", check)
    sql.error("SELECT ARRAY[3, -1]::posint[]", "23514", check)
    sql.error("UPDATE ta SET a = a || -5 WHERE id = 1", "23514", check)
    sql.check("SELECT id, a, v, pg_typeof(a), pg_typeof(v) FROM ta ORDER BY id",
              [("1", "{1,2}", "{ab,cd}", "posint[]", "vc[]"), ("6", "{{1,2},{3,4}}", "{}", "posint[]", "vc[]"),
               ("7", "{5}", None, "posint[]", "vc[]")], ordered=True, same_types=False)
    sql.check("SELECT '{3,NULL}'::posint[], 'posint[]'::regtype, '_posint'::regtype", [("{3,NULL}", "posint[]", "posint[]")],
              same_types=False)
    sql.check("SELECT typname, typelem::regtype, typcategory, (SELECT typarray FROM pg_type WHERE typname = 'posint') = oid "
              "FROM pg_type WHERE typname IN ('_posint', '_vc') ORDER BY 1",
              [("_posint", "posint", "A", "t"), ("_vc", "vc", "A", "f")], ordered=True)
    sql.check("SELECT format_type(atttypid, atttypmod), attndims FROM pg_attribute WHERE attrelid = 'ta'::regclass "
              "AND attnum > 1 ORDER BY attnum", [("posint[]", "1"), ("vc[]", "1")], ordered=True)
    sql.check("SELECT data_type, udt_name, domain_name FROM information_schema.columns WHERE table_name = 'ta' "
              "ORDER BY ordinal_position", [("integer", "int4", None), ("ARRAY", "_posint", None),
                                            ("ARRAY", "_vc", None)], ordered=True)
    sql.error("ALTER DOMAIN posint ADD CONSTRAINT small CHECK (VALUE < 4)", "0A000",
              'cannot alter type "posint" because column "ta.a" uses it')
    sql.error("DROP DOMAIN posint", "2BP01", "cannot drop type posint because other objects depend on it")
    sql.setup("DROP DOMAIN posint CASCADE")
    sql.check("SELECT count(*) FROM pg_type WHERE typname IN ('posint', '_posint')", [("0",)])


def test_arrays_of_enums_checked_per_element(sql):
    sql.setup("CREATE TYPE mood AS ENUM ('sad', 'ok');\nCREATE TABLE te (ms mood[])")
    sql.error("INSERT INTO te VALUES (ARRAY['ok', 'meh']::mood[])", "22P02", 'invalid input value for enum mood: "meh"')
    sql.error("INSERT INTO te VALUES ('{{ok,sad},{sad,meh}}')", "22P02", 'invalid input value for enum mood: "meh"')
    sql.error("SELECT ARRAY['x']::mood[]", "22P02", 'invalid input value for enum mood: "x"')
    sql.setup("INSERT INTO te VALUES ('{{ok,sad},{sad,NULL}}'), (ARRAY['ok']::mood[])")
    sql.check("SELECT ms FROM te ORDER BY ms", [("{ok}",), ("{{ok,sad},{sad,NULL}}",)], ordered=True, same_types=False)


def test_drop_schema_with_domains_over_domains(sql):
    sql.setup("CREATE SCHEMA dts;\nCREATE TYPE dts.m AS ENUM ('a');\nCREATE DOMAIN dts.d1 AS int;\n"
              "CREATE DOMAIN dts.d2 AS dts.d1;\nCREATE DOMAIN dts.d3 AS dts.m;\nCREATE TABLE keep (a dts.d2, b int);\n"
              "DROP SCHEMA dts CASCADE")
    sql.check("SELECT count(*) FROM pg_type WHERE typname IN ('m', 'd1', 'd2', 'd3', '_d1', '_d2')", [("0",)])
    sql.check("SELECT attname FROM pg_attribute WHERE attrelid = 'keep'::regclass AND attnum > 0 AND NOT attisdropped",
              [("b",)])


def test_constraint_text_of_a_domain_over_a_domain(sql):
    """VALUE of a domain over a domain is of the base domain: pg_get_constraintdef shows its
    conversion to the base type where an operator or function takes it."""
    sql.setup("CREATE DOMAIN e1 AS int;\nCREATE DOMAIN e2 AS e1 CHECK (VALUE < 9);\nCREATE DOMAIN e3 AS varchar(5);\n"
              "CREATE DOMAIN e4 AS e3 CHECK (length(VALUE) > 1)")
    sql.check("SELECT pg_get_constraintdef(oid), pg_get_constraintdef(oid, true) FROM pg_constraint "
              "WHERE contypid IN ('e2'::regtype, 'e4'::regtype) ORDER BY 1",
              [("CHECK (((VALUE)::integer < 9))", "CHECK (VALUE::integer < 9)"),
               ("CHECK ((length((VALUE)::text) > 1))", "CHECK (length(VALUE::text) > 1)")], ordered=True)
