"""Strings that storage keeps dictionary-coded (types/column.py): comparisons, LIKE, casts and
functions run once per distinct value in use, GROUP BY on the codes; answers from PostgreSQL 15."""


def test_filters_on_a_dictionary_column(sql):
    """Storage keeps these strings dictionary-coded; calls run once per distinct value in use."""
    sql.setup('CREATE TABLE s (i int, t text, c char(8), v varchar(10))')
    sql.setup("INSERT INTO s SELECT g, CASE g % 4 WHEN 0 THEN 'abc' WHEN 1 THEN '12' WHEN 2 THEN '7' END, CASE g % 3 WHEN 0 THEN 'MAIL' WHEN 1 THEN 'SHIP  ' ELSE 'AIR' END, 'v' || (g % 5) FROM generate_series(1, 3000) g")
    sql.check('SELECT count(*), count(t), count(DISTINCT t), count(DISTINCT c) FROM s',
              [('3000', '2250', '3', '3')])
    sql.check("SELECT count(*) FROM s WHERE c = 'MAIL'",
              [('1000',)])
    sql.check("SELECT count(*) FROM s WHERE c IN ('MAIL', 'SHIP')",
              [('2000',)])
    sql.check("SELECT count(*) FROM s WHERE c <> 'SHIP' AND c > 'AIR'",
              [('1000',)])
    sql.check("SELECT count(*) FROM s WHERE t LIKE '1%' OR t IS NULL",
              [('1500',)])
    sql.check("SELECT count(*) FROM s WHERE t <> 'abc' AND t::int > 5",
              [('1500',)])
    sql.check('SELECT t, c, count(*), min(i), max(v) FROM s GROUP BY t, c ORDER BY t NULLS FIRST, c',
              [(None, 'AIR     ', '250', '11', 'v4'), (None, 'MAIL    ', '250', '3', 'v4'), (None, 'SHIP    ', '250', '7', 'v4'), ('12', 'AIR     ', '250', '5', 'v4'), ('12', 'MAIL    ', '250', '9', 'v4'), ('12', 'SHIP    ', '250', '1', 'v4'), ('7', 'AIR     ', '250', '2', 'v4'), ('7', 'MAIL    ', '250', '6', 'v4'), ('7', 'SHIP    ', '250', '10', 'v4'), ('abc', 'AIR     ', '250', '8', 'v4'), ('abc', 'MAIL    ', '250', '12', 'v4'), ('abc', 'SHIP    ', '250', '4', 'v4')], ordered=True)
    sql.check("SELECT upper(c) || '|', length(t), count(*) FROM s GROUP BY 1, 2 ORDER BY 1, 2 NULLS LAST",
              [('AIR|', '1', '250'), ('AIR|', '2', '250'), ('AIR|', '3', '250'), ('AIR|', None, '250'), ('MAIL|', '1', '250'), ('MAIL|', '2', '250'), ('MAIL|', '3', '250'), ('MAIL|', None, '250'), ('SHIP|', '1', '250'), ('SHIP|', '2', '250'), ('SHIP|', '3', '250'), ('SHIP|', None, '250')], ordered=True)
    sql.check("SELECT sum(CASE WHEN c = 'MAIL' OR c = 'AIR' THEN 1 ELSE 0 END), sum(CASE WHEN c <> 'MAIL' THEN 1 ELSE 0 END) FROM s",
              [('2000', '2000')])
    sql.error('SELECT count(*) FROM s WHERE t::int > 5', '22P02', 'invalid input syntax for type integer: "abc"')
    sql.check('SELECT x, count(*) FROM (SELECT t AS x FROM s WHERE i < 100 UNION ALL SELECT v FROM s WHERE i > 2900) u GROUP BY x ORDER BY x NULLS LAST',
              [('12', '25'), ('7', '25'), ('abc', '24'), ('v0', '20'), ('v1', '20'), ('v2', '20'), ('v3', '20'), ('v4', '20'), (None, '25')], ordered=True)
    sql.check('SELECT count(*) FROM s a JOIN s b ON a.v = b.v WHERE a.i < 50 AND b.i < 60',
              [('579',)])
