"""INSTEAD OF triggers on views, as PostgreSQL 15: row-level only, one call per view row the
statement affects with NEW/OLD as view rows; a trigger returning NULL leaves its row uncounted;
RETURNING reads the rows the triggers returned (DELETE: the old ones); a view with one is
writable for that event though not automatically updatable."""

_FUNCTIONS = {  # (one line each: the harness splits statements at a ';' ending a line)
    "vb_ins": "IF NEW.a < 0 THEN RETURN NULL; END IF; INSERT INTO tb VALUES (NEW.a, NEW.b); "
              "NEW.u := 'new ' || TG_OP || ' ' || TG_WHEN || ' ' || TG_LEVEL || ' ' || TG_TABLE_NAME; RETURN NEW;",
    "vb_upd": "UPDATE tb SET b = NEW.b WHERE a = OLD.a; IF OLD.a = 3 THEN RETURN NULL; END IF; RETURN NEW;",
    "vb_del": "DELETE FROM tb WHERE a = OLD.a; RETURN OLD;",
    "note": "INSERT INTO audit VALUES (TG_WHEN || ' ' || TG_OP); RETURN NULL;",
}
_SETUP = """
    CREATE TABLE tb (a int PRIMARY KEY, b text);
    CREATE TABLE audit (what text);
    CREATE VIEW vb AS SELECT a, b, upper(b) AS u, count(*) OVER () AS n FROM tb;
""" + "".join(f"    CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN {body} END $$;\n"
              for name, body in _FUNCTIONS.items()) + """
    CREATE TRIGGER vb_i INSTEAD OF INSERT ON vb FOR EACH ROW EXECUTE FUNCTION vb_ins();
    CREATE TRIGGER vb_u INSTEAD OF UPDATE ON vb FOR EACH ROW EXECUTE FUNCTION vb_upd();
    CREATE TRIGGER vb_d INSTEAD OF DELETE ON vb FOR EACH ROW EXECUTE FUNCTION vb_del();
"""


def test_insert_update_delete_through_the_triggers(sql):
    sql.setup(_SETUP)
    sql.check("INSERT INTO vb VALUES (1, 'x', 'ignored', 0) RETURNING a, b, u",
              [("1", "x", "new INSERT INSTEAD OF ROW vb")])
    sql.check("WITH w AS (INSERT INTO vb (a, b) VALUES (2, 'y'), (3, 'z'), (-1, 'no') RETURNING a) "
              "SELECT count(*) FROM w", [("2",)])
    sql.check("SELECT a, b, u, n FROM vb", [("1", "x", "X", "3"), ("2", "y", "Y", "3"), ("3", "z", "Z", "3")])
    # row 3's trigger returns NULL: written, but neither counted nor returned
    sql.check("UPDATE vb SET b = b || '!' WHERE a >= 2 RETURNING a, b, u", [("2", "y!", "Y")])
    sql.check("SELECT a, b FROM tb", [("1", "x"), ("2", "y!"), ("3", "z!")])
    sql.check("DELETE FROM vb WHERE u = 'X' RETURNING *", [("1", "x", "X", "3")])
    sql.check("SELECT a FROM tb", [("2",), ("3",)])


def test_statement_triggers_on_the_view_fire_around_them(sql):
    sql.setup(_SETUP + """
        CREATE TRIGGER vb_before BEFORE INSERT OR DELETE ON vb FOR EACH STATEMENT EXECUTE FUNCTION note();
        CREATE TRIGGER vb_after AFTER INSERT ON vb EXECUTE FUNCTION note();
        INSERT INTO vb (a, b) VALUES (1, 'x');
        DELETE FROM vb WHERE a = 7;
    """)
    sql.check("SELECT what FROM audit", [("BEFORE INSERT",), ("AFTER INSERT",), ("BEFORE DELETE",)])


def test_catalog_rows(sql):
    sql.setup(_SETUP)
    sql.check("SELECT tgname, tgtype FROM pg_trigger WHERE tgrelid = 'vb'::regclass",
              [("vb_d", "73"), ("vb_i", "69"), ("vb_u", "81")])
    sql.check("SELECT pg_get_triggerdef(oid) FROM pg_trigger WHERE tgname = 'vb_i'",
              [("CREATE TRIGGER vb_i INSTEAD OF INSERT ON public.vb FOR EACH ROW EXECUTE FUNCTION vb_ins()",)])
    sql.check("SELECT is_insertable_into, is_updatable, is_trigger_insertable_into, is_trigger_updatable, "
              "is_trigger_deletable FROM information_schema.views WHERE table_name = 'vb'",
              [("NO", "NO", "YES", "YES", "YES")])
    sql.check("SELECT pg_relation_is_updatable('vb'::regclass, false), pg_relation_is_updatable('vb'::regclass, true)",
              [("0", "28")])


def test_what_postgresql_refuses(sql):
    sql.setup(_SETUP)
    sql.error("CREATE TRIGGER t INSTEAD OF INSERT ON tb FOR EACH ROW EXECUTE FUNCTION vb_ins()", "42809",
              '"tb" is a table')
    sql.error("CREATE TRIGGER t INSTEAD OF INSERT ON vb EXECUTE FUNCTION vb_ins()", "0A000",
              "INSTEAD OF triggers must be FOR EACH ROW")
    sql.error("CREATE TRIGGER t INSTEAD OF INSERT ON vb FOR EACH ROW WHEN (NEW.a > 0) EXECUTE FUNCTION vb_ins()",
              "0A000", "INSTEAD OF triggers cannot have WHEN conditions")
    sql.error("CREATE TRIGGER t INSTEAD OF UPDATE OF a ON vb FOR EACH ROW EXECUTE FUNCTION vb_ins()", "0A000",
              "INSTEAD OF triggers cannot have column lists")
    sql.error("CREATE TRIGGER t BEFORE INSERT ON vb FOR EACH ROW EXECUTE FUNCTION vb_ins()", "42809",
              '"vb" is a view')
    sql.setup("DROP TRIGGER vb_u ON vb")
    sql.error("UPDATE vb SET b = 'q'", "55000", 'cannot update view "vb"')


def test_an_updatable_view_over_a_view_with_them(sql):
    sql.setup(_SETUP + """
        CREATE VIEW top AS SELECT a, b AS bee FROM vb WHERE a > 1;
        INSERT INTO top VALUES (2, 'y'), (3, 'z');
        INSERT INTO top (a) VALUES (5);
    """)
    sql.check("SELECT a, b FROM tb", [("2", "y"), ("3", "z"), ("5", None)])
    sql.check("UPDATE top SET bee = 'w' WHERE a < 5 RETURNING a, bee", [("2", "w")])
    sql.check("DELETE FROM top WHERE bee = 'w' RETURNING *", [("2", "w"), ("3", "w")])
    sql.check("SELECT a, b FROM tb", [("5", None)])
