"""The english configuration's stems against PostgreSQL 15's Snowball English stemmer: 301 words
(Porter2's own examples for each step, its exceptions, and words sampled from this project's
documents whose stem differs from the word), each through to_tsvector('english', ...). An empty
stem is a stop word (only)."""

STEMS = """
abated:abat activate:activ adjustable:adjust adjustment:adjust adoption:adopt agreed:agre
airliner:airlin alerting:alert allowance:allow analogousli:analog andes:andes angulariti:angular
apple:appl apply:appli arsenal:arsenal asked:ask assertion:assert assigned:assign atlas:atlas
attribute:attribut attrnames:attrnam attrs:attr attrtypoids:attrtypoid authenticated:authent
authenticationsaslfinal:authenticationsaslfin authorization:author autounlocktime:autounlocktim
balancers:balanc batches:batch become:becom becomes:becom bias:bias bindcomplete:bindcomplet
bled:bled booleans:boolean bowdlerize:bowdler browse:brows by: bytes:byte callousness:callous
calls:call camelcase:camelcas candidate:candid canning:canning caresses:caress cascaded:cascad
cease:ceas claimed:claim classify:classifi closes:close collate:collat comes:come
communication:communic communism:communism completion:complet condeferred:condef conditional:condit
confdeltype:confdeltyp conflated:conflat conformabli:conform consign:consign consigned:consign
consigning:consign consignment:consign consist:consist consisted:consist consistency:consist
constants:constant consuming:consum controll:control copyinresponse:copyinrespons copys:copi
cosmos:cosmos creates:creat cries:cri cry:cri crying:cri deallocate:dealloc decisiveness:decis
defaults:default defensible:defens definitions:definit deliberate:deliber demoted:demot
dependent:depend device:devic differential:differenti differentli:differ digitizer:digit
disable:disabl disappears:disappear dying:die early:earli earring:earring effective:effect
election:elect electrical:electr electriciti:electr enjoying:enjoy entire:entir environment:environ
epas:epa equality:equal example:exampl examples:exampl exceed:exceed exits:exit expects:expect
expose:expos expression:express failing:fail falling:fall family:famili feed:feed feudalism:feudal
filing:file fizzed:fizz fluently:fluentli follows:follow forever:forev formaliti:formal
formalize:formal formative:format forwarded:forward frontendtype:frontendtyp gaps:gap garbage:garbag
gas:gas generous:generous generously:generous gently:gentl giving:give goodness:good grids:grid
guides:guid gyroscopic:gyroscop happens:happen happily:happili happy:happi herring:herring
hesitanci:hesit hissing:hiss homologou:homologou homologous:homolog hoped:hope hopeful:hope
hopefulness:hope hoping:hope hopped:hop hopping:hop howe:howe identifies:identifi idly:idl
implies:impli include:includ inference:infer inline:inlin inning:inning innings:inning
inserted:insert installed:instal interface:interfac intracluster:intraclust irritant:irrit
issues:issu kiwis:kiwi knack:knack knackeries:knackeri knaves:knave knightly:knight language:languag
layouts:layout leaves:leav limitations:limit literals:liter locate:locat logically:logic lovely:love
lying:lie macros:macro means:mean merges:merg messagereader:messageread metacache:metacach
methods:method mons:mon motoring:motor mutators:mutat nationalization:nation news:news
nfields:nfield notice:notic numbers:number oncodeversionchanged:oncodeversionchang only:
operator:oper ops:op oracle:oracl outing:outing outings:outing outliers:outlier overall:overal
overriding:overrid packetsimulatoroptions:packetsimulatoropt pandas:panda parsecomplete:parsecomplet
parsing:pars partitioning:partit passes:pass passive:passiv paths:path pays:pay pending:pend
persisted:persist pipelining:pipelin plastered:plaster ponies:poni possibly:possibl
pqdescribeprepared:pqdescribeprepar pqprepare:pqprepar predication:predic prepare:prepar
probate:probat probes:probe proceed:proceed proceeded:proceed production:product proves:prove
queried:queri quotes:quot radicalli:radic rate:rate rational:ration receiver:receiv
recovery:recoveri recursive:recurs reinitialize:reiniti rejoining:rejoin rejoins:rejoin
relational:relat reltuples:reltupl remote:remot removenodefromcluster:removenodefromclust
renders:render replacement:replac reported:report require:requir reusable:reusabl revival:reviv
revoke:revok roll:roll rolreplication:rolrepl sadly:sad say:say sayyid:sayyid scripted:script
selection:select sensibiliti:sensibl sensitiviti:sensit separate:separ sessions:session settings:set
simply:simpli sing:sing singly:singl sits:sit sized:size skating:skate skies:sky sky:sky
sleeps:sleep statements:statement stats:stat stopping:stop storage:storag structs:struct
succeeding:succeed survive:surviv tanned:tan testing:test ties:tie toomanyconnections:toomanyconnect
tradition:tradit traditional:tradit triplicate:triplic troubled:troubl tstzrange:tstzrang tying:tie
ugly:ugli unlogged:unlog usesuper:usesup valenci:valenc versioned:version vietnamization:vietnam
vileli:vile walks:walk widths:width withstandbys:withstandbi withvoters:withvot yelling:yell yyy:yyy"""


def _pairs() -> list[tuple[str, str]]:
    return [tuple(item.split(":")) for item in STEMS.split()]


def test_english_stems_match_postgresql(sql):
    pairs = _pairs()
    words = ", ".join(f"'{w}'" for w, _ in pairs)
    sql.check(f"SELECT w, to_tsvector('english', w)::text FROM unnest(ARRAY[{words}]) AS w",
              [(w, f"'{s}':1" if s else "") for w, s in pairs])


def test_stems_in_running_text(sql):
    sql.check("SELECT to_tsvector('english', 'Generously, the communications arsenal was consistently "
              "re-organized by skiing generals; the skies were dying.')",
              [("'arsenal':4 'communic':3 'consist':6 'die':16 'general':12 'generous':1 'organ':9 're':8 "
                "'re-organ':7 'ski':11 'sky':14",)])
