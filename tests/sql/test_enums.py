"""Enum types (CREATE TYPE ... AS ENUM), each behaviour checked on QuantaDB and on the reference
PostgreSQL 15 alike: input and its errors, order by declaration (not by label text), comparisons,
MIN/MAX, ALTER TYPE, DROP TYPE and its dependencies, enum functions, arrays, casts.
Enum-typed result columns carry each server's own OID for the type: those checks do not compare
column types (same_types=False)."""

import psycopg
import pytest

MOOD = ("CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');\n"
        "CREATE TABLE t (id int, m mood);\n"
        "INSERT INTO t VALUES (1, 'happy'), (2, 'sad'), (3, 'ok'), (4, NULL)")


def test_input_order_and_comparisons(sql):
    sql.setup(MOOD)
    # declaration order, not text order ('happy' < 'ok' < 'sad' as text)
    sql.check("SELECT id, m FROM t ORDER BY m", [("2", "sad"), ("3", "ok"), ("1", "happy"), ("4", None)],
              ordered=True, same_types=False)
    sql.check("SELECT id FROM t ORDER BY m DESC NULLS LAST, id", [("1",), ("3",), ("2",), ("4",)], ordered=True)
    sql.check("SELECT id FROM t WHERE m > 'sad'", [("1",), ("3",)])
    sql.check("SELECT id FROM t WHERE m = 'ok' OR m IN ('happy')", [("1",), ("3",)])
    sql.check("SELECT 'ok'::mood < 'happy'::mood, 'ok'::mood >= 'sad', m::text FROM t WHERE id = 1",
              [("t", "t", "happy")])
    sql.check("SELECT min(m), max(m), count(DISTINCT m) FROM t", [("sad", "happy", "3")], same_types=False)
    sql.check("SELECT m, count(*) FROM t GROUP BY m ORDER BY m", [("sad", "1"), ("ok", "1"), ("happy", "1"),
                                                                  (None, "1")], ordered=True, same_types=False)
    sql.error("INSERT INTO t VALUES (5, 'angry')", "22P02", 'invalid input value for enum mood: "angry"')
    sql.error("SELECT 'x'::mood", "22P02", 'invalid input value for enum mood: "x"')
    sql.error("SELECT m < 1 FROM t", "42883")


def test_casts_and_text(sql):
    sql.setup(MOOD)
    sql.check("SELECT 'happy'::text::mood, CAST('ok' AS mood), m::varchar FROM t WHERE id = 2",
              [("happy", "ok", "sad")], same_types=False)
    sql.check("SELECT pg_typeof(m), pg_typeof(m)::oid = 'mood'::regtype::oid, format_type('mood'::regtype, -1) "
              "FROM t LIMIT 1", [("mood", "t", "mood")])
    sql.check("SELECT id FROM t WHERE m::text LIKE '%a%'", [("1",), ("2",)])


def test_enum_functions(sql):
    sql.setup(MOOD)
    sql.check("SELECT enum_range(NULL::mood), enum_first(NULL::mood), enum_last('ok'::mood)",
              [("{sad,ok,happy}", "sad", "happy")], same_types=False)
    sql.check("SELECT enum_range('ok'::mood, NULL), enum_range(NULL, 'ok'::mood), enum_range('sad'::mood, 'ok')",
              [("{ok,happy}", "{sad,ok}", "{sad,ok}")], same_types=False)


def test_arrays_of_an_enum(sql):
    sql.setup(MOOD + ";\nCREATE TABLE a (id int, ms mood[]);\n"
              "INSERT INTO a VALUES (1, '{happy,sad}'), (2, ARRAY['ok']::mood[])")
    sql.check("SELECT id, ms, ms[1] FROM a ORDER BY id", [("1", "{happy,sad}", "happy"), ("2", "{ok}", "ok")],
              ordered=True, same_types=False)
    sql.check("SELECT id FROM a WHERE 'sad' = ANY(ms)", [("1",)])
    sql.error("INSERT INTO a VALUES (3, '{meh}')", "22P02", 'invalid input value for enum mood: "meh"')


def test_alter_type_add_value(sql):
    sql.setup(MOOD + ";\nALTER TYPE mood ADD VALUE 'ecstatic' AFTER 'happy';\n"
              "ALTER TYPE mood ADD VALUE 'meh' BEFORE 'ok';\n"
              "ALTER TYPE mood ADD VALUE 'awful' BEFORE 'sad';\n"
              "ALTER TYPE mood ADD VALUE 'zen';\n"
              "ALTER TYPE mood ADD VALUE IF NOT EXISTS 'zen';\n"
              "INSERT INTO t VALUES (5, 'meh'), (6, 'ecstatic'), (7, 'awful'), (8, 'zen')")
    sql.check("SELECT m FROM t WHERE m IS NOT NULL ORDER BY m",
              [("awful",), ("sad",), ("meh",), ("ok",), ("happy",), ("ecstatic",), ("zen",)],
              ordered=True, same_types=False)
    sql.check("SELECT enumlabel, enumsortorder FROM pg_enum WHERE enumtypid = 'mood'::regtype ORDER BY 2",
              [("awful", "0"), ("sad", "1"), ("meh", "1.5"), ("ok", "2"), ("happy", "3"), ("ecstatic", "4"),
               ("zen", "5")], ordered=True)
    sql.error("ALTER TYPE mood ADD VALUE 'ok'", "42710", 'enum label "ok" already exists')
    sql.error("ALTER TYPE mood ADD VALUE 'x' BEFORE 'nope'", "22023", '"nope" is not an existing enum label')


def test_alter_type_rename(sql):
    sql.setup(MOOD + ";\nALTER TYPE mood RENAME VALUE 'ok' TO 'fine';\nALTER TYPE mood RENAME TO feeling")
    sql.check("SELECT id, m FROM t ORDER BY m", [("2", "sad"), ("3", "fine"), ("1", "happy"), ("4", None)],
              ordered=True, same_types=False)
    sql.check("SELECT pg_typeof(m), enum_range(NULL::feeling) FROM t LIMIT 1", [("feeling", "{sad,fine,happy}")],
              same_types=False)
    sql.error("SELECT 'ok'::feeling", "22P02", 'invalid input value for enum feeling: "ok"')
    sql.error("SELECT NULL::mood", "42704", 'type "mood" does not exist')
    sql.error("ALTER TYPE feeling RENAME VALUE 'nope' TO 'x'", "22023", '"nope" is not an existing enum label')
    sql.error("ALTER TYPE feeling RENAME VALUE 'sad' TO 'happy'", "42710", 'enum label "happy" already exists')


def test_create_and_drop_errors(sql):
    sql.setup(MOOD)
    sql.error("CREATE TYPE mood AS ENUM ('a')", "42710", 'type "mood" already exists')
    sql.error("CREATE TYPE t AS ENUM ('a')", "42710", 'type "t" already exists')  # the table's row type
    sql.error("CREATE TYPE two AS ENUM ('a', 'a')", "23505",
              'duplicate key value violates unique constraint "pg_enum_typid_label_index"')
    sql.error("DROP TYPE nope", "42704", 'type "nope" does not exist')
    sql.error("DROP TYPE mood", "2BP01", "cannot drop type mood because other objects depend on it")
    sql.setup("DROP TYPE IF EXISTS nope;\nCREATE TYPE empty AS ENUM ();\nDROP TYPE empty")
    sql.check("SELECT count(*) FROM pg_type WHERE typname = 'empty'", [("0",)])
    sql.setup("DROP TYPE mood CASCADE")
    sql.check("SELECT * FROM t ORDER BY id", [("1",), ("2",), ("3",), ("4",)], ordered=True)
    sql.check("SELECT count(*) FROM pg_type WHERE typname IN ('mood', '_mood')", [("0",)])


def test_transactional_ddl(sql):
    sql.setup("BEGIN;\nCREATE TYPE mood AS ENUM ('a', 'b');\nROLLBACK")
    sql.error("SELECT 'a'::mood", "42704", 'type "mood" does not exist')
    sql.setup("CREATE TYPE mood AS ENUM ('a', 'b');\nBEGIN;\nALTER TYPE mood RENAME VALUE 'a' TO 'z';\nROLLBACK")
    sql.check("SELECT enum_range(NULL::mood)", [("{a,b}",)], same_types=False)
    sql.check("SELECT 'a'::mood::text", [("a",)])


def test_catalog_rows(sql):
    sql.setup(MOOD)
    sql.check("SELECT t.typname, t.typtype, t.typcategory, t.typlen, a.typname, a.typelem = t.oid, "
              "t.typarray = a.oid, n.nspname FROM pg_type t JOIN pg_type a ON a.typelem = t.oid "
              "JOIN pg_namespace n ON n.oid = t.typnamespace WHERE t.typname = 'mood'",
              [("mood", "e", "E", "4", "_mood", "t", "t", "public")])
    sql.check("SELECT format_type(atttypid, atttypmod) FROM pg_attribute "
              "WHERE attrelid = 't'::regclass AND attname = 'm'", [("mood",)])
    sql.check("SELECT count(*) FROM pg_enum e JOIN pg_type t ON t.oid = e.enumtypid WHERE t.typname = 'mood'",
              [("3",)])
    sql.check("SELECT 'mood'::regtype, '_mood'::regtype, 'mood[]'::regtype", [("mood", "mood[]", "mood[]")])


def test_indexed_enum_column(sql):
    """An index orders labels as text: a range predicate must not use it (equality may)."""
    sql.setup("CREATE TYPE lvl AS ENUM ('zlow', 'mid', 'ahigh');\nCREATE TABLE ix (id int, l lvl);\n"
              "INSERT INTO ix SELECT i, (ARRAY['zlow', 'mid', 'ahigh'])[1 + i % 3]::lvl FROM generate_series(1, 3000) i;\n"
              "CREATE INDEX ix_l ON ix (l);\nANALYZE ix")
    sql.check("SELECT count(*) FROM ix WHERE l > 'zlow'", [("2000",)])
    sql.check("SELECT count(*) FROM ix WHERE l BETWEEN 'zlow' AND 'mid'", [("2000",)])
    sql.check("SELECT count(*) FROM ix WHERE l = 'mid'", [("1000",)])
    sql.check("SELECT min(l), max(l) FROM ix", [("zlow", "ahigh")], same_types=False)


UNSAFE = 'unsafe use of new value "{}" of enum type {}'


def test_new_label_unusable_until_commit(sql):
    """A label ADD VALUE made is refused (55P04) in its own transaction until that commits: as
    input and in enum_range / enum_last; the other labels, text comparisons and a renamed label
    stay usable."""
    sql.setup(MOOD + ";\nBEGIN;\nALTER TYPE mood ADD VALUE 'meh' BEFORE 'ok'")
    sql.check("SELECT 'sad'::mood, enum_first(NULL::mood), count(*) FROM t WHERE m::text <> 'meh'",
              [("sad", "sad", "3")], same_types=False)
    sql.setup("INSERT INTO t VALUES (5, 'ok')")
    sql.error("SELECT 'meh'::mood", "55P04", UNSAFE.format("meh", "mood"))
    sql.setup("ROLLBACK;\nBEGIN;\nALTER TYPE mood ADD VALUE 'meh' BEFORE 'ok'")
    sql.error("SELECT enum_range(NULL::mood)", "55P04", UNSAFE.format("meh", "mood"))
    sql.setup("ROLLBACK;\nBEGIN;\nALTER TYPE mood ADD VALUE IF NOT EXISTS 'ok';\nALTER TYPE mood ADD VALUE 'zen'")
    sql.error("SELECT enum_last(NULL::mood)", "55P04", UNSAFE.format("zen", "mood"))
    sql.setup("ROLLBACK;\nBEGIN;\nALTER TYPE mood ADD VALUE 'zen';\nALTER TYPE mood RENAME VALUE 'ok' TO 'fine'")
    sql.error("INSERT INTO t VALUES (6, 'zen')", "55P04", UNSAFE.format("zen", "mood"))
    sql.setup("ROLLBACK;\nBEGIN;\nALTER TYPE mood ADD VALUE 'zen';\nALTER TYPE mood RENAME VALUE 'ok' TO 'fine'")
    sql.check("SELECT 'fine'::mood::text", [("fine",)])
    sql.setup("COMMIT;\nINSERT INTO t VALUES (6, 'zen')")
    sql.check("SELECT enum_range(NULL::mood)::text", [("{sad,fine,happy,zen}",)])
    # a type made in the same transaction: its CREATE's labels are usable, an added one is not
    sql.setup("BEGIN;\nCREATE TYPE fresh AS ENUM ('a');\nALTER TYPE fresh ADD VALUE 'b'")
    sql.check("SELECT 'a'::fresh::text", [("a",)])
    sql.error("SELECT 'b'::fresh", "55P04", UNSAFE.format("b", "fresh"))
    sql.setup("ROLLBACK")
    # one simple query is one transaction
    sql.error("ALTER TYPE mood ADD VALUE 'new'; SELECT 'new'::mood", "55P04", UNSAFE.format("new", "mood"))
    sql.check("SELECT count(*) FROM pg_enum WHERE enumlabel = 'new'", [("0",)])


def test_unsafe_new_label_hint_and_parameters(quantadb_server, postgres_server):
    """The error carries PostgreSQL's HINT; a bound parameter and COPY FROM are input too; ADD VALUE
    IF NOT EXISTS on a label there says so with 42710."""
    for server in [quantadb_server] + ([postgres_server] if postgres_server else []):
        server.admin("DROP DATABASE IF EXISTS enumtxn")
        server.admin("CREATE DATABASE enumtxn")
        with psycopg.connect(server.dsn("enumtxn")) as conn:
            notices = []
            conn.add_notice_handler(lambda d: notices.append((d.sqlstate, d.message_primary)))
            conn.execute("CREATE TYPE mood AS ENUM ('sad', 'ok')")
            conn.commit()
            conn.execute("ALTER TYPE mood ADD VALUE IF NOT EXISTS 'ok'")
            assert notices == [
                ("42710", 'enum label "ok" already exists, skipping')]
            conn.execute("ALTER TYPE mood ADD VALUE 'meh'")
            with pytest.raises(psycopg.errors.UnsafeNewEnumValueUsage) as e:
                conn.execute("SELECT %s::mood", ["meh"])
            assert e.value.diag.message_hint == "New enum values must be committed before they can be used."
            conn.rollback()
            conn.execute("CREATE TABLE te (m mood)")
            conn.execute("ALTER TYPE mood ADD VALUE 'meh'")
            with pytest.raises(psycopg.errors.UnsafeNewEnumValueUsage):
                with conn.cursor().copy("COPY te FROM STDIN") as copy:
                    copy.write_row(["meh"])
            conn.rollback()
            conn.execute("ALTER TYPE mood ADD VALUE 'meh'")
            conn.commit()
            assert conn.execute("SELECT %s::mood::text", ["meh"]).fetchone() == ("meh",)
