"""CHECK constraints and column defaults print as PostgreSQL's ruleutils.c deparses them
(pg_get_constraintdef, pg_get_expr, information_schema, psql's \\d): bound, with explicit casts
and every operator in parentheses, or in the pretty form without the redundant ones."""

TABLE = """CREATE SEQUENCE s;
CREATE TABLE d (id int DEFAULT nextval('s'), amount numeric CHECK (amount >= 0), name text DEFAULT 'none',
  t timestamptz DEFAULT now() + interval '1 day', f float8 CHECK (f > 1.5 AND f < 100 OR f IS NULL),
  n int CHECK (n IN (1, 2, 3)), c varchar(10) CHECK (c LIKE 'a%'), b bool DEFAULT true, i2 int DEFAULT -1,
  e text CHECK (e <> ALL (ARRAY['x', 'y'])), k int CHECK (CASE WHEN k > 0 THEN k < 10 ELSE k > -10 END),
  z int CHECK (NOT (z = 5)), m int CHECK (n + m * 2 > abs(m) - 1), g text CHECK (lower(g) = g),
  dd date DEFAULT current_date, x numeric(5,2) DEFAULT 1.5, q text CHECK (length(q) BETWEEN 1 AND 5),
  u int CHECK (u IS NOT NULL), v text DEFAULT 'a'::varchar, w int CHECK (w NOT IN (1, 2)),
  y text CHECK (y ILIKE 'q%' AND y NOT LIKE 'z%'), ch char(3) DEFAULT 'ab' CHECK (ch <> 'zz'),
  dt timestamp DEFAULT localtimestamp, i8 bigint DEFAULT 5 CHECK (i8 > 5), nn numeric DEFAULT 0.5,
  ee int DEFAULT (1 + 2) * 3, ar int[] DEFAULT '{1,2}', r real CHECK (r > 1), s2 text CHECK (s2 IS DISTINCT FROM 'a'),
  sc int CHECK (CASE sc WHEN 1 THEN true WHEN 2 + 1 THEN sc > 0 ELSE false END),
  CHECK ((amount + 1) * 2 > amount - (amount - 1) AND amount * 2 / 3 > 0 OR n IS NULL))"""


def test_check_constraints_print_as_postgresql_deparses_them(sql):
    sql.setup(TABLE)
    rows = [
        ("d_amount_check", "CHECK ((amount >= (0)::numeric))", "CHECK (amount >= 0::numeric)"),
        ("d_c_check", "CHECK (((c)::text ~~ 'a%'::text))", "CHECK (c::text ~~ 'a%'::text)"),
        ("d_check", "CHECK (((n + (m * 2)) > (abs(m) - 1)))", "CHECK ((n + m * 2) > (abs(m) - 1))"),
        ("d_check1", "CHECK ((((((amount + (1)::numeric) * (2)::numeric) > (amount - (amount - (1)::numeric))) "
                     "AND (((amount * (2)::numeric) / (3)::numeric) > (0)::numeric)) OR (n IS NULL)))",
         "CHECK (((amount + 1::numeric) * 2::numeric) > (amount - (amount - 1::numeric)) AND "
         "(amount * 2::numeric / 3::numeric) > 0::numeric OR n IS NULL)"),
        ("d_ch_check", "CHECK ((ch <> 'zz'::bpchar))", "CHECK (ch <> 'zz'::bpchar)"),
        ("d_e_check", "CHECK ((e <> ALL (ARRAY['x'::text, 'y'::text])))", "CHECK (e <> ALL (ARRAY['x'::text, 'y'::text]))"),
        ("d_f_check", "CHECK ((((f > (1.5)::double precision) AND (f < (100)::double precision)) OR (f IS NULL)))",
         "CHECK (f > 1.5::double precision AND f < 100::double precision OR f IS NULL)"),
        ("d_g_check", "CHECK ((lower(g) = g))", "CHECK (lower(g) = g)"),
        ("d_i8_check", "CHECK ((i8 > 5))", "CHECK (i8 > 5)"),
        ("d_k_check", "CHECK (\nCASE\n    WHEN (k > 0) THEN (k < 10)\n    ELSE (k > '-10'::integer)\nEND)",
         "CHECK (\nCASE\n    WHEN k > 0 THEN k < 10\n    ELSE k > '-10'::integer\nEND)"),
        ("d_n_check", "CHECK ((n = ANY (ARRAY[1, 2, 3])))", "CHECK (n = ANY (ARRAY[1, 2, 3]))"),
        ("d_sc_check", "CHECK (\nCASE sc\n    WHEN 1 THEN true\n    WHEN (2 + 1) THEN (sc > 0)\n    ELSE false\nEND)",
         "CHECK (\nCASE sc\n    WHEN 1 THEN true\n    WHEN 2 + 1 THEN sc > 0\n    ELSE false\nEND)"),
        ("d_q_check", "CHECK (((length(q) >= 1) AND (length(q) <= 5)))", "CHECK (length(q) >= 1 AND length(q) <= 5)"),
        ("d_r_check", "CHECK ((r > (1)::double precision))", "CHECK (r > 1::double precision)"),
        ("d_s2_check", "CHECK ((s2 IS DISTINCT FROM 'a'::text))", "CHECK (s2 IS DISTINCT FROM 'a'::text)"),
        ("d_u_check", "CHECK ((u IS NOT NULL))", "CHECK (u IS NOT NULL)"),
        ("d_w_check", "CHECK ((w <> ALL (ARRAY[1, 2])))", "CHECK (w <> ALL (ARRAY[1, 2]))"),
        ("d_y_check", "CHECK (((y ~~* 'q%'::text) AND (y !~~ 'z%'::text)))", "CHECK (y ~~* 'q%'::text AND y !~~ 'z%'::text)"),
        ("d_z_check", "CHECK ((NOT (z = 5)))", "CHECK (NOT z = 5)"),
    ]
    sql.check("SELECT conname, pg_get_constraintdef(oid), pg_get_constraintdef(oid, true) FROM pg_constraint "
              "WHERE conrelid = 'd'::regclass", rows)
    sql.check("SELECT conname, 'CHECK (' || pg_get_expr(conbin, conrelid) || ')' = pg_get_constraintdef(oid) "
              "FROM pg_constraint WHERE conrelid = 'd'::regclass AND conname IN ('d_amount_check', 'd_k_check')",
              [("d_amount_check", "t"), ("d_k_check", "t")])
    sql.check("SELECT check_clause FROM information_schema.check_constraints WHERE constraint_name = 'd_c_check'",
              [("(((c)::text ~~ 'a%'::text))",)])


def test_defaults_print_as_postgresql_deparses_them(sql):
    sql.setup(TABLE)
    rows = [("id", "nextval('s'::regclass)"), ("name", "'none'::text"), ("t", "(now() + '1 day'::interval)"),
            ("b", "true"), ("i2", "'-1'::integer"), ("dd", "CURRENT_DATE"), ("x", "1.5"), ("v", "'a'::character varying"),
            ("ch", "'ab'::bpchar"), ("dt", "LOCALTIMESTAMP"), ("i8", "5"), ("nn", "0.5"), ("ee", "((1 + 2) * 3)"),
            ("ar", "'{1,2}'::integer[]")]
    sql.check("SELECT attname, pg_get_expr(adbin, adrelid) FROM pg_attrdef JOIN pg_attribute "
              "ON attrelid = adrelid AND attnum = adnum WHERE adrelid = 'd'::regclass", rows)
    sql.check("SELECT column_name, column_default FROM information_schema.columns WHERE table_name = 'd' "
              "AND column_default IS NOT NULL", rows)


def test_not_like_and_not_in_are_their_negated_operators(sql):
    sql.check("SELECT 1 NOT IN (2, NULL), 1 NOT IN (1, NULL), 3 NOT IN (1, 2), (1, 2) NOT IN ((1, 2)), "
              "1 NOT IN (SELECT 2), 'ab' NOT LIKE 'a%', 'ab' NOT ILIKE 'x%', NOT (1 IN (2))",
              [(None, "f", "t", "f", "t", "f", "t", "t")])
