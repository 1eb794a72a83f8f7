"""Hand-picked corner programs for the differential test: places where two readings of the
language plausibly part ways. No expected results here: the reference decides, and
sdk.numscript must agree with it exactly like on the random programs.
"""

from __future__ import annotations

from typing import Dict, List, Optional

try:  # tests/numscript may or may not be a package
    from .program_generator import GeneratedCase
except ImportError:  # pragma: no cover - depends on how pytest imports this directory
    from program_generator import GeneratedCase  # type: ignore[no-redef]

MID = "experimental-mid-script-function-call"


def _case(
    program: str,
    variables: Optional[Dict[str, str]] = None,
    balances: Optional[Dict[str, Dict[str, int]]] = None,
    metadata: Optional[Dict[str, Dict[str, str]]] = None,
    flags: Optional[List[str]] = None,
) -> GeneratedCase:
    return GeneratedCase(
        seed=-(len(CORNER_CASES) + 1),
        program=program,
        variables=dict(variables or {}),
        balances={account: dict(assets) for account, assets in (balances or {}).items()},
        metadata={account: dict(entries) for account, entries in (metadata or {}).items()},
        feature_flags=list(flags or []),
        intended_error="corner",
    )


CORNER_CASES: List[GeneratedCase] = []


def _add(*args: object, **kwargs: object) -> None:
    CORNER_CASES.append(_case(*args, **kwargs))  # type: ignore[arg-type]


A10 = {"a": {"USD": 10}}

# Error order: the reference evaluates every statement's amount and source accounts before running.
_add("send [USD 10] ( source = @a destination = @b )\nsend $nope ( source = @world destination = @b )")
_add(
    "vars { number $n }\nsend [USD 10] ( source = @a destination = @b )\nsend [USD 1] ( source = $n destination = @b )",
    {"n": "3"},
)
_add('send [USD 10] ( source = @a destination = @b )\nset_tx_meta("k", $nope)')
_add("send [USD 10] ( source = @a destination = @b )\nsend [USD 1] ( source = @world destination = $nope )")
_add("send [USD 0] ( source = @world destination = { max $nope to @a remaining kept } )")
_add("send [USD 0] ( source = @world destination = { 1/2 to @a $nope to @b } )")
_add("send [USD 5] ( source = @world destination = { max [USD 5] to @a max $nope to @b remaining kept } )")
_add('vars { number $a number $b }\nset_tx_meta("k", $a)', {"a": "x"})
_add("vars { monetary $a = $b\n monetary $b }", {"b": "USD 1"})
_add('vars { number $n\n number $n }\nset_tx_meta("k", $n)', {"n": "1"})
# Running balances.
_add(
    "send [USD 10] ( source = @a destination = { 100% kept } )\nsend [USD 10] ( source = @a destination = @b )",
    balances=A10,
)
_add("send [USD 5] ( source = @a destination = @a )\nsend [USD 10] ( source = @a destination = @b )", balances=A10)
_add("send [USD 5] ( source = @world destination = @world )")
_add(
    "send [USD 4] ( source = @a destination = @b )\nsend balance(@a, USD) ( source = @world destination = @c )",
    balances=A10,
    flags=[MID],
)
_add(
    "vars { monetary $m = balance(@a, USD) }\nsend [USD 4] ( source = @a destination = @b )\n"
    "send $m ( source = @world destination = @c )",
    balances=A10,
)
_add("save [USD 5] from @a\nsend [USD *] ( source = @a destination = @b )", balances=A10)
_add("save [USD 50] from @a\nsend [USD 1] ( source = @a destination = @b )", balances=A10)
_add(
    "save [USD 5] from @a\nsend [USD 1] ( source = @a allowing overdraft up to [USD 5] destination = @b )",
    balances={"a": {"USD": -3}},
)
_add(
    "save [USD *] from @a\nsend [USD 1] ( source = @a allowing unbounded overdraft destination = @b )",
    balances={"a": {"USD": -3}},
)
_add("save [USD -1] from @a", balances=A10)
_add("send [USD *] ( source = @a destination = @b )", balances={"a": {"USD": -4}})
_add("send [USD *] ( source = @a allowing overdraft up to [USD 5] destination = @b )", balances={"a": {"USD": -8}})
_add("send [USD *] ( source = @a allowing overdraft up to [USD 5] destination = @b )", balances={"a": {"USD": -2}})
_add("send [USD 5] ( source = @a allowing overdraft up to [USD 50] destination = @b )", balances={"a": {"USD": -60}})
_add("send [USD 0] ( source = @a allowing overdraft up to [USD 50] destination = @b )", balances={"a": {"USD": -60}})
_add("send [USD 0] ( source = {} destination = @b )")
_add("send [USD *] ( source = {} destination = @b )")
_add("send [USD 0] ( source = @a destination = @b )")
# Posting shapes and merging.
_add("send [USD 10] ( source = { @a @a @world } destination = @b )", balances={"a": {"USD": 3}})
_add("send [USD 10] ( source = { 1/2 from @a 1/2 from @a } destination = @b )", balances=A10)
_add("send [USD 10] ( source = @world destination = { 1/2 to @a 1/2 to @a } )")
_add(
    "send [USD 10] ( source = { max [USD 2] from @a @b @a allowing unbounded overdraft } destination = "
    "{ 1/3 to @x 1/3 kept remaining to @y } )",
    balances={"a": {"USD": 5}, "b": {"USD": 3}},
)
_add(
    "send [USD 10] ( source = { @a @b } destination = { 50% kept remaining to @x } )",
    balances={"a": {"USD": 5}, "b": {"USD": 5}},
)
_add(
    "send [USD 10] ( source = { @a @b } destination = { max [USD 3] kept max [USD 3] to @x remaining kept } )",
    balances={"a": {"USD": 5}, "b": {"USD": 5}},
)
_add(
    "send [USD 5] ( source = max [USD 5] from { 1/2 from @a remaining from @b } destination = @x )",
    balances={"a": {"USD": 5}, "b": {"USD": 5}},
)
_add("send [USD 1000000000000000000000000000001] ( source = @world destination = { 1/3 to @a 1/3 to @b 1/3 to @c } )")
_add(
    "send [USD 7] ( source = @world destination = "
    "{ 1/100000000000000000000000000000000000000001 to @a remaining to @b } )"
)
_add("send [USD 15] ( source = @world destination = { 80% to @a 8% to @b 12% to @c } )")
_add(
    "send [USD 500] ( source = @world destination = { 10% to { max [USD 10] to @fees remaining to @dest } "
    "remaining to @dest } )"
)
_add("send [USD 10] ( source = @world destination = { max [USD -3] to @a remaining to @b } )")
_add("send [USD 10] ( source = max [USD -3] from @world destination = @b )")
_add("send [USD 10] ( source = { max [USD 20] from @a @world } destination = @b )", balances=A10)
_add("send [USD 10] ( source = @world allowing overdraft up to [USD 1] destination = @b )")
_add("send [USD *] ( source = @world allowing overdraft up to [USD 1] destination = @b )")
_add("send [USD *] ( source = { 1/2 from @a remaining from @b } destination = @b )")
_add(
    "send [USD *] ( source = { @a max [USD 3] from @world } destination = { max [USD 4] to @x remaining to @y } )",
    balances=A10,
)
_add("send [USD 3] ( source = @a destination = @b )", balances={"a": {"USD": 10, "USD/2": 100}})
_add("send [USD 3] ( source = @a destination = @b )", balances={"a": {"USD_RED": 10}})
# Values, arithmetic, types.
_add("send -[USD 5] ( source = @world destination = @b )")
_add("send [USD 5] + 3 ( source = @world destination = @b )")
_add("send [USD 50%] ( source = @world destination = @b )")
_add('set_tx_meta("p", 100.5%)\nset_tx_meta("q", 007%)\nset_tx_meta("r", 1/2/3)')
_add('set_tx_meta("p", -1/3)\nset_tx_meta("q", 6/4)\nset_tx_meta("r", 0/7)')
_add("send [USD 10] ( source = @world destination = { -1/3 to @a remaining to @b } )")
_add("send [USD 10] ( source = @world destination = { 1/2 to @a remaining to @b remaining to @c } )")
_add("send [USD 10] ( source = @world destination = { 1/2 to @a 1/3 to @b } )")
_add('set_tx_meta("k", 1)\nset_tx_meta("k", "two")\nset_account_meta(@world, "k", [USD -5])')
_add('set_tx_meta("k\\"x", "a\\\\b")')
_add('set_tx_meta("k", "ünïcödé ✓")')
_add("vars { account $a }\nsend [USD 1] ( source = $a destination = @b )", {"a": "world"})
_add(
    'vars { number $n = meta(@a, "n") }\nsend [USD $n] ( source = @world destination = @b )',
    metadata={"a": {"n": "-5"}},
)
_add(
    'vars { portion $p = meta(@a, "p") }\nsend [USD 10] ( source = @world destination = { $p to @x remaining kept } )',
    metadata={"a": {"p": "50%"}},
)
_add("vars { asset $x number $n }\nsend [$x $n] ( source = @world destination = @b )", {"x": "EUR/2", "n": "1_0"})
_add('set_tx_meta("a")')
_add("foo()")
_add('set_tx_meta("k", meta(@a, "x"))', metadata={"a": {"x": "1"}})
_add('set_tx_meta("k", meta(@a, "x"))', metadata={"a": {"x": "1"}}, flags=[MID])
_add('set_tx_meta("k", balance(@a, USD))', balances=A10)
_add(
    'set_tx_meta("k", overdraft(@a, USD))', balances={"a": {"USD": -3}}, flags=[MID, "experimental-overdraft-function"]
)
_add(
    'vars { monetary $m = overdraft(@a, USD) }\nset_tx_meta("k", $m)',
    balances={"a": {"USD": 3}},
    flags=["experimental-overdraft-function"],
)
_add("vars { monetary $m }\nvars { number $n = get_amount($m) }", {"m": "USD 3"})
_add('vars { monetary $m\n number $n = get_amount($m) }\nset_tx_meta("k", $n)', {"m": "USD 3"})
_add('send [USD 10] ( source = @a \\ "RED" destination = @b )', balances={"a": {"USD_RED": 10}})
_add(
    'send [USD 10] ( source = @a \\ "red" destination = @b )',
    balances={"a": {"USD_RED": 10}},
    flags=["experimental-asset-colors"],
)
_add(
    'send [USD 10] ( source = { @a \\ "RED" @a } destination = @b )',
    balances={"a": {"USD_RED": 4, "USD": 9}},
    flags=["experimental-asset-colors"],
)
_add(
    'send [USD *] ( source = @a \\ "RED" destination = @b )\nset_tx_meta("b", balance(@a, USD))',
    balances={"a": {"USD_RED": 4, "USD": 9}},
    flags=["experimental-asset-colors", MID],
)
_add(
    "send [USD 10] ( source = oneof { @a @world } destination = @b )",
    balances={"a": {"USD": 4}},
    flags=["experimental-oneof"],
)
_add(
    "send [USD 10] ( source = oneof { { @a @b } @c @world } destination = @x )",
    balances={"a": {"USD": 4}, "b": {"USD": 3}, "c": {"USD": 12}},
    flags=["experimental-oneof"],
)
_add(
    "send [USD 10] ( source = @world destination = oneof { max [USD 5] to @a max [USD 20] to @b remaining kept } )",
    flags=["experimental-oneof"],
)
_add(
    "vars { number $id }\nsend [USD 1] ( source = @world destination = @users:$id )",
    {"id": "42"},
    flags=["experimental-account-interpolation"],
)
_add("vars { number $id }\nsend [USD 1] ( source = @world destination = @users:$id )", {"id": "42"})
_add(
    "vars { portion $p }\nsend [USD 1] ( source = @world destination = @users:$p )",
    {"p": "1/2"},
    flags=["experimental-account-interpolation"],
)
# Lexical corners.
_add("")
_add("// only a comment\n")
_add('/* a /* nested */ block */ set_tx_meta("k", 1)')
_add('set_tx_meta("k", 1) // a comment without newline at the end')
_add('set_tx_meta("k", 1_000)\nset_tx_meta("j", 1__000)')
_add('set_tx_meta("k", 1_000_)')
_add("send [USD 1] ( source = @world destination = @send:max:Kept )")
_add("send [USD2 1] ( source = @world destination = @Alice )\nsend [A/0 1] ( source = @world destination = @b )")
_add("send [USD 1] (\r\n  source = @world\r\n  destination = @b\r\n)\r\n")
_add("send [USD 1] (\tsource = @world\tdestination = @b )")
_add("send [USD 1] ( source = @world destination = @b )send [USD 1] ( source = @world destination = @c )")
_add('vars {}\n#![feature("experimental-oneof")]')
_add('#![feature()]\nset_tx_meta("k", 1)')
_add("send [USD 1] ( source = @a allowing overdraft up to [USD 1] allowing unbounded overdraft destination = @b )")
_add("send [USD 1] ( destination = @b source = @world )")
_add("send [USD 1] ( source = @world destination = { 1/2 to @a remaining to @b } ))")
_add("set_tx_meta('k', 1)")
_add('set_tx_meta("k", [USD/2 1.5])')
_add('set_tx_meta("k", 1.5%)\nset_tx_meta("j", 0.0001%)')
_add("vars { monetary $m }\nsend $m ( source = @world destination = @b )", {"m": "USD/2 1"})
_add("vars { Monetary $m }\nsend $m ( source = @world destination = @b )", {"m": "USD/2 1"})
_add("vars { monetary $M }\nsend $M ( source = @world destination = @b )", {"M": "USD/2 1"})
_add("vars { monetary $m1_x }\nsend $m1_x ( source = @world destination = @b )", {"m1_x": "USD/2 1"})
_add("send [USD 1] ( source = @world destination = @a:b: )")
_add("send [USD 1] ( source = @world destination = @@a )")
_add('/* a /* b */ set_tx_meta("k", 1)')
_add('/* a /* b /* c */ set_tx_meta("k", 1)')
_add('/* a /* b */ c */ d */ set_tx_meta("k", 1)')
_add("send [A+B 1] ( source = @world destination = @b )")
_add("send [USD 1 + 2] ( source = @world destination = { max [USD 1 + 0] to @a remaining to @b } )")
_add("send [(USD) (1)] ( source = @world destination = @b )")
_add('set_tx_meta("k", [[USD 1] 2])')
_add("send [USD 1] ( source = @world destination = @users :002 )")
_add("send [USD 1] ( source = @world destination = @users\n:002 )")
_add("send [USD 1] ( source = @world destination = @users: 002 )")
_add('set_tx_meta("k", @a_b/* x */:C9)')
_add('set_tx_meta("k", @a_b// x\n:C9)')
