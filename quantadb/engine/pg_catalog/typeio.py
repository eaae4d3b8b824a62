"""Types' input/output functions: pg_type.typinput/typoutput/typreceive/typsend and their pg_proc
rows, with PostgreSQL 15's OIDs and names.

Clients test these by name: the JDBC driver's TypeInfoCache asks
`typinput = 'pg_catalog.array_in'::regproc` to tell array types. QuantaDB's codecs do the real
work; these rows only describe them. The tables below were read from PostgreSQL 15's pg_type
and pg_proc for every type in the registry (array types all use array_in/out/recv/send).
"""

from __future__ import annotations

from functools import lru_cache
from typing import NamedTuple

from quantadb.types.registry import PgType

# type OID:typinput:typoutput:typreceive:typsend (0 = none)
_TYPES = """
16:1242:1243:2436:2437 17:1244:31:2412:2413 18:1245:33:2434:2435 19:34:35:2422:2423
20:460:461:2408:2409 21:38:39:2404:2405 22:40:41:2410:2411 23:42:43:2406:2407 24:44:45:2444:2445
25:46:47:2414:2415 26:1798:1799:2418:2419 27:48:49:2438:2439 28:50:51:2440:2441
29:52:53:2442:2443 30:54:55:2420:2421 32:86:87:88:90 114:321:322:323:324 142:2893:2894:2898:2899
194:195:196:197:198 700:200:201:2424:2425 701:214:215:2426:2427 705:109:110:2416:2417
790:886:887:2492:2493 869:910:911:2496:2497 1033:1031:1032:0:0 1042:1044:1045:2430:2431
1043:1046:1047:2432:2433 1082:1084:1085:2468:2469 1083:1143:1144:2470:2471
1114:1312:1313:2474:2475 1184:1150:1151:2476:2477 1186:1160:1161:2478:2479
1266:1350:1351:2472:2473 1560:1564:1565:2456:2457 1562:1579:1580:2458:2459
1700:1701:1702:2460:2461 1790:46:47:2414:2415 2202:2212:2213:2446:2447 2203:2214:2215:2448:2449
2204:2216:2217:2450:2451 2205:2218:2219:2452:2453 2206:2220:2221:2454:2455
2249:2290:2291:2402:2403 2275:2292:2293:2500:2501 2276:2294:2295:0:0 2277:2296:2297:2502:2503
2278:2298:2299:3120:3121 2279:2300:2301:0:0 2280:2302:2303:0:0 2283:2312:2313:0:0 2287:750:751:2400:2401
2776:2777:2778:0:0 2950:2952:2953:2961:2962 2970:2939:2940:2941:2942 3220:3229:3230:3238:3239
3500:3504:3505:0:0 3734:3736:3737:3738:3739 3769:3771:3772:3773:3774 3614:3610:3611:3639:3638 3615:3612:3613:3641:3640 3802:3806:3804:3805:3803 3831:3832:3833:0:0
3904:3834:3835:3836:3837 3906:3834:3835:3836:3837 3908:3834:3835:3836:3837
3910:3834:3835:3836:3837 3912:3834:3835:3836:3837 3926:3834:3835:3836:3837 4072:4001:4003:4002:4004 4089:4084:4085:4087:4088
4096:4098:4092:4094:4095 5038:5055:5056:5057:5058 5069:5070:5081:5082:5083
"""

# OID:proname:prorettype:proargtypes:provolatile, "!" when not strict
_PROCS = """
31:byteaout:2275:17:i 33:charout:2275:18:i 34:namein:19:2275:i 35:nameout:2275:19:i
38:int2in:21:2275:i 39:int2out:2275:21:i 40:int2vectorin:22:2275:i 41:int2vectorout:2275:22:i
42:int4in:23:2275:i 43:int4out:2275:23:i 44:regprocin:24:2275:s 45:regprocout:2275:24:s
46:textin:25:2275:i 47:textout:2275:25:i 48:tidin:27:2275:i 49:tidout:2275:27:i
50:xidin:28:2275:i 51:xidout:2275:28:i 52:cidin:29:2275:i 53:cidout:2275:29:i
54:oidvectorin:30:2275:i 55:oidvectorout:2275:30:i 86:pg_ddl_command_in:32:2275:i
87:pg_ddl_command_out:2275:32:i 88:pg_ddl_command_recv:32:2281:i 90:pg_ddl_command_send:17:32:i
109:unknownin:705:2275:i 110:unknownout:2275:705:i 195:pg_node_tree_in:194:2275:i
196:pg_node_tree_out:2275:194:i 197:pg_node_tree_recv:194:2281:s 198:pg_node_tree_send:17:194:s
200:float4in:700:2275:i 201:float4out:2275:700:i 214:float8in:701:2275:i
215:float8out:2275:701:i 321:json_in:114:2275:i 322:json_out:2275:114:i 323:json_recv:114:2281:i
324:json_send:17:114:i 460:int8in:20:2275:i 461:int8out:2275:20:i 750:array_in:2277:2275,26,23:s
751:array_out:2275:2277:s 886:cash_in:790:2275:s 887:cash_out:2275:790:s 910:inet_in:869:2275:i
911:inet_out:2275:869:i 1031:aclitemin:1033:2275:s 1032:aclitemout:2275:1033:s
1044:bpcharin:1042:2275,26,23:i 1045:bpcharout:2275:1042:i 1046:varcharin:1043:2275,26,23:i
1047:varcharout:2275:1043:i 1084:date_in:1082:2275:s 1085:date_out:2275:1082:s
1143:time_in:1083:2275,26,23:s 1144:time_out:2275:1083:i 1150:timestamptz_in:1184:2275,26,23:s
1151:timestamptz_out:2275:1184:s 1160:interval_in:1186:2275,26,23:s
1161:interval_out:2275:1186:s 1242:boolin:16:2275:i 1243:boolout:2275:16:i
1244:byteain:17:2275:i 1245:charin:18:2275:i 1312:timestamp_in:1114:2275,26,23:s
1313:timestamp_out:2275:1114:s 1350:timetz_in:1266:2275,26,23:s 1351:timetz_out:2275:1266:i
1564:bit_in:1560:2275,26,23:i 1565:bit_out:2275:1560:i 1579:varbit_in:1562:2275,26,23:i
1580:varbit_out:2275:1562:i 1701:numeric_in:1700:2275,26,23:i 1702:numeric_out:2275:1700:i
1798:oidin:26:2275:i 1799:oidout:2275:26:i 2212:regprocedurein:2202:2275:s
2213:regprocedureout:2275:2202:s 2214:regoperin:2203:2275:s 2215:regoperout:2275:2203:s
2216:regoperatorin:2204:2275:s 2217:regoperatorout:2275:2204:s 2218:regclassin:2205:2275:s
2219:regclassout:2275:2205:s 2220:regtypein:2206:2275:s 2221:regtypeout:2275:2206:s
2290:record_in:2249:2275,26,23:s 2291:record_out:2275:2249:s 2292:cstring_in:2275:2275:i
2293:cstring_out:2275:2275:i 2294:any_in:2276:2275:i 2295:any_out:2275:2276:i
2296:anyarray_in:2277:2275:i 2297:anyarray_out:2275:2277:s 2298:void_in:2278:2275:i
2299:void_out:2275:2278:i 2300:trigger_in:2279:2275:i! 2301:trigger_out:2275:2279:i
2302:language_handler_in:2280:2275:i! 2303:language_handler_out:2275:2280:i
2312:anyelement_in:2283:2275:i 2313:anyelement_out:2275:2283:i 2400:array_recv:2277:2281,26,23:s
2401:array_send:17:2277:s 2402:record_recv:2249:2281,26,23:s 2403:record_send:17:2249:s
2404:int2recv:21:2281:i 2405:int2send:17:21:i 2406:int4recv:23:2281:i 2407:int4send:17:23:i
2408:int8recv:20:2281:i 2409:int8send:17:20:i 2410:int2vectorrecv:22:2281:i
2411:int2vectorsend:17:22:i 2412:bytearecv:17:2281:i 2413:byteasend:17:17:i
2414:textrecv:25:2281:s 2415:textsend:17:25:s 2416:unknownrecv:705:2281:i
2417:unknownsend:17:705:i 2418:oidrecv:26:2281:i 2419:oidsend:17:26:i
2420:oidvectorrecv:30:2281:i 2421:oidvectorsend:17:30:i 2422:namerecv:19:2281:s
2423:namesend:17:19:s 2424:float4recv:700:2281:i 2425:float4send:17:700:i
2426:float8recv:701:2281:i 2427:float8send:17:701:i 2430:bpcharrecv:1042:2281,26,23:s
2431:bpcharsend:17:1042:s 2432:varcharrecv:1043:2281,26,23:s 2433:varcharsend:17:1043:s
2434:charrecv:18:2281:i 2435:charsend:17:18:i 2436:boolrecv:16:2281:i 2437:boolsend:17:16:i
2438:tidrecv:27:2281:i 2439:tidsend:17:27:i 2440:xidrecv:28:2281:i 2441:xidsend:17:28:i
2442:cidrecv:29:2281:i 2443:cidsend:17:29:i 2444:regprocrecv:24:2281:i 2445:regprocsend:17:24:i
2446:regprocedurerecv:2202:2281:i 2447:regproceduresend:17:2202:i 2448:regoperrecv:2203:2281:i
2449:regopersend:17:2203:i 2450:regoperatorrecv:2204:2281:i 2451:regoperatorsend:17:2204:i
2452:regclassrecv:2205:2281:i 2453:regclasssend:17:2205:i 2454:regtyperecv:2206:2281:i
2455:regtypesend:17:2206:i 2456:bit_recv:1560:2281,26,23:i 2457:bit_send:17:1560:i
2458:varbit_recv:1562:2281,26,23:i 2459:varbit_send:17:1562:i
2460:numeric_recv:1700:2281,26,23:i 2461:numeric_send:17:1700:i 2468:date_recv:1082:2281:i
2469:date_send:17:1082:i 2470:time_recv:1083:2281,26,23:i 2471:time_send:17:1083:i
2472:timetz_recv:1266:2281,26,23:i 2473:timetz_send:17:1266:i
2474:timestamp_recv:1114:2281,26,23:i 2475:timestamp_send:17:1114:i
2476:timestamptz_recv:1184:2281,26,23:i 2477:timestamptz_send:17:1184:i
2478:interval_recv:1186:2281,26,23:i 2479:interval_send:17:1186:i 2492:cash_recv:790:2281:i
2493:cash_send:17:790:i 2496:inet_recv:869:2281:i 2497:inet_send:17:869:i
2500:cstring_recv:2275:2281:s 2501:cstring_send:17:2275:s 2502:anyarray_recv:2277:2281:s
2503:anyarray_send:17:2277:s 2777:anynonarray_in:2776:2275:i 2778:anynonarray_out:2275:2776:i
2893:xml_in:142:2275:s 2894:xml_out:2275:142:i 2898:xml_recv:142:2281:s 2899:xml_send:17:142:s
2939:txid_snapshot_in:2970:2275:i 2940:txid_snapshot_out:2275:2970:i
2941:txid_snapshot_recv:2970:2281:i 2942:txid_snapshot_send:17:2970:i 2952:uuid_in:2950:2275:i
2953:uuid_out:2275:2950:i 2961:uuid_recv:2950:2281:i 2962:uuid_send:17:2950:i
3120:void_recv:2278:2281:i 3121:void_send:17:2278:i 3229:pg_lsn_in:3220:2275:i
3230:pg_lsn_out:2275:3220:i 3238:pg_lsn_recv:3220:2281:i 3239:pg_lsn_send:17:3220:i
3504:anyenum_in:3500:2275:i 3505:anyenum_out:2275:3500:s 3506:enum_in:3500:2275,26:s
3507:enum_out:2275:3500:s 3532:enum_recv:3500:2281,26:s 3533:enum_send:17:3500:s 3610:tsvectorin:3614:2275:i
3611:tsvectorout:2275:3614:i 3638:tsvectorsend:17:3614:i 3639:tsvectorrecv:3614:2281:i
3736:regconfigin:3734:2275:s 3737:regconfigout:2275:3734:s 3738:regconfigrecv:3734:2281:i
3739:regconfigsend:17:3734:i 3771:regdictionaryin:3769:2275:s 3772:regdictionaryout:2275:3769:s
3773:regdictionaryrecv:3769:2281:i 3774:regdictionarysend:17:3769:i 3612:tsqueryin:3615:2275:i 3613:tsqueryout:2275:3615:i 3640:tsquerysend:17:3615:i 3641:tsqueryrecv:3615:2281:i
3803:jsonb_send:17:3802:i 3804:jsonb_out:2275:3802:i 3805:jsonb_recv:3802:2281:i
3806:jsonb_in:3802:2275:i 3832:anyrange_in:3831:2275,26,23:s 3833:anyrange_out:2275:3831:s
3834:range_in:3831:2275,26,23:s 3835:range_out:2275:3831:s 3836:range_recv:3831:2281,26,23:s
3837:range_send:17:3831:s 3914:int4range_canonical:3904:3904:i 3915:daterange_canonical:3912:3912:i
3922:int4range_subdiff:701:23,23:i 3923:int8range_subdiff:701:20,20:i 3924:numrange_subdiff:701:1700,1700:i
3925:daterange_subdiff:701:1082,1082:i 3928:int8range_canonical:3926:3926:i 3929:tsrange_subdiff:701:1114,1114:i
3930:tstzrange_subdiff:701:1184,1184:i 4001:jsonpath_in:4072:2275:i 4002:jsonpath_recv:4072:2281:i
4003:jsonpath_out:2275:4072:i 4004:jsonpath_send:17:4072:i 4084:regnamespacein:4089:2275:s
4085:regnamespaceout:2275:4089:s 4087:regnamespacerecv:4089:2281:i
4088:regnamespacesend:17:4089:i 4092:regroleout:2275:4096:s 4094:regrolerecv:4096:2281:i
4095:regrolesend:17:4096:i 4098:regrolein:4096:2275:s 5055:pg_snapshot_in:5038:2275:i
5056:pg_snapshot_out:2275:5038:i 5057:pg_snapshot_recv:5038:2281:i 5058:pg_snapshot_send:17:5038:i
5070:xid8in:5069:2275:i 5081:xid8out:2275:5069:i 5082:xid8recv:5069:2281:i 5083:xid8send:17:5069:i
"""

ARRAY_IO = (750, 751, 2400, 2401)  # array_in, array_out, array_recv, array_send
ENUM_IO = (3506, 3507, 3532, 3533)  # enum_in, enum_out, enum_recv, enum_send
RECORD_IO = (2290, 2291, 2402, 2403)  # record_in, record_out, record_recv, record_send


class IoProc(NamedTuple):
    oid: int
    name: str
    rettype: int
    argtypes: tuple[int, ...]
    volatile: str
    strict: bool


@lru_cache(maxsize=1)
def _type_io() -> dict[int, tuple[int, int, int, int]]:
    out = {}
    for entry in _TYPES.split():
        oid, *funcs = (int(p) for p in entry.split(":"))
        out[oid] = tuple(funcs)
    return out


@lru_cache(maxsize=1)
def io_procs() -> tuple[IoProc, ...]:
    out = []
    for entry in _PROCS.split():
        oid, name, ret, args, flags = entry.split(":")
        out.append(IoProc(int(oid), name, int(ret), tuple(int(a) for a in args.split(",") if a), flags[0],
                          not flags.endswith("!")))
    return tuple(out)


def type_io(t: PgType) -> tuple[int, int, int, int]:
    """(typinput, typoutput, typreceive, typsend) of a registry type."""
    if t.is_array:
        return ARRAY_IO
    if t.enum is not None:
        return ENUM_IO
    if t.composite is not None:
        return RECORD_IO
    return _type_io().get(t.oid, (0, 0, 0, 0))
