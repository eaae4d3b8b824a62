"""GROUP BY CUBE / ROLLUP / GROUPING SETS and GROUPING()."""


def setup_items(sql):
    sql.setup("""
        CREATE TABLE items_sold (brand varchar, size varchar, sales int);
        INSERT INTO items_sold VALUES ('Foo', 'L', 10), ('Foo', 'M', 20), ('Bar', 'M', 15), ('Bar', 'L', 5);
    """)


def test_cube_and_rollup(sql):
    setup_items(sql)
    sql.check("SELECT brand, size, sum(sales) FROM items_sold GROUP BY CUBE (brand, size)",
              [("Bar", "L", "5"), ("Bar", "M", "15"), ("Bar", None, "20"), ("Foo", "L", "10"), ("Foo", "M", "20"),
               ("Foo", None, "30"), (None, "L", "15"), (None, "M", "35"), (None, None, "50")])
    sql.check("SELECT brand, size, sum(sales) FROM items_sold GROUP BY brand, ROLLUP (size)",
              [("Bar", "L", "5"), ("Bar", "M", "15"), ("Bar", None, "20"), ("Foo", "L", "10"), ("Foo", "M", "20"),
               ("Foo", None, "30")])
    sql.check("SELECT count(*) FROM items_sold GROUP BY GROUPING SETS ((), ())", [("4",), ("4",)])


def test_grouping_function(sql):
    setup_items(sql)
    sql.check("SELECT brand, size, grouping(brand), grouping(size), grouping(brand, size), count(DISTINCT sales) "
              "FROM items_sold GROUP BY GROUPING SETS ((brand), (size), ())",
              [("Bar", None, "0", "1", "1", "2"), ("Foo", None, "0", "1", "1", "2"), (None, "L", "1", "0", "2", "2"),
               (None, "M", "1", "0", "2", "2"), (None, None, "1", "1", "3", "4")])
    sql.check("SELECT brand, grouping(brand) FROM items_sold GROUP BY brand", [("Bar", "0"), ("Foo", "0")])
    sql.error("SELECT 1 FROM items_sold WHERE grouping(brand) = 0", "42803")


def test_grouping_sets_over_outer_references(sql):
    sql.setup("""
        CREATE TABLE integers (i int);
        INSERT INTO integers VALUES (1), (2), (3), (NULL);
    """)
    sql.check("SELECT i, (SELECT count(*) FROM (SELECT i1.i FROM integers GROUP BY GROUPING SETS ((i1.i), (), "
              "(i1.i), (i1.i, i1.i))) AS tbl) AS j FROM integers AS i1",
              [("1", "4"), ("2", "4"), ("3", "4"), (None, "4")])


def test_schema_qualified_count_star(sql):
    sql.check("SELECT pg_catalog.count(*) FROM (VALUES (1), (2)) AS v (x)", [("2",)], columns=["count"])
