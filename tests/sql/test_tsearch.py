"""Full-text search checked against PostgreSQL 15: tsvector and tsquery text forms, errors and
ordering; to_tsvector's parser and configurations; the to_tsquery family; @@ (phrases, weights,
prefixes, stripped vectors); ts_rank / ts_rank_cd values; the tsvector and tsquery functions and
operators; columns in tables; the catalog rows."""

RANK_DOC = ("setweight(to_tsvector('english', 'Search engines rank'), 'A') || to_tsvector('english', "
            "'documents by relevance; the search ranks documents with more matches higher. Searching is fun.')")


def test_tsvector_and_tsquery_text_forms(sql):
    sql.check("SELECT $$'a'b c:3,1,2A,2B d:1D 'x''y' a\\\\b 'it\\'s'$$::tsvector, ' z:5,2 y:16500 '::tsvector, "
              "''::tsvector",
              [("'a' 'a\\\\b' 'b' 'c':1,2A,3 'd':1 'it''s' 'x''y'", "'y':16383 'z':2,5", "")])
    sql.check("SELECT 'a & (b | c) <-> !d:*AB <2> (e <-> f)'::tsquery, '(a <-> b) <-> (c <-> d)'::tsquery, "
              "'a <-> (b <-> c)'::tsquery, '!(a & b) | !!c'::tsquery, 'a:* & b:dC'::tsquery, "
              "$$'x y' & 'it''s'$$::tsquery",
              [("'a' & ( 'b' | 'c' ) <-> !'d':*AB <2> ( 'e' <-> 'f' )", "'a' <-> 'b' <-> ( 'c' <-> 'd' )",
                "'a' <-> ( 'b' <-> 'c' )", "!( 'a' & 'b' ) | !!'c'", "'a':* & 'b':CD", "'x y' & 'it''s'")])
    sql.check("SELECT 'a:1 b:2'::tsvector = 'b:2 a:1'::tsvector, 'a'::tsvector < 'a:1'::tsvector, "
              "'ab'::tsvector > 'b'::tsvector, 'a & b'::tsquery = 'a&b'::tsquery, 'a'::tsquery < 'a & b'::tsquery, "
              "'a:1'::text::tsvector::text",
              [("t", "t", "t", "t", "t", "'a':1")])


def test_input_errors(sql):
    sql.error("SELECT 'a:0'::tsvector", "42601", 'wrong position info in tsvector: "a:0"')
    sql.error("SELECT 'a:1x'::tsvector", "42601", 'syntax error in tsvector: "a:1x"')
    sql.error("SELECT $$'abc$$::tsvector", "42601", 'syntax error in tsvector: "\'abc"')
    sql.error("SELECT 'a &'::tsquery", "42601", 'no operand in tsquery: "a &"')
    sql.error("SELECT 'a b'::tsquery", "42601", 'syntax error in tsquery: "a b"')
    sql.error("SELECT '(a'::tsquery", "42601", 'syntax error in tsquery: "(a"')
    sql.error("SELECT 'a <20000> b'::tsquery", "22023",
              "distance in phrase operator must be an integer value between zero and 16384 inclusive")
    sql.error("SELECT to_tsvector('nosuch', 'x')", "42704", 'text search configuration "nosuch" does not exist')
    sql.error("SELECT to_tsquery('english', 'a b')", "42601", 'syntax error in tsquery: "a b"')


def test_to_tsvector_tokens_and_configurations(sql):
    sql.check("SELECT to_tsvector('english', 'The foo-bar co-operation abc123 -5 1.5 bob@example.com "
              "www.example.com http://ex.com/a/b 3-d café 1.2.3 1e5 /usr/bin <b>x</b> &amp;')",
              [("'-5':9 '/a/b':15 '/usr/bin':21 '1.2.3':19 '1.5':10 '1e5':20 '3':16 'abc123':8 'bar':4 "
                "'bob@example.com':11 'café':18 'co':6 'co-oper':5 'd':17 'ex.com':14 'ex.com/a/b':13 'foo':3 "
                "'foo-bar':2 'oper':7 'www.example.com':12 'x':22",)])
    sql.check("SELECT to_tsvector('simple', 'The Foo-Bar ABC123 the'), to_tsvector('The quick brown foxes'), "
              "to_tsvector('english', ''), to_tsvector('english', 'the and of')",
              [("'abc123':5 'bar':4 'foo':3 'foo-bar':2 'the':1,6", "'brown':3 'fox':4 'quick':2", "", "")])


def test_to_tsquery_family(sql):
    sql.check("SELECT to_tsquery('english', 'supernovae & (stars | !crab) & the <-> cat:*AB'), "
              "to_tsquery('english', 'foo-bar & skies'), to_tsquery('simple', 'The:* | x'), "
              "to_tsquery('english', 'a <-> the <-> cat')",
              [("'supernova' & ( 'star' | !'crab' ) & 'cat':*AB", "'foo-bar' <-> 'foo' <-> 'bar' & 'sky'",
                "'the':* | 'x'", "'cat'")])
    sql.check("SELECT plainto_tsquery('english', 'The Fat & Rats:C'), "
              "phraseto_tsquery('english', 'the cat sat on the mat'), "
              "phraseto_tsquery('english', 'the quick the brown'), plainto_tsquery('english', 'the')",
              [("'fat' & 'rat' & 'c'", "'cat' <-> 'sat' <3> 'mat'", "'quick' <2> 'brown'", "")])
    sql.check("""SELECT websearch_to_tsquery('english', '"supernovae stars" -crab'),
                        websearch_to_tsquery('english', '"sad cat" or "fat rat"'),
                        websearch_to_tsquery('english', 'signal -"segmentation fault"'),
                        websearch_to_tsquery('english', 'cat or or dog'), websearch_to_tsquery('english', 'the or cat'),
                        websearch_to_tsquery('english', 'cat & dog | (mouse)'),
                        websearch_to_tsquery('english', 'foo"bar baz'), websearch_to_tsquery('english', 'a or -b')""",
              [("'supernova' <-> 'star' & !'crab'", "'sad' <-> 'cat' | 'fat' <-> 'rat'",
                "'signal' & !( 'segment' <-> 'fault' )", "'cat' | 'dog'", "'cat'", "'cat' & 'dog' & 'mous'",
                "'foo' & 'bar' <-> 'baz'", "!'b'")])


def test_match_phrases_weights_and_prefixes(sql):
    sql.check("SELECT q, 'a:1 b:2 c:3'::tsvector @@ q FROM unnest(ARRAY['a <-> b', 'a <2> c', 'b <-> a', "
              "'a <-> !c', '!a <-> b', '(a | c) <-> b', 'a <-> (b & c)', 'a <-> !b', '!(a <-> b)', 'a <0> a', "
              "'a:* <-> c', 'b:A', 'b:D', 'a <-> (b <-> c)', 'a & (b <-> c)', 'x | !y', 'x:*', '!a & !x']::tsquery[]) AS q",
              [("'a' <-> 'b'", "t"), ("'a' <2> 'c'", "t"), ("'b' <-> 'a'", "f"), ("'a' <-> !'c'", "t"),
               ("!'a' <-> 'b'", "f"), ("( 'a' | 'c' ) <-> 'b'", "t"), ("'a' <-> ( 'b' & 'c' )", "f"),
               ("'a' <-> !'b'", "f"), ("!( 'a' <-> 'b' )", "f"), ("'a' <0> 'a'", "t"), ("'a':* <-> 'c'", "f"),
               ("'b':A", "f"), ("'b':D", "t"), ("'a' <-> ( 'b' <-> 'c' )", "t"), ("'a' & 'b' <-> 'c'", "t"),
               ("'x' | !'y'", "t"), ("'x':*", "f"), ("!'a' & !'x'", "f")])
    # a stripped vector has no positions: phrases fail, weights are not checked
    sql.check("SELECT q, strip('a:1 b:2 c:3'::tsvector) @@ q, setweight('a:1 b:2'::tsvector, 'B') @@ q "
              "FROM unnest(ARRAY['a <-> b', 'b:A', 'a & !x', '!a <-> b', 'a:B', 'a:AB <-> b', 'b:CD']::tsquery[]) AS q",
              [("'a' <-> 'b'", "f", "t"), ("'b':A", "t", "f"), ("'a' & !'x'", "t", "t"), ("!'a' <-> 'b'", "f", "f"),
               ("'a':B", "t", "t"), ("'a':AB <-> 'b'", "f", "t"), ("'b':CD", "t", "f")])
    sql.check("SELECT 'fat cats' @@ 'cat'::tsquery, 'fat cats ate rats' @@ 'cats & rat', "
              "to_tsvector('fat cats') @@ to_tsquery('cat'), to_tsquery('cat') @@ to_tsvector('fat cats'), "
              "'a'::tsvector @@ ''::tsquery",
              [("t", "t", "t", "t", "f")])


def test_rank_values(sql):
    sql.check(f"SELECT q, ts_rank(v, q), ts_rank_cd(v, q), ts_rank('{{0.1,0.2,0.4,1.0}}', v, q, 4|8), "
              f"ts_rank_cd('{{0.05,0.3,0.5,0.9}}', v, q, 2|4|8|16), ts_rank(v, q, 1|32), ts_rank_cd(v, q, 1) "
              f"FROM (VALUES ({RANK_DOC})) t(v), unnest(ARRAY[to_tsquery('english','search & document'), "
              "to_tsquery('english','search | rank'), to_tsquery('english','search <-> engine'), "
              "to_tsquery('english','!search'), to_tsquery('english','search & !fun'), to_tsquery('english','rank:*'), "
              "to_tsquery('english','missing'), to_tsquery('english', 'search:A & rank')]) AS q",
              [("'search' & 'document'", "0.583772", "0.15560606", "0.0729715", "5.8778023e-05", "0.13626124",
                "0.06066633"),
               ("'search' | 'rank'", "0.6265027", "2.3", "0.07831284", "0.0023922753", "0.14479108", "0.89670384"),
               ("'search' <-> 'engin'", "0.9937774", "1", "0.124222174", "0.002957483", "0.21170247", "0.38987124"),
               ("!'search'", "0.62988", "0", "0.078735", "0", "0.14545809", "0"),
               ("'search' & !'fun'", "0.16098648", "1.2", "0.02012331", "0.00031296117", "0.04169094", "0.4678455"),
               ("'rank':*", "0.6231253", "1.1", "0.077890664", "0.00026014898", "0.14412305", "0.42885837"),
               ("'miss'", "0", "0", "0", "0", "0", "0"),
               ("'search':A & 'rank'", "0.99349034", "0.5", "0.12418629", "0.0014787415", "0.21165426",
                "0.19493562")])
    sql.check("SELECT ts_rank(strip(to_tsvector('english', 'fat cats ate fat rats')), to_tsquery('english', 'cat & rat')), "
              "ts_rank_cd(strip(to_tsvector('english', 'fat cats ate fat rats')), to_tsquery('english', 'cat & rat')), "
              "ts_rank(to_tsvector(''), to_tsquery('cat'))",
              [("1e-16", "0", "0")])
    sql.error("SELECT ts_rank('{0.1,0.2}', 'a'::tsvector, 'a'::tsquery)", "2202E", "array of weight is too short")
    sql.error("SELECT ts_rank('{0.1,0.2,0.3,1.5}', 'a'::tsvector, 'a'::tsquery)", "22023", "weight out of range")
    sql.error("SELECT ts_rank('{0.1,0.2,null,1}', 'a'::tsvector, 'a'::tsquery)", "22004",
              "array of weight must not contain nulls")


def test_vector_and_query_functions(sql):
    sql.check("SELECT setweight('a:1 b:2,3C c'::tsvector, 'A'), setweight('a:1 b:2 c:3'::tsvector, 'c', '{a,c,x}'), "
              "strip('a:1A b:2 c'::tsvector), length('a:1 b:2 c'::tsvector), length(''::tsvector)",
              [("'a':1A 'b':2A,3A 'c'", "'a':1C 'b':2 'c':3C", "'a' 'b' 'c'", "3", "0")])
    sql.check("SELECT 'a:1 b:2'::tsvector || 'b:1 c:3A'::tsvector, 'a b'::tsvector || 'c:2'::tsvector, "
              "'a:3'::tsvector || 'a'::tsvector",
              [("'a':1 'b':2,3 'c':5A", "'a' 'b' 'c':2", "'a':3")])
    sql.check("SELECT numnode('a & !b <-> c'::tsquery), numnode(''::tsquery), querytree('a & !b'::tsquery), "
              "querytree('!b'::tsquery), querytree('a | !b'::tsquery), querytree('(a | !b) & c <-> !d'::tsquery)",
              [("6", "0", "'a'", "T", "T", "'c'")])
    sql.check("SELECT 'a'::tsquery && 'b | c'::tsquery, 'a'::tsquery || 'b & c'::tsquery, !! 'a | b'::tsquery, "
              "tsquery_phrase('a', 'b | c'), tsquery_phrase('a', 'b', 3), 'a'::tsquery && ''::tsquery",
              [("'a' & ( 'b' | 'c' )", "'a' | 'b' & 'c'", "!( 'a' | 'b' )", "'a' <-> ( 'b' | 'c' )", "'a' <3> 'b'",
                "'a'")])
    sql.error("SELECT setweight('a:1'::tsvector, 'x')", "XX000", "unrecognized weight: 120")


def test_columns_in_tables(sql):
    sql.setup("""
        CREATE TABLE ts_docs (id int PRIMARY KEY, body text, v tsvector, q tsquery);
        INSERT INTO ts_docs VALUES (1, 'The fat cat sat on the mat', to_tsvector('english', 'The fat cat sat on the mat'),
            'cat & mat'), (2, 'Dogs chase cats', to_tsvector('english', 'Dogs chase cats'), 'dog'),
            (3, 'nothing', NULL, NULL), (4, 'Fat dogs', 'dog:2 fat:1', 'dog | !cat');
        UPDATE ts_docs SET v = v || to_tsvector('english', 'extra rats') WHERE id = 2
    """)
    sql.check("SELECT id, v, q FROM ts_docs ORDER BY id",
              [("1", "'cat':3 'fat':2 'mat':7 'sat':4", "'cat' & 'mat'"),
               ("2", "'cat':3 'chase':2 'dog':1 'extra':4 'rat':5", "'dog'"), ("3", None, None),
               ("4", "'dog':2 'fat':1", "'dog' | !'cat'")], ordered=True)
    sql.check("SELECT id FROM ts_docs WHERE v @@ to_tsquery('english', 'cats')", [("1",), ("2",)])
    sql.check("SELECT d.id, e.id FROM ts_docs d JOIN ts_docs e ON d.v @@ e.q",
              [("1", "1"), ("2", "2"), ("2", "4"), ("4", "2"), ("4", "4")])
    sql.check("SELECT id, ts_rank(v, to_tsquery('english', 'fat | cat')) r FROM ts_docs WHERE v IS NOT NULL "
              "ORDER BY r DESC, id",
              [("1", "0.06079271"), ("2", "0.030396355"), ("4", "0.030396355")], ordered=True)
    sql.check("SELECT v FROM ts_docs ORDER BY v", [("'dog':2 'fat':1",), ("'cat':3 'fat':2 'mat':7 'sat':4",),
                                                    ("'cat':3 'chase':2 'dog':1 'extra':4 'rat':5",), (None,)],
              ordered=True)
    sql.check("SELECT count(DISTINCT v), count(DISTINCT q) FROM ts_docs", [("3", "3")])
    sql.setup("CREATE TABLE ts_gen (body text, v tsvector GENERATED ALWAYS AS (to_tsvector('english', body)) STORED)")
    sql.setup("INSERT INTO ts_gen (body) VALUES ('Running runners run')")
    sql.check("SELECT v FROM ts_gen", [("'run':1,3 'runner':2",)])


def test_catalog_rows(sql):
    sql.check("SELECT oid, typname, typinput, typoutput, typreceive, typsend, typarray, typcategory FROM pg_type "
              "WHERE oid IN (3614, 3615, 3643, 3645) ORDER BY oid",
              [("3614", "tsvector", "tsvectorin", "tsvectorout", "tsvectorrecv", "tsvectorsend", "3643", "U"),
               ("3615", "tsquery", "tsqueryin", "tsqueryout", "tsqueryrecv", "tsquerysend", "3645", "U"),
               ("3643", "_tsvector", "array_in", "array_out", "array_recv", "array_send", "0", "A"),
               ("3645", "_tsquery", "array_in", "array_out", "array_recv", "array_send", "0", "A")])
    sql.check("SELECT c.oid, cfgname, prsname FROM pg_ts_config c JOIN pg_ts_parser p ON p.oid = c.cfgparser "
              "WHERE cfgname IN ('simple', 'english')",
              [("3748", "simple", "default"), ("13164", "english", "default")])
    sql.check("SELECT dictname, tmplname, dictinitoption FROM pg_ts_dict d JOIN pg_ts_template t "
              "ON t.oid = d.dicttemplate WHERE dictname IN ('simple', 'english_stem')",
              [("simple", "simple", None), ("english_stem", "snowball", "language = 'english', stopwords = 'english'")])
    sql.check("SELECT maptokentype, dictname FROM pg_ts_config_map m JOIN pg_ts_dict d ON d.oid = m.mapdict "
              "WHERE mapcfg = 13164 AND maptokentype IN (1, 2, 3, 16, 22)",
              [("1", "english_stem"), ("2", "english_stem"), ("3", "simple"), ("16", "english_stem"), ("22", "simple")])
    sql.check("SELECT pg_typeof(to_tsvector('a')), pg_typeof(plainto_tsquery('a')), "
              "pg_typeof(ARRAY['a'::tsvector]), current_setting('default_text_search_config')",
              [("tsvector", "tsquery", "tsvector[]", "pg_catalog.english")])


def test_regconfig_regdictionary_and_parser_functions(sql):
    sql.check("SELECT to_tsvector('english'::regconfig, 'cats'), 'english'::regconfig, "
              "'pg_catalog.simple'::regconfig::oid, 13164::regconfig, 'english_stem'::regdictionary, "
              "pg_typeof('simple'::regconfig)",
              [("'cat':1", "english", "3748", "english", "english_stem", "regconfig")])
    sql.check("SELECT ts_lexize('english_stem', 'Running'), ts_lexize('english_stem', 'the'), ts_lexize('simple', 'The')",
              [("{run}", "{}", "{the}")])
    sql.check("SELECT * FROM ts_token_type('default') WHERE tokid IN (1, 12, 23)",
              [("1", "asciiword", "Word, all ASCII"), ("12", "blank", "Space symbols"), ("23", "entity", "XML entity")])
    sql.setup("CREATE TABLE ts_expr (body text, v tsvector GENERATED ALWAYS AS (to_tsvector('english', body)) STORED)")
    sql.check("SELECT pg_get_expr(adbin, adrelid) FROM pg_attrdef WHERE adrelid = 'ts_expr'::regclass",
              [("to_tsvector('english'::regconfig, body)",)])
    sql.error("SELECT 'nosuch'::regconfig", "42704", 'text search configuration "nosuch" does not exist')
    sql.error("SELECT to_tsvector('english'::text, 'x')", "42883")


def test_long_documents(sql):
    # to_tsvector keeps 255 positions a lexeme (the input form 256); covers of ts_rank_cd over them
    doc = "to_tsvector('english', repeat('the fat cat sat on a mat with another rat and a dog ', 300))"
    sql.check(f"SELECT ts_rank_cd(v, q), ts_rank_cd(v, q, 4), v @@ q FROM (SELECT {doc} v) t, "
              "unnest(ARRAY[to_tsquery('cat & rat'), to_tsquery('fat <-> cat'), to_tsquery('dog | mat')]) q",
              [("7.8761907", "1.209341", "t"), ("25.5", "1.9538462", "t"), ("51", "7.8785715", "t")])
    # e-mail local parts take no '+'; lower case is ASCII's only (the C locale)
    sql.check("SELECT to_tsvector('english', 'I''m can''t user.name+tag@mail.example.org v2.0.1 -3.5e-2 x=y "
              "100% C++ naïve_test ÉCOLE')",
              [("'-3.5e-2':8 '100':11 'c':12 'm':2 'naïv':13 'tag@mail.example.org':6 'test':14 'user.name':5 "
                "'v2.0.1':7 'x':9 'y':10 'École':15",)])
