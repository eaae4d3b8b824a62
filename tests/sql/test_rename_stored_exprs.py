"""Stored expressions follow renames as PostgreSQL's bound trees do: a trigger's WHEN names the
renamed column, a default's regclass constant (serial's nextval) the renamed or moved sequence."""


def test_trigger_when_follows_a_column_rename(sql):
    sql.setup("""
        CREATE TABLE t (a int, b int);
        CREATE FUNCTION mark() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.b := 5; RETURN NEW; END $$;
        CREATE TRIGGER t_mark BEFORE UPDATE ON t FOR EACH ROW WHEN (OLD.a IS DISTINCT FROM NEW.a)
            EXECUTE FUNCTION mark();
        INSERT INTO t VALUES (1, 0), (2, 0);
        ALTER TABLE t RENAME COLUMN a TO x;
        UPDATE t SET x = 3 WHERE x = 1;
        UPDATE t SET x = 2 WHERE x = 2;
    """)
    sql.check("SELECT x, b FROM t", [("3", "5"), ("2", "0")])
    sql.check("SELECT pg_get_triggerdef(oid) FROM pg_trigger WHERE tgname = 't_mark'",
              [("CREATE TRIGGER t_mark BEFORE UPDATE ON public.t FOR EACH ROW WHEN ((old.x IS DISTINCT FROM new.x)) "
                "EXECUTE FUNCTION mark()",)])


def test_defaults_follow_their_sequence(sql):
    sql.setup("""
        CREATE SCHEMA sa;
        CREATE TABLE sa.ser (id serial, v text);
        CREATE SEQUENCE sq;
        CREATE TABLE u (id int DEFAULT nextval('sq'), k int DEFAULT currval('sq'::regclass));
        ALTER SCHEMA sa RENAME TO sb;
        ALTER SEQUENCE sq RENAME TO sq2;
        INSERT INTO sb.ser (v) VALUES ('x');
        INSERT INTO u DEFAULT VALUES;
        CREATE SCHEMA sc;
        ALTER SEQUENCE sq2 SET SCHEMA sc;
        INSERT INTO u DEFAULT VALUES;
    """)
    sql.check("SELECT id, v FROM sb.ser", [("1", "x")])
    sql.check("SELECT id, k FROM u", [("1", "1"), ("2", "2")])
    sql.check("SELECT pg_get_expr(adbin, adrelid) FROM pg_attrdef WHERE adrelid = 'sb.ser'::regclass",
              [("nextval('sb.ser_id_seq'::regclass)",)])
    sql.check("SELECT pg_get_expr(adbin, adrelid) FROM pg_attrdef WHERE adrelid = 'u'::regclass ORDER BY adnum",
              [("nextval('sc.sq2'::regclass)",), ("currval('sc.sq2'::regclass)",)], ordered=True)
