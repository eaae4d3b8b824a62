"""numeric(p,s) on scaled int64 (types/scaled.py): scales, rounding, overflow to the exact Decimal
path and errors as PostgreSQL 15 gives them (expected rows taken from PostgreSQL 15)."""


def test_arithmetic_keeps_postgresql_scales(sql):
    """+ and - keep max(s1, s2), * adds the scales."""
    sql.setup('CREATE TABLE n (id int, a numeric(15,2), b numeric(15,2), c numeric(10,4), e numeric)')
    sql.setup('INSERT INTO n VALUES (1, 1.50, 2.25, 1.2345, 1.5), (2, -1.25, 0.10, -1.2355, 2.25), (3, NULL, 3.00, 0.0050, NULL), (4, 0.00, NULL, -0.0050, 10)')
    sql.check('SELECT id, a + b, a - b, a * b, a * c, -a, abs(a), +a AS plus FROM n ORDER BY id',
              [('1', '3.75', '-0.75', '3.3750', '1.851750', '-1.50', '1.50', '1.50'), ('2', '-1.15', '-1.35', '-0.1250', '1.544375', '1.25', '1.25', '-1.25'), ('3', None, None, None, None, None, None, None), ('4', None, None, None, '0.000000', '0.00', '0.00', '0.00')], ordered=True)
    sql.check('SELECT id, a + 1, a * 2, a - 0.125, 1 - a, a * 1.5, e + a, e * a FROM n ORDER BY id',
              [('1', '2.50', '3.00', '1.375', '-0.50', '2.250', '3.00', '2.250'), ('2', '-0.25', '-2.50', '-1.375', '2.25', '-1.875', '1.00', '-2.8125'), ('3', None, None, None, None, None, None, None), ('4', '1.00', '0.00', '-0.125', '1.00', '0.000', '10.00', '0.00')], ordered=True)
    sql.check('SELECT 0.1::numeric(5,2) * 3, 1.10::numeric(5,2) + 1.1, 2::numeric(5,2) * 0.5',
              [('0.30', '2.20', '1.000')])


def test_comparisons_ignore_scale(sql):
    sql.setup('CREATE TABLE n (id int, a numeric(15,2), b numeric(15,2), c numeric(10,4))')
    sql.setup('INSERT INTO n VALUES (1, 1.50, 2.25, 1.2345), (2, -1.25, 0.10, -1.2355), (3, NULL, 3.00, 0.0050), (4, 0.00, NULL, -0.0050)')
    sql.check('SELECT id FROM n WHERE a = 1.5 ORDER BY id',
              [('1',)], ordered=True)
    sql.check('SELECT id FROM n WHERE a < b ORDER BY id',
              [('1',), ('2',)], ordered=True)
    sql.check('SELECT id FROM n WHERE c > 0.005 OR c = 0.005 ORDER BY id',
              [('1',), ('3',)], ordered=True)
    sql.check('SELECT id, a IN (1.5, 0), a BETWEEN 0 AND 1.5, a = c, a > c FROM n ORDER BY id',
              [('1', 't', 't', 'f', 't'), ('2', 'f', 'f', 'f', 'f'), ('3', None, None, None, None), ('4', 't', 't', 'f', 't')], ordered=True)
    sql.check('SELECT a, count(*) FROM n GROUP BY a ORDER BY a NULLS FIRST',
              [(None, '1'), ('-1.25', '1'), ('0.00', '1'), ('1.50', '1')], ordered=True)
    sql.check('SELECT id, a FROM n ORDER BY a DESC NULLS LAST, id',
              [('1', '1.50'), ('4', '0.00'), ('2', '-1.25'), ('3', None)], ordered=True)
    sql.check('SELECT count(DISTINCT a), count(DISTINCT b) FROM n',
              [('3', '3')])


def test_aggregates_scales_and_nulls(sql):
    sql.setup('CREATE TABLE n (a numeric(15,2), b numeric(15,2), c numeric(10,4), d numeric(18,0))')
    sql.setup('INSERT INTO n VALUES (1.50, 2.25, 1.2345, 999999999999999999), (-1.25, 0.10, -1.2355, 900000000000000000), (NULL, 3.00, 0.0050, -999999999999999999), (0.00, NULL, -0.0050, 1)')
    sql.check('SELECT sum(a), avg(a), min(a), max(a), count(a), sum(a * b), avg(b), avg(c) FROM n',
              [('0.25', '0.08333333333333333333', '-1.25', '1.50', '3', '3.2500', '1.7833333333333333', '-0.00025000000000000000')])
    sql.check('SELECT sum(d), avg(d), min(d), max(d) FROM n',
              [('900000000000000001', '225000000000000000', '-999999999999999999', '999999999999999999')])
    sql.check('SELECT sum(a), avg(a), min(a), max(a) FROM n WHERE a IS NULL',
              [(None, None, None, None)])
    sql.check('SELECT sum(x), avg(x) FROM (VALUES (1.10::numeric(5,2)), (2.2)) t(x)',
              [('3.30', '1.6500000000000000')])


def test_results_beyond_int64_take_the_exact_path(sql):
    sql.setup('CREATE TABLE big (d numeric(18,0), s numeric(18,9))')
    sql.setup('INSERT INTO big SELECT 999999999999999999, 999999999.999999999 FROM generate_series(1, 20)')
    sql.check('SELECT d * d, d + d, d - d, d * 10, -d, s * s, s + d FROM big LIMIT 1',
              [('999999999999999998000000000000000001', '1999999999999999998', '0', '9999999999999999990', '-999999999999999999', '999999999999999998.000000000000000001', '1000000000999999998.999999999')])
    sql.check('SELECT sum(d), avg(d), sum(d * 2), sum(-d), max(d), min(-d) FROM big',
              [('19999999999999999980', '999999999999999999', '39999999999999999960', '-19999999999999999980', '999999999999999999', '-999999999999999999')])
    sql.check('SELECT sum(d * d), sum(s), avg(s), sum(s * s) FROM big',
              [('19999999999999999960000000000000000020', '19999999999.999999980', '999999999.999999999', '19999999999999999960.000000000000000020')])
    sql.check('SELECT count(*) FROM big WHERE d * 10 > s * s',
              [('20',)])


def test_typmod_rounds_half_away_from_zero(sql):
    sql.setup('CREATE TABLE neg (v numeric(6,3))')
    sql.setup('INSERT INTO neg VALUES (-1.2345), (-1.2344), (1.2345), (-0.0005), (-0.0004), (2.5)')
    sql.check('SELECT v, v::numeric(6,2), v::numeric(6,0), v::int, round(v, 2), v::float8 FROM neg ORDER BY 1',
              [('-1.235', '-1.24', '-1', '-1', '-1.24', '-1.235'), ('-1.234', '-1.23', '-1', '-1', '-1.23', '-1.234'), ('-0.001', '0.00', '0', '0', '0.00', '-0.001'), ('0.000', '0.00', '0', '0', '0.00', '0'), ('1.235', '1.24', '1', '1', '1.24', '1.235'), ('2.500', '2.50', '3', '3', '2.50', '2.5')], ordered=True)
    sql.check('SELECT v FROM neg WHERE v = -0.000',
              [('0.000',)])
    sql.check('SELECT sum(v), avg(v), sum(v) / count(*) FROM neg',
              [('1.265', '0.21083333333333333333', '0.21083333333333333333')])
    sql.check('SELECT v::numeric(3,2), v::numeric(12,6), (v * 1000)::numeric(4,0) FROM neg',
              [('-1.24', '-1.235000', '-1235'), ('-1.23', '-1.234000', '-1234'), ('1.24', '1.235000', '1235'), ('0.00', '-0.001000', '-1'), ('0.00', '0.000000', '0'), ('2.50', '2.500000', '2500')])
    sql.error('SELECT (v * 1000)::numeric(3,0) FROM neg', '22003', 'numeric field overflow')
    sql.error('UPDATE neg SET v = v * 1000', '22003', 'numeric field overflow')
    sql.error('INSERT INTO neg VALUES (999.9995)', '22003', 'numeric field overflow')
    sql.setup('INSERT INTO neg VALUES (999.9994)')
    sql.check('SELECT max(v), min(v) FROM neg',
              [('999.999', '-1.235')])


def test_typmod_overflow_and_division_by_zero(sql):
    sql.setup('CREATE TABLE n (a numeric(15,2), c numeric(10,4))')
    sql.setup('INSERT INTO n VALUES (1.50, 1.2345)')
    sql.error('INSERT INTO n (a) VALUES (1000000000000000.00)', '22003', 'numeric field overflow')
    sql.error('INSERT INTO n (a) VALUES (9999999999999.995)', '22003', 'numeric field overflow')
    sql.setup('INSERT INTO n (a) VALUES (-9999999999999.994)')
    sql.error('UPDATE n SET c = c * 10000000', '22003', 'numeric field overflow')
    sql.error("INSERT INTO n (c) VALUES ('Infinity')", '22003', 'numeric field overflow')
    sql.error('SELECT a / 0 FROM n', '22012', 'division by zero')
    sql.error('SELECT c / (a - a) FROM n WHERE a = 1.5', '22012', 'division by zero')
    sql.check('SELECT a / 3, c / a FROM n ORDER BY 1',
              [('-3333333333333.3300', None), ('0.50000000000000000000', '0.82300000000000000000')], ordered=True)


def test_nan_in_a_scaled_column(sql):
    sql.setup('CREATE TABLE n (id int, c numeric(10,4))')
    sql.setup('INSERT INTO n VALUES (1, 1.5), (2, 99999.99995), (3, NULL)')
    sql.setup("INSERT INTO n VALUES (4, 'NaN')")
    sql.setup('INSERT INTO n VALUES (5, -2.25)')
    sql.check('SELECT id, c, c + 1, c * 2 FROM n ORDER BY id',
              [('1', '1.5000', '2.5000', '3.0000'), ('2', '100000.0000', '100001.0000', '200000.0000'), ('3', None, None, None), ('4', 'NaN', 'NaN', 'NaN'), ('5', '-2.2500', '-1.2500', '-4.5000')], ordered=True)
    sql.check('SELECT sum(c), max(c), min(c), avg(c), count(c) FROM n',
              [('NaN', 'NaN', '-2.2500', 'NaN', '4')])
    sql.check('SELECT id FROM n WHERE c > 2 ORDER BY id',
              [('2',), ('4',)], ordered=True)
def test_numeric_nan_groups_and_sorts_as_one_value(sql):
    """NaN equals NaN and sorts above every number (numeric.c), in GROUP BY, DISTINCT, UNION and ORDER BY."""
    sql.setup('CREATE TABLE n (id int, a numeric(15,2), c numeric)')
    sql.setup("INSERT INTO n VALUES (1, 1.50, 'NaN'), (2, 'NaN', 'NaN'), (3, 'NaN', 2), (4, -1, NULL), (5, 'NaN', 'NaN')")
    sql.check('SELECT a, count(*) FROM n GROUP BY a ORDER BY a',
              [('-1.00', '1'), ('1.50', '1'), ('NaN', '3')], ordered=True)
    sql.check('SELECT c, count(*) FROM n GROUP BY c ORDER BY c DESC NULLS LAST',
              [('NaN', '3'), ('2', '1'), (None, '1')], ordered=True)
    sql.check('SELECT count(DISTINCT a), count(DISTINCT c) FROM n',
              [('3', '2')])
    sql.check('SELECT a FROM n UNION SELECT c FROM n ORDER BY 1',
              [('-1.00',), ('1.50',), ('2',), ('NaN',), (None,)], ordered=True)
    sql.check('SELECT DISTINCT c FROM n ORDER BY c',
              [('2',), ('NaN',), (None,)], ordered=True)
    sql.check('SELECT id FROM n ORDER BY c, id',
              [('3',), ('1',), ('2',), ('5',), ('4',)], ordered=True)
