"""The shape of every generated catalog relation, as PostgreSQL 15 defines it: (schema, name)
-> (the relation's OID, "column type, ..."). Copied from a PostgreSQL 15 server
(pg_attribute joined to format_type; information_schema domains replaced by their base types,
anyarray columns typed text[]). Relations with no row generator are empty."""

SHAPES: dict[tuple[str, str], tuple[int, str]] = {
    ("pg_catalog", "pg_namespace"): (2615,
        'oid oid, nspname name, nspowner oid, nspacl aclitem[]'),
    ("pg_catalog", "pg_class"): (1259,
        'oid oid, relname name, relnamespace oid, reltype oid, reloftype oid, relowner oid, relam '
        'oid, relfilenode oid, reltablespace oid, relpages integer, reltuples real, relallvisible '
        'integer, reltoastrelid oid, relhasindex boolean, relisshared boolean, relpersistence "char",'
        ' relkind "char", relnatts smallint, relchecks smallint, relhasrules boolean, relhastriggers '
        'boolean, relhassubclass boolean, relrowsecurity boolean, relforcerowsecurity boolean, '
        'relispopulated boolean, relreplident "char", relispartition boolean, relrewrite oid, '
        'relfrozenxid xid, relminmxid xid, relacl aclitem[], reloptions text[], relpartbound '
        'pg_node_tree'),
    ("pg_catalog", "pg_attribute"): (1249,
        'attrelid oid, attname name, atttypid oid, attstattarget integer, attlen smallint, attnum '
        'smallint, attndims integer, attcacheoff integer, atttypmod integer, attbyval boolean, '
        'attalign "char", attstorage "char", attcompression "char", attnotnull boolean, atthasdef '
        'boolean, atthasmissing boolean, attidentity "char", attgenerated "char", attisdropped '
        'boolean, attislocal boolean, attinhcount integer, attcollation oid, attacl aclitem[], '
        'attoptions text[], attfdwoptions text[], attmissingval text[]'),
    ("pg_catalog", "pg_type"): (1247,
        'oid oid, typname name, typnamespace oid, typowner oid, typlen smallint, typbyval boolean, '
        'typtype "char", typcategory "char", typispreferred boolean, typisdefined boolean, typdelim '
        '"char", typrelid oid, typsubscript regproc, typelem oid, typarray oid, typinput regproc, '
        'typoutput regproc, typreceive regproc, typsend regproc, typmodin regproc, typmodout regproc,'
        ' typanalyze regproc, typalign "char", typstorage "char", typnotnull boolean, typbasetype '
        'oid, typtypmod integer, typndims integer, typcollation oid, typdefaultbin pg_node_tree, '
        'typdefault text, typacl aclitem[]'),
    ("pg_catalog", "pg_index"): (2610,
        'indexrelid oid, indrelid oid, indnatts smallint, indnkeyatts smallint, indisunique boolean, '
        'indnullsnotdistinct boolean, indisprimary boolean, indisexclusion boolean, indimmediate '
        'boolean, indisclustered boolean, indisvalid boolean, indcheckxmin boolean, indisready '
        'boolean, indislive boolean, indisreplident boolean, indkey int2vector, indcollation '
        'oidvector, indclass oidvector, indoption int2vector, indexprs pg_node_tree, indpred '
        'pg_node_tree'),
    ("pg_catalog", "pg_constraint"): (2606,
        'oid oid, conname name, connamespace oid, contype "char", condeferrable boolean, condeferred '
        'boolean, convalidated boolean, conrelid oid, contypid oid, conindid oid, conparentid oid, '
        'confrelid oid, confupdtype "char", confdeltype "char", confmatchtype "char", conislocal '
        'boolean, coninhcount integer, connoinherit boolean, conkey smallint[], confkey smallint[], '
        'conpfeqop oid[], conppeqop oid[], conffeqop oid[], confdelsetcols smallint[], conexclop '
        'oid[], conbin pg_node_tree'),
    ("pg_catalog", "pg_attrdef"): (2604,
        'oid oid, adrelid oid, adnum smallint, adbin pg_node_tree'),
    ("pg_catalog", "pg_database"): (1262,
        'oid oid, datname name, datdba oid, encoding integer, datlocprovider "char", datistemplate '
        'boolean, datallowconn boolean, datconnlimit integer, datfrozenxid xid, datminmxid xid, '
        'dattablespace oid, datcollate text, datctype text, daticulocale text, datcollversion text, '
        'datacl aclitem[]'),
    ("pg_catalog", "pg_roles"): (12000,
        'rolname name, rolsuper boolean, rolinherit boolean, rolcreaterole boolean, rolcreatedb '
        'boolean, rolcanlogin boolean, rolreplication boolean, rolconnlimit integer, rolpassword '
        'text, rolvaliduntil timestamp with time zone, rolbypassrls boolean, rolconfig text[], oid '
        'oid'),
    ("pg_catalog", "pg_authid"): (1260,
        'oid oid, rolname name, rolsuper boolean, rolinherit boolean, rolcreaterole boolean, '
        'rolcreatedb boolean, rolcanlogin boolean, rolreplication boolean, rolbypassrls boolean, '
        'rolconnlimit integer, rolpassword text, rolvaliduntil timestamp with time zone'),
    ("pg_catalog", "pg_user"): (12014,
        'usename name, usesysid oid, usecreatedb boolean, usesuper boolean, userepl boolean, '
        'usebypassrls boolean, passwd text, valuntil timestamp with time zone, useconfig text[]'),
    ("pg_catalog", "pg_auth_members"): (1261,
        'roleid oid, member oid, grantor oid, admin_option boolean'),
    ("pg_catalog", "pg_settings"): (12104,
        'name text, setting text, unit text, category text, short_desc text, extra_desc text, context'
        ' text, vartype text, source text, min_val text, max_val text, enumvals text[], boot_val '
        'text, reset_val text, sourcefile text, sourceline integer, pending_restart boolean'),
    ("pg_catalog", "pg_proc"): (1255,
        'oid oid, proname name, pronamespace oid, proowner oid, prolang oid, procost real, prorows '
        'real, provariadic oid, prosupport regproc, prokind "char", prosecdef boolean, proleakproof '
        'boolean, proisstrict boolean, proretset boolean, provolatile "char", proparallel "char", '
        'pronargs smallint, pronargdefaults smallint, prorettype oid, proargtypes oidvector, '
        'proallargtypes oid[], proargmodes "char"[], proargnames text[], proargdefaults pg_node_tree,'
        ' protrftypes oid[], prosrc text, probin text, prosqlbody pg_node_tree, proconfig text[], '
        'proacl aclitem[]'),
    ("pg_catalog", "pg_description"): (2609,
        'objoid oid, classoid oid, objsubid integer, description text'),
    ("pg_catalog", "pg_am"): (2601,
        'oid oid, amname name, amhandler regproc, amtype "char"'),
    ("pg_catalog", "pg_inherits"): (2611,
        'inhrelid oid, inhparent oid, inhseqno integer, inhdetachpending boolean'),
    ("pg_catalog", "pg_tablespace"): (1213,
        'oid oid, spcname name, spcowner oid, spcacl aclitem[], spcoptions text[]'),
    ("pg_catalog", "pg_extension"): (3079,
        'oid oid, extname name, extowner oid, extnamespace oid, extrelocatable boolean, extversion '
        'text, extconfig oid[], extcondition text[]'),
    ("pg_catalog", "pg_collation"): (3456,
        'oid oid, collname name, collnamespace oid, collowner oid, collprovider "char", '
        'collisdeterministic boolean, collencoding integer, collcollate text, collctype text, '
        'colliculocale text, collversion text'),
    ("pg_catalog", "pg_sequence"): (2224,
        'seqrelid oid, seqtypid oid, seqstart bigint, seqincrement bigint, seqmax bigint, seqmin '
        'bigint, seqcache bigint, seqcycle boolean'),
    ("pg_catalog", "pg_sequences"): (12048,
        'schemaname name, sequencename name, sequenceowner name, data_type regtype, start_value '
        'bigint, min_value bigint, max_value bigint, increment_by bigint, cycle boolean, cache_size '
        'bigint, last_value bigint'),
    ("pg_catalog", "pg_views"): (12028,
        'schemaname name, viewname name, viewowner name, definition text'),
    ("pg_catalog", "pg_tables"): (12033,
        'schemaname name, tablename name, tableowner name, tablespace name, hasindexes boolean, '
        'hasrules boolean, hastriggers boolean, rowsecurity boolean'),
    ("pg_catalog", "pg_indexes"): (12043,
        'schemaname name, tablename name, indexname name, tablespace name, indexdef text'),
    ("pg_catalog", "pg_stat_activity"): (12222,
        'datid oid, datname name, pid integer, leader_pid integer, usesysid oid, usename name, '
        'application_name text, client_addr inet, client_hostname text, client_port integer, '
        'backend_start timestamp with time zone, xact_start timestamp with time zone, query_start '
        'timestamp with time zone, state_change timestamp with time zone, wait_event_type text, '
        'wait_event text, state text, backend_xid xid, backend_xmin xid, query_id bigint, query text,'
        ' backend_type text'),
    ("pg_catalog", "pg_stat_user_tables"): (12161,
        'relid oid, schemaname name, relname name, seq_scan bigint, seq_tup_read bigint, idx_scan '
        'bigint, idx_tup_fetch bigint, n_tup_ins bigint, n_tup_upd bigint, n_tup_del bigint, '
        'n_tup_hot_upd bigint, n_live_tup bigint, n_dead_tup bigint, n_mod_since_analyze bigint, '
        'n_ins_since_vacuum bigint, last_vacuum timestamp with time zone, last_autovacuum timestamp '
        'with time zone, last_analyze timestamp with time zone, last_autoanalyze timestamp with time '
        'zone, vacuum_count bigint, autovacuum_count bigint, analyze_count bigint, autoanalyze_count '
        'bigint'),
    ("pg_catalog", "pg_stat_all_tables"): (12142,
        'relid oid, schemaname name, relname name, seq_scan bigint, seq_tup_read bigint, idx_scan '
        'bigint, idx_tup_fetch bigint, n_tup_ins bigint, n_tup_upd bigint, n_tup_del bigint, '
        'n_tup_hot_upd bigint, n_live_tup bigint, n_dead_tup bigint, n_mod_since_analyze bigint, '
        'n_ins_since_vacuum bigint, last_vacuum timestamp with time zone, last_autovacuum timestamp '
        'with time zone, last_analyze timestamp with time zone, last_autoanalyze timestamp with time '
        'zone, vacuum_count bigint, autovacuum_count bigint, analyze_count bigint, autoanalyze_count '
        'bigint'),
    ("pg_catalog", "pg_statio_user_tables"): (12179,
        'relid oid, schemaname name, relname name, heap_blks_read bigint, heap_blks_hit bigint, '
        'idx_blks_read bigint, idx_blks_hit bigint, toast_blks_read bigint, toast_blks_hit bigint, '
        'tidx_blks_read bigint, tidx_blks_hit bigint'),
    ("pg_catalog", "pg_stat_user_indexes"): (12192,
        'relid oid, indexrelid oid, schemaname name, relname name, indexrelname name, idx_scan '
        'bigint, idx_tup_read bigint, idx_tup_fetch bigint'),
    ("pg_catalog", "pg_statio_all_tables"): (12170,
        'relid oid, schemaname name, relname name, heap_blks_read bigint, heap_blks_hit bigint, '
        'idx_blks_read bigint, idx_blks_hit bigint, toast_blks_read bigint, toast_blks_hit bigint, '
        'tidx_blks_read bigint, tidx_blks_hit bigint'),
    ("pg_catalog", "pg_stat_all_indexes"): (12183,
        'relid oid, indexrelid oid, schemaname name, relname name, indexrelname name, idx_scan '
        'bigint, idx_tup_read bigint, idx_tup_fetch bigint'),
    ("pg_catalog", "pg_statio_all_indexes"): (12196,
        'relid oid, indexrelid oid, schemaname name, relname name, indexrelname name, idx_blks_read '
        'bigint, idx_blks_hit bigint'),
    ("pg_catalog", "pg_statio_user_indexes"): (12205,
        'relid oid, indexrelid oid, schemaname name, relname name, indexrelname name, idx_blks_read '
        'bigint, idx_blks_hit bigint'),
    ("pg_catalog", "pg_statio_all_sequences"): (12209,
        'relid oid, schemaname name, relname name, blks_read bigint, blks_hit bigint'),
    ("pg_catalog", "pg_statio_user_sequences"): (12218,
        'relid oid, schemaname name, relname name, blks_read bigint, blks_hit bigint'),
    ("pg_catalog", "pg_policies"): (12018,
        'schemaname name, tablename name, policyname name, permissive text, roles name[], cmd text, '
        'qual text, with_check text'),
    ("pg_catalog", "pg_stats"): (12053,
        'schemaname name, tablename name, attname name, inherited boolean, null_frac real, avg_width '
        'integer, n_distinct real, most_common_vals text[], most_common_freqs real[], histogram_bounds '
        'text[], correlation real, most_common_elems text[], most_common_elem_freqs real[], '
        'elem_count_histogram real[]'),
    ("pg_catalog", "pg_locks"): (12073,
        'locktype text, database oid, relation oid, page integer, tuple smallint, virtualxid text, '
        'transactionid xid, classid oid, objid oid, objsubid smallint, virtualtransaction text, pid '
        'integer, mode text, granted boolean, fastpath boolean, waitstart timestamp with time zone'),
    ("pg_catalog", "pg_range"): (3541,
        'rngtypid oid, rngsubtype oid, rngmultitypid oid, rngcollation oid, rngsubopc oid, '
        'rngcanonical regproc, rngsubdiff regproc'),
    ("pg_catalog", "pg_stat_replication"): (12227,
        'pid integer, usesysid oid, usename name, application_name text, client_addr inet, '
        'client_hostname text, client_port integer, backend_start timestamp with time zone, '
        'backend_xmin xid, state text, sent_lsn pg_lsn, write_lsn pg_lsn, flush_lsn pg_lsn, '
        'replay_lsn pg_lsn, write_lag interval, flush_lag interval, replay_lag interval, '
        'sync_priority integer, sync_state text, reply_time timestamp with time zone'),
    ("pg_catalog", "pg_stat_wal_receiver"): (12236,
        'pid integer, status text, receive_start_lsn pg_lsn, receive_start_tli integer, written_lsn '
        'pg_lsn, flushed_lsn pg_lsn, received_tli integer, last_msg_send_time timestamp with time '
        'zone, last_msg_receipt_time timestamp with time zone, latest_end_lsn pg_lsn, latest_end_time'
        ' timestamp with time zone, slot_name text, sender_host text, sender_port integer, conninfo '
        'text'),
    ("pg_catalog", "pg_policy"): (3256,
        'oid oid, polname name, polrelid oid, polcmd "char", polpermissive boolean, polroles oid[], '
        'polqual pg_node_tree, polwithcheck pg_node_tree'),
    ("pg_catalog", "pg_statistic_ext"): (3381,
        'oid oid, stxrelid oid, stxname name, stxnamespace oid, stxowner oid, stxstattarget integer, '
        'stxkeys int2vector, stxkind "char"[], stxexprs pg_node_tree'),
    ("pg_catalog", "pg_publication"): (6104,
        'oid oid, pubname name, pubowner oid, puballtables boolean, pubinsert boolean, pubupdate '
        'boolean, pubdelete boolean, pubtruncate boolean, pubviaroot boolean'),
    ("pg_catalog", "pg_publication_rel"): (6106,
        'oid oid, prpubid oid, prrelid oid, prqual pg_node_tree, prattrs int2vector'),
    ("pg_catalog", "pg_publication_namespace"): (6237,
        'oid oid, pnpubid oid, pnnspid oid'),
    ("pg_catalog", "pg_partitioned_table"): (3350,
        'partrelid oid, partstrat "char", partnatts smallint, partdefid oid, partattrs int2vector, '
        'partclass oidvector, partcollation oidvector, partexprs pg_node_tree'),
    ("pg_catalog", "pg_trigger"): (2620,
        'oid oid, tgrelid oid, tgparentid oid, tgname name, tgfoid oid, tgtype smallint, tgenabled '
        '"char", tgisinternal boolean, tgconstrrelid oid, tgconstrindid oid, tgconstraint oid, '
        'tgdeferrable boolean, tginitdeferred boolean, tgnargs smallint, tgattr int2vector, tgargs '
        'bytea, tgqual pg_node_tree, tgoldtable name, tgnewtable name'),
    ("pg_catalog", "pg_rewrite"): (2618,
        'oid oid, rulename name, ev_class oid, ev_type "char", ev_enabled "char", is_instead boolean,'
        ' ev_qual pg_node_tree, ev_action pg_node_tree'),
    ("pg_catalog", "pg_depend"): (2608,
        'classid oid, objid oid, objsubid integer, refclassid oid, refobjid oid, refobjsubid integer,'
        ' deptype "char"'),
    ("pg_catalog", "pg_shdepend"): (1214,
        'dbid oid, classid oid, objid oid, objsubid integer, refclassid oid, refobjid oid, deptype '
        '"char"'),
    ("pg_catalog", "pg_shdescription"): (2396,
        'objoid oid, classoid oid, description text'),
    ("pg_catalog", "pg_seclabels"): (12099,
        'objoid oid, classoid oid, objsubid integer, objtype text, objnamespace oid, objname text, '
        'provider text, label text'),
    ("pg_catalog", "pg_seclabel"): (3596,
        'objoid oid, classoid oid, objsubid integer, provider text, label text'),
    ("pg_catalog", "pg_shseclabel"): (3592,
        'objoid oid, classoid oid, provider text, label text'),
    ("pg_catalog", "pg_prepared_xacts"): (12090,
        'transaction xid, gid text, prepared timestamp with time zone, owner name, database name'),
    ("pg_catalog", "pg_cursors"): (12077,
        'name text, statement text, is_holdable boolean, is_binary boolean, is_scrollable boolean, '
        'creation_time timestamp with time zone'),
    ("pg_catalog", "pg_enum"): (3501,
        'oid oid, enumtypid oid, enumsortorder real, enumlabel name'),
    ("pg_catalog", "pg_operator"): (2617,
        'oid oid, oprname name, oprnamespace oid, oprowner oid, oprkind "char", oprcanmerge boolean, '
        'oprcanhash boolean, oprleft oid, oprright oid, oprresult oid, oprcom oid, oprnegate oid, '
        'oprcode regproc, oprrest regproc, oprjoin regproc'),
    ("pg_catalog", "pg_stat_database"): (12266,
        'datid oid, datname name, numbackends integer, xact_commit bigint, xact_rollback bigint, '
        'blks_read bigint, blks_hit bigint, tup_returned bigint, tup_fetched bigint, tup_inserted '
        'bigint, tup_updated bigint, tup_deleted bigint, conflicts bigint, temp_files bigint, '
        'temp_bytes bigint, deadlocks bigint, checksum_failures bigint, checksum_last_failure '
        'timestamp with time zone, blk_read_time double precision, blk_write_time double precision, '
        'session_time double precision, active_time double precision, idle_in_transaction_time double'
        ' precision, sessions bigint, sessions_abandoned bigint, sessions_fatal bigint, '
        'sessions_killed bigint, stats_reset timestamp with time zone'),
    ("pg_catalog", "pg_stat_gssapi"): (12253,
        'pid integer, gss_authenticated boolean, principal text, encrypted boolean'),
    ("pg_catalog", "pg_stat_ssl"): (12249,
        'pid integer, ssl boolean, version text, cipher text, bits integer, client_dn text, '
        'client_serial numeric, issuer_dn text'),
    ("pg_catalog", "pg_replication_slots"): (12257,
        'slot_name name, plugin name, slot_type text, datoid oid, database name, temporary boolean, '
        'active boolean, active_pid integer, xmin xid, catalog_xmin xid, restart_lsn pg_lsn, '
        'confirmed_flush_lsn pg_lsn, wal_status text, safe_wal_size bigint, two_phase boolean'),
    ("pg_catalog", "pg_foreign_table"): (3118,
        'ftrelid oid, ftserver oid, ftoptions text[]'),
    ("pg_catalog", "pg_foreign_server"): (1417,
        'oid oid, srvname name, srvowner oid, srvfdw oid, srvtype text, srvversion text, srvacl '
        'aclitem[], srvoptions text[]'),
    ("pg_catalog", "pg_foreign_data_wrapper"): (2328,
        'oid oid, fdwname name, fdwowner oid, fdwhandler oid, fdwvalidator oid, fdwacl aclitem[], '
        'fdwoptions text[]'),
    ("pg_catalog", "pg_user_mapping"): (1418,
        'oid oid, umuser oid, umserver oid, umoptions text[]'),
    ("pg_catalog", "pg_cast"): (2605,
        'oid oid, castsource oid, casttarget oid, castfunc oid, castcontext "char", castmethod "char"'),
    ("pg_catalog", "pg_opclass"): (2616,
        'oid oid, opcmethod oid, opcname name, opcnamespace oid, opcowner oid, opcfamily oid, '
        'opcintype oid, opcdefault boolean, opckeytype oid'),
    ("pg_catalog", "pg_amop"): (2602,
        'oid oid, amopfamily oid, amoplefttype oid, amoprighttype oid, amopstrategy smallint, '
        'amoppurpose "char", amopopr oid, amopmethod oid, amopsortfamily oid'),
    ("pg_catalog", "pg_amproc"): (2603,
        'oid oid, amprocfamily oid, amproclefttype oid, amprocrighttype oid, amprocnum smallint, amproc '
        'regproc'),
    ("pg_catalog", "pg_subscription_rel"): (6102,
        'srsubid oid, srrelid oid, srsubstate "char", srsublsn pg_lsn'),
    ("pg_catalog", "pg_ts_config_map"): (3603,
        'mapcfg oid, maptokentype integer, mapseqno integer, mapdict oid'),
    ("pg_catalog", "pg_opfamily"): (2753,
        'oid oid, opfmethod oid, opfname name, opfnamespace oid, opfowner oid'),
    ("pg_catalog", "pg_language"): (2612,
        'oid oid, lanname name, lanowner oid, lanispl boolean, lanpltrusted boolean, lanplcallfoid '
        'oid, laninline oid, lanvalidator oid, lanacl aclitem[]'),
    ("pg_catalog", "pg_event_trigger"): (3466,
        'oid oid, evtname name, evtevent name, evtowner oid, evtfoid oid, evtenabled "char", evttags '
        'text[]'),
    ("pg_catalog", "pg_matviews"): (12038,
        'schemaname name, matviewname name, matviewowner name, tablespace name, hasindexes boolean, '
        'ispopulated boolean, definition text'),
    ("pg_catalog", "pg_aggregate"): (2600,
        'aggfnoid regproc, aggkind "char", aggnumdirectargs smallint, aggtransfn regproc, aggfinalfn '
        'regproc, aggcombinefn regproc, aggserialfn regproc, aggdeserialfn regproc, aggmtransfn '
        'regproc, aggminvtransfn regproc, aggmfinalfn regproc, aggfinalextra boolean, aggmfinalextra '
        'boolean, aggfinalmodify "char", aggmfinalmodify "char", aggsortop oid, aggtranstype oid, '
        'aggtransspace integer, aggmtranstype oid, aggmtransspace integer, agginitval text, '
        'aggminitval text'),
    ("pg_catalog", "pg_conversion"): (2607,
        'oid oid, conname name, connamespace oid, conowner oid, conforencoding integer, contoencoding'
        ' integer, conproc regproc, condefault boolean'),
    ("pg_catalog", "pg_default_acl"): (826,
        'oid oid, defaclrole oid, defaclnamespace oid, defaclobjtype "char", defaclacl aclitem[]'),
    ("pg_catalog", "pg_init_privs"): (3394,
        'objoid oid, classoid oid, objsubid integer, privtype "char", initprivs aclitem[]'),
    ("pg_catalog", "pg_largeobject_metadata"): (2995,
        'oid oid, lomowner oid, lomacl aclitem[]'),
    ("pg_catalog", "pg_subscription"): (6100,
        'oid oid, subdbid oid, subskiplsn pg_lsn, subname name, subowner oid, subenabled boolean, '
        'subbinary boolean, substream boolean, subtwophasestate "char", subdisableonerr boolean, '
        'subconninfo text, subslotname name, subsynccommit text, subpublications text[]'),
    ("pg_catalog", "pg_stat_progress_vacuum"): (12302,
        'pid integer, datid oid, datname name, relid oid, phase text, heap_blks_total bigint, '
        'heap_blks_scanned bigint, heap_blks_vacuumed bigint, index_vacuum_count bigint, '
        'max_dead_tuples bigint, num_dead_tuples bigint'),
    ("pg_catalog", "pg_ts_config"): (3602,
        'oid oid, cfgname name, cfgnamespace oid, cfgowner oid, cfgparser oid'),
    ("pg_catalog", "pg_ts_dict"): (3600,
        'oid oid, dictname name, dictnamespace oid, dictowner oid, dicttemplate oid, dictinitoption '
        'text'),
    ("pg_catalog", "pg_ts_parser"): (3601,
        'oid oid, prsname name, prsnamespace oid, prsstart regproc, prstoken regproc, prsend regproc,'
        ' prsheadline regproc, prslextype regproc'),
    ("pg_catalog", "pg_ts_template"): (3764,
        'oid oid, tmplname name, tmplnamespace oid, tmplinit regproc, tmpllexize regproc'),
    ("pg_catalog", "pg_transform"): (3576,
        'oid oid, trftype oid, trflang oid, trffromsql regproc, trftosql regproc'),
    ("pg_catalog", "pg_prepared_statements"): (12095,
        'name text, statement text, prepare_time timestamp with time zone, parameter_types regtype[],'
        ' from_sql boolean, generic_plans bigint, custom_plans bigint'),
    ("pg_catalog", "pg_available_extensions"): (12081,
        'name name, default_version text, installed_version text, comment text'),
    ("pg_catalog", "pg_available_extension_versions"): (12085,
        'name name, version text, installed boolean, superuser boolean, trusted boolean, relocatable '
        'boolean, schema name, requires name[], comment text'),
    ("pg_catalog", "pg_timezone_names"): (12126,
        'name text, abbrev text, utc_offset interval, is_dst boolean'),
    ("pg_catalog", "pg_stat_bgwriter"): (12289,
        'checkpoints_timed bigint, checkpoints_req bigint, checkpoint_write_time double precision, '
        'checkpoint_sync_time double precision, buffers_checkpoint bigint, buffers_clean bigint, '
        'maxwritten_clean bigint, buffers_backend bigint, buffers_backend_fsync bigint, buffers_alloc'
        ' bigint, stats_reset timestamp with time zone'),
    ("pg_catalog", "pg_db_role_setting"): (2964,
        'setdatabase oid, setrole oid, setconfig text[]'),
    ("pg_catalog", "pg_group"): (12010,
        'groname name, grosysid oid, grolist oid[]'),
    ("pg_catalog", "pg_shadow"): (12005,
        'usename name, usesysid oid, usecreatedb boolean, usesuper boolean, userepl boolean, '
        'usebypassrls boolean, passwd text, valuntil timestamp with time zone, useconfig text[]'),
    ("pg_catalog", "pg_stat_archiver"): (12285,
        'archived_count bigint, last_archived_wal text, last_archived_time timestamp with time zone, '
        'failed_count bigint, last_failed_wal text, last_failed_time timestamp with time zone, '
        'stats_reset timestamp with time zone'),
    ("information_schema", "schemata"): (13382,
        'catalog_name name, schema_name name, schema_owner name, default_character_set_catalog name, '
        'default_character_set_schema name, default_character_set_name name, sql_path character '
        'varying'),
    ("information_schema", "tables"): (13425,
        'table_catalog name, table_schema name, table_name name, table_type character varying, '
        'self_referencing_column_name name, reference_generation character varying, '
        'user_defined_type_catalog name, user_defined_type_schema name, user_defined_type_name name, '
        'is_insertable_into character varying(3), is_typed character varying(3), commit_action '
        'character varying'),
    ("information_schema", "columns"): (13295,
        'table_catalog name, table_schema name, table_name name, column_name name, ordinal_position '
        'integer, column_default character varying, is_nullable character varying(3), data_type '
        'character varying, character_maximum_length integer, character_octet_length integer, '
        'numeric_precision integer, numeric_precision_radix integer, numeric_scale integer, '
        'datetime_precision integer, interval_type character varying, interval_precision integer, '
        'character_set_catalog name, character_set_schema name, character_set_name name, '
        'collation_catalog name, collation_schema name, collation_name name, domain_catalog name, '
        'domain_schema name, domain_name name, udt_catalog name, udt_schema name, udt_name name, '
        'scope_catalog name, scope_schema name, scope_name name, maximum_cardinality integer, '
        'dtd_identifier name, is_self_referencing character varying(3), is_identity character '
        'varying(3), identity_generation character varying, identity_start character varying, '
        'identity_increment character varying, identity_maximum character varying, identity_minimum '
        'character varying, identity_cycle character varying(3), is_generated character varying, '
        'generation_expression character varying, is_updatable character varying(3)'),
    ("information_schema", "views"): (13483,
        'table_catalog name, table_schema name, table_name name, view_definition character varying, '
        'check_option character varying, is_updatable character varying(3), is_insertable_into '
        'character varying(3), is_trigger_updatable character varying(3), is_trigger_deletable '
        'character varying(3), is_trigger_insertable_into character varying(3)'),
    ("information_schema", "table_constraints"): (13411,
        'constraint_catalog name, constraint_schema name, constraint_name name, table_catalog name, '
        'table_schema name, table_name name, constraint_type character varying, is_deferrable '
        'character varying(3), initially_deferred character varying(3), enforced character '
        'varying(3), nulls_distinct character varying(3)'),
    ("information_schema", "key_column_usage"): (13329,
        'constraint_catalog name, constraint_schema name, constraint_name name, table_catalog name, '
        'table_schema name, table_name name, column_name name, ordinal_position integer, '
        'position_in_unique_constraint integer'),
    ("information_schema", "referential_constraints"): (13339,
        'constraint_catalog name, constraint_schema name, constraint_name name, '
        'unique_constraint_catalog name, unique_constraint_schema name, unique_constraint_name name, '
        'match_option character varying, update_rule character varying, delete_rule character varying'),
    ("information_schema", "constraint_column_usage"): (13300,
        'table_catalog name, table_schema name, table_name name, column_name name, constraint_catalog'
        ' name, constraint_schema name, constraint_name name'),
    ("information_schema", "sequences"): (13386,
        'sequence_catalog name, sequence_schema name, sequence_name name, data_type character '
        'varying, numeric_precision integer, numeric_precision_radix integer, numeric_scale integer, '
        'start_value character varying, minimum_value character varying, maximum_value character '
        'varying, increment character varying, cycle_option character varying(3)'),
    ("information_schema", "routines"): (13377,
        'specific_catalog name, specific_schema name, specific_name name, routine_catalog name, '
        'routine_schema name, routine_name name, routine_type character varying, module_catalog name,'
        ' module_schema name, module_name name, udt_catalog name, udt_schema name, udt_name name, '
        'data_type character varying, character_maximum_length integer, character_octet_length '
        'integer, character_set_catalog name, character_set_schema name, character_set_name name, '
        'collation_catalog name, collation_schema name, collation_name name, numeric_precision '
        'integer, numeric_precision_radix integer, numeric_scale integer, datetime_precision integer,'
        ' interval_type character varying, interval_precision integer, type_udt_catalog name, '
        'type_udt_schema name, type_udt_name name, scope_catalog name, scope_schema name, scope_name '
        'name, maximum_cardinality integer, dtd_identifier name, routine_body character varying, '
        'routine_definition character varying, external_name character varying, external_language '
        'character varying, parameter_style character varying, is_deterministic character varying(3),'
        ' sql_data_access character varying, is_null_call character varying(3), sql_path character '
        'varying, schema_level_routine character varying(3), max_dynamic_result_sets integer, '
        'is_user_defined_cast character varying(3), is_implicitly_invocable character varying(3), '
        'security_type character varying, to_sql_specific_catalog name, to_sql_specific_schema name, '
        'to_sql_specific_name name, as_locator character varying(3), created timestamp(2) with time '
        'zone, last_altered timestamp(2) with time zone, new_savepoint_level character varying(3), '
        'is_udt_dependent character varying(3), result_cast_from_data_type character varying, '
        'result_cast_as_locator character varying(3), result_cast_char_max_length integer, '
        'result_cast_char_octet_length integer, result_cast_char_set_catalog name, '
        'result_cast_char_set_schema name, result_cast_char_set_name name, '
        'result_cast_collation_catalog name, result_cast_collation_schema name, '
        'result_cast_collation_name name, result_cast_numeric_precision integer, '
        'result_cast_numeric_precision_radix integer, result_cast_numeric_scale integer, '
        'result_cast_datetime_precision integer, result_cast_interval_type character varying, '
        'result_cast_interval_precision integer, result_cast_type_udt_catalog name, '
        'result_cast_type_udt_schema name, result_cast_type_udt_name name, result_cast_scope_catalog '
        'name, result_cast_scope_schema name, result_cast_scope_name name, '
        'result_cast_maximum_cardinality integer, result_cast_dtd_identifier name'),
    ("information_schema", "check_constraints"): (13260,
        'constraint_catalog name, constraint_schema name, constraint_name name, check_clause '
        'character varying'),
    ("information_schema", "parameters"): (13334,
        'specific_catalog name, specific_schema name, specific_name name, ordinal_position integer, '
        'parameter_mode character varying, is_result character varying(3), as_locator character '
        'varying(3), parameter_name name, data_type character varying, character_maximum_length '
        'integer, character_octet_length integer, character_set_catalog name, character_set_schema '
        'name, character_set_name name, collation_catalog name, collation_schema name, collation_name'
        ' name, numeric_precision integer, numeric_precision_radix integer, numeric_scale integer, '
        'datetime_precision integer, interval_type character varying, interval_precision integer, '
        'udt_catalog name, udt_schema name, udt_name name, scope_catalog name, scope_schema name, '
        'scope_name name, maximum_cardinality integer, dtd_identifier name, parameter_default '
        'character varying'),
    ("information_schema", "character_sets"): (13250,
        'character_set_catalog name, character_set_schema name, character_set_name name, '
        'character_repertoire name, form_of_use name, default_collate_catalog name, '
        'default_collate_schema name, default_collate_name name'),
    ("information_schema", "triggers"): (13440,
        'trigger_catalog name, trigger_schema name, trigger_name name, event_manipulation character '
        'varying, event_object_catalog name, event_object_schema name, event_object_table name, '
        'action_order integer, action_condition character varying, action_statement character '
        'varying, action_orientation character varying, action_timing character varying, '
        'action_reference_old_table name, action_reference_new_table name, action_reference_old_row '
        'name, action_reference_new_row name, created timestamp(2) with time zone'),
    ("information_schema", "column_privileges"): (13285,
        'grantor name, grantee name, table_catalog name, table_schema name, table_name name, '
        'column_name name, privilege_type character varying, is_grantable character varying(3)'),
    ("information_schema", "table_privileges"): (13416,
        'grantor name, grantee name, table_catalog name, table_schema name, table_name name, '
        'privilege_type character varying, is_grantable character varying(3), with_hierarchy '
        'character varying(3)'),
    ("information_schema", "domain_constraints"): (13310,
        'constraint_catalog name, constraint_schema name, constraint_name name, domain_catalog name, '
        'domain_schema name, domain_name name, is_deferrable character varying(3), '
        'initially_deferred character varying(3)'),
    ("information_schema", "domains"): (13320,
        'domain_catalog name, domain_schema name, domain_name name, data_type character varying, '
        'character_maximum_length integer, character_octet_length integer, character_set_catalog '
        'name, character_set_schema name, character_set_name name, collation_catalog name, '
        'collation_schema name, collation_name name, numeric_precision integer, '
        'numeric_precision_radix integer, numeric_scale integer, datetime_precision integer, '
        'interval_type character varying, interval_precision integer, domain_default character '
        'varying, udt_catalog name, udt_schema name, udt_name name, scope_catalog name, scope_schema '
        'name, scope_name name, maximum_cardinality integer, dtd_identifier name'),
    ("information_schema", "element_types"): (13493,
        'object_catalog name, object_schema name, object_name name, object_type character varying, '
        'collection_type_identifier name, data_type character varying, character_maximum_length '
        'integer, character_octet_length integer, character_set_catalog name, character_set_schema '
        'name, character_set_name name, collation_catalog name, collation_schema name, collation_name'
        ' name, numeric_precision integer, numeric_precision_radix integer, numeric_scale integer, '
        'datetime_precision integer, interval_type character varying, interval_precision integer, '
        'domain_default character varying, udt_catalog name, udt_schema name, udt_name name, '
        'scope_catalog name, scope_schema name, scope_name name, maximum_cardinality integer, '
        'dtd_identifier name'),
    ("information_schema", "enabled_roles"): (13325,
        'role_name name'),
    ("information_schema", "applicable_roles"): (13236,
        'grantee name, role_name name, is_grantable character varying(3)'),
    ("information_schema", "role_table_grants"): (13421,
        'grantor name, grantee name, table_catalog name, table_schema name, table_name name, '
        'privilege_type character varying, is_grantable character varying(3), with_hierarchy '
        'character varying(3)'),
}
