"""The reference Numscript CLI (the Go implementation) as an oracle, and our side of the comparison.

`find_reference_binary()` locates the `numscript` binary; `ReferenceRunner` runs a generated case
through `numscript run --inputs FILE -o json` and turns what it prints into an `Outcome`;
`run_ours()` does the same through `sdk.numscript.run`. Two outcomes compare equal when they hold
the same postings (order included), the same transaction and account metadata, or errors of the
same class. The reference names its errors only in text, so `classify_reference_error` maps its
messages to the class names of `sdk.numscript`'s exceptions.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple

try:  # tests/numscript may or may not be a package
    from .program_generator import GeneratedCase
except ImportError:  # pragma: no cover - depends on how pytest imports this directory
    from program_generator import GeneratedCase  # type: ignore[no-redef]

#: The release the differential test was written and last validated against (.ci/install-numscript pins it).
REFERENCE_VERSION = "v0.2.0"

#: One posting as compared: (source, destination, asset, amount, color).
PostingTuple = Tuple[str, str, str, int, str]


@dataclass(frozen=True)
class Outcome:
    """What one interpreter made of one case: either a result or an error class."""

    postings: Tuple[PostingTuple, ...] = ()
    tx_metadata: Dict[str, str] = field(default_factory=dict)
    accounts_metadata: Dict[str, Dict[str, str]] = field(default_factory=dict)
    #: The error class, named after sdk.numscript's exception classes ("" when the run succeeded).
    error_class: str = ""
    #: The interpreter's own error text, shown in failure messages only.
    error_message: str = ""
    #: For missing funds: "ASSET needed available", compared too (both report them).
    error_detail: str = ""

    @property
    def failed(self) -> bool:
        return bool(self.error_class)

    def describe(self) -> str:
        if self.failed:
            detail = f" [{self.error_detail}]" if self.error_detail else ""
            return f"error {self.error_class}{detail}: {self.error_message}"
        lines = ["postings:"]
        lines += [f"  {p[0]} -> {p[1]}  {p[2]} {p[3]}" + (f" color={p[4]}" if p[4] else "") for p in self.postings]
        lines.append(f"txMeta: {json.dumps(self.tx_metadata, sort_keys=True)}")
        lines.append(f"accountsMeta: {json.dumps(self.accounts_metadata, sort_keys=True)}")
        return "\n".join(lines)


# Message fragments of the reference's runtime errors (internal/interpreter/interpreter_error.go in
# the pinned release), each with the sdk.numscript class that stands for the same problem.
_REFERENCE_MESSAGES: Sequence[Tuple[str, str]] = (
    ("Got errors while parsing", "ParseError"),
    ("Not enough funds.", "MissingFundsError"),
    ("Cannot send negative amount", "NegativeAmountError"),
    ("Cannot fetch negative balance", "NegativeBalanceError"),
    ("Invalid value received. Expecting value of type", "TypeMismatchError"),
    ("Mismatched currency", "TypeMismatchError"),
    ("Cannot cast this value to string", "TypeMismatchError"),
    ("Unbound variable", "InvalidVariableError"),
    ("Variable is missing in json", "InvalidVariableError"),
    ("invalid monetary literal", "InvalidVariableError"),
    ("invalid number literal", "InvalidVariableError"),
    ("Bad portion", "InvalidVariableError"),
    ("This type does not exist", "InvalidVariableError"),
    ("Invalid account name", "InvalidValueError"),
    ("Invalid asset name", "InvalidValueError"),
    ("Invalid color name", "InvalidValueError"),
    ("Invalid usage or @world account in scaling context", "InvalidValueError"),
    ("Invalid scope syntax", "InvalidValueError"),
    ("Cannot cast a scoped account", "TypeMismatchError"),
    ("Cannot store a scoped account", "TypeMismatchError"),
    ("Invalid operator", "TypeMismatchError"),
    ("the meta function cannot be nested", "UnknownFunctionError"),
    ("cannot divide by zero", "DivisionByZeroError"),
    ("Invalid allotment:", "InvalidAllotmentError"),
    ("Only one 'remaining' clause", "InvalidAllotmentError"),
    ("cannot take all balance of an allotment source", "InvalidSendAllError"),
    ("cannot take all balance from an unbounded source", "InvalidSendAllError"),
    ("Invalid function", "UnknownFunctionError"),
    ("Bad arity", "UnknownFunctionError"),
    ("doesn't have metadata associated to the", "MetadataNotFoundError"),
    ("this feature is experimental", "ExperimentalFeatureError"),
    ("Invalid feature", "ExperimentalFeatureError"),
)

#: Reference classes that sdk.numscript may legitimately report under a neighbouring class: an
#: unparsable account or asset given as a *variable* is a bad variable to us, a bad value to the
#: reference (it reports the value, not where it came from).
EQUIVALENT_CLASSES: Dict[str, frozenset] = {
    "InvalidValueError": frozenset({"InvalidValueError", "InvalidVariableError"}),
}


_REFERENCE_MISSING_FUNDS = re.compile(r"Not enough funds\. Needed \[(\S+) (-?\d+)\] \(only \[\S+ (-?\d+)\] available\)")


def classify_reference_error(stderr: str) -> str:
    """The sdk.numscript class name for the reference's error text ("ReferenceError:..." if unknown)."""
    text = stderr.strip()
    first_line = text.splitlines()[0] if text else "(no message)"
    for fragment, class_name in _REFERENCE_MESSAGES:
        if fragment in first_line:
            return class_name
    return f"UnclassifiedReferenceError:{first_line}"


def error_classes_match(reference_class: str, our_class: str) -> bool:
    return our_class in EQUIVALENT_CLASSES.get(reference_class, frozenset({reference_class}))


def find_reference_binary() -> Tuple[Optional[str], str]:
    """(path, how it was found) or (None, why not): env NUMSCRIPT_BIN, then PATH, then $(go env GOPATH)/bin."""
    explicit = os.environ.get("NUMSCRIPT_BIN")
    if explicit:
        if os.path.isfile(explicit) and os.access(explicit, os.X_OK):
            return explicit, "NUMSCRIPT_BIN"
        return None, f"NUMSCRIPT_BIN={explicit!r} is not an executable file"
    on_path = shutil.which("numscript")
    if on_path:
        return on_path, "PATH"
    go = shutil.which("go") or ("/usr/local/go/bin/go" if os.access("/usr/local/go/bin/go", os.X_OK) else None)
    if go is None:
        return None, "no `numscript` on PATH, NUMSCRIPT_BIN unset, and no Go toolchain to find GOPATH/bin"
    try:
        gopath = subprocess.run([go, "env", "GOPATH"], capture_output=True, text=True, timeout=30).stdout.strip()
    except (OSError, subprocess.SubprocessError) as exc:
        return None, f"`go env GOPATH` failed: {exc}"
    for directory in gopath.split(os.pathsep):
        candidate = os.path.join(directory, "bin", "numscript")
        if directory and os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate, "GOPATH/bin"
    return None, (
        "the reference `numscript` CLI is not installed (not in NUMSCRIPT_BIN, PATH or GOPATH/bin); "
        "run .ci/install-numscript"
    )


_COLORED_ASSET = re.compile(r"^(?P<base>[A-Z][A-Z0-9]*)_(?P<color>[A-Z]+)(?P<scale>/\d+)?$")


def balance_row(account: str, asset: str, amount: int) -> Dict[str, Any]:
    """A reference balance row; our `ASSET_COLOR[/scale]` keys carry the color in its own field."""
    colored = _COLORED_ASSET.match(asset)
    if colored is None:
        return {"account": account, "asset": asset, "amount": amount}
    plain = colored.group("base") + (colored.group("scale") or "")
    return {"account": account, "asset": plain, "amount": amount, "color": colored.group("color")}


def reference_inputs(case: GeneratedCase) -> Dict[str, Any]:
    """The case as the reference's inputs file: balances and metadata as rows (its current format)."""
    return {
        "variables": dict(case.variables),
        "balances": [
            balance_row(account, asset, amount)
            for account, assets in case.balances.items()
            for asset, amount in assets.items()
        ],
        "metadata": [
            {"account": account, "key": key, "value": value}
            for account, entries in case.metadata.items()
            for key, value in entries.items()
        ],
        "featureFlags": list(case.feature_flags),
    }


def write_case_files(directory: str, index: int, case: GeneratedCase) -> Tuple[str, str]:
    """Write the case as `caseN.num` + `caseN.inputs.json` (reference form); returns both paths."""
    script_path = os.path.join(directory, f"case{index}.num")
    inputs_path = os.path.join(directory, f"case{index}.inputs.json")
    with open(script_path, "w", encoding="utf-8") as script_file:
        script_file.write(case.program)
    with open(inputs_path, "w", encoding="utf-8") as inputs_file:
        json.dump(reference_inputs(case), inputs_file)
    return script_path, inputs_path


def run_our_cli(script_path: str, inputs_path: str) -> Tuple[int, str, str]:
    """(exit code, stdout, stderr) of `python -m sdk.numscript run SCRIPT --inputs INPUTS -o json`, in process."""
    import io

    from sdk.numscript import cli

    out, err = io.StringIO(), io.StringIO()
    code = cli.main(["run", script_path, "--inputs", inputs_path, "-o", "json"], out=out, err=err)
    return code, out.getvalue(), err.getvalue()


class ReferenceRunner:
    """Runs cases through the reference CLI, one process per case, a few at a time."""

    def __init__(self, binary: str, workers: Optional[int] = None, timeout: float = 30.0) -> None:
        self.binary = binary
        self.workers = workers or max(2, min(8, (os.cpu_count() or 2) * 2))
        self.timeout = timeout

    def run_all(self, cases: Iterable[GeneratedCase]) -> List[Outcome]:
        case_list = list(cases)
        with tempfile.TemporaryDirectory(prefix="numscript-diff-") as directory:
            jobs = [(directory, index, case) for index, case in enumerate(case_list)]
            with ThreadPoolExecutor(max_workers=self.workers) as pool:
                return list(pool.map(lambda job: self._run_one(*job), jobs))

    def run(self, case: GeneratedCase) -> Outcome:
        with tempfile.TemporaryDirectory(prefix="numscript-diff-") as directory:
            return self._run_one(directory, 0, case)

    def run_cli(self, script_path: str, inputs_path: str) -> Tuple[int, str, str]:
        """(exit code, stdout, stderr) of `numscript run SCRIPT --inputs INPUTS -o json`."""
        completed = subprocess.run(
            [self.binary, "run", script_path, "--inputs", inputs_path, "-o", "json"],
            capture_output=True,
            text=True,
            timeout=self.timeout,
            env={**os.environ, "NUMSCRIPT_NO_TELEMETRY": "1"},
        )
        return completed.returncode, completed.stdout, completed.stderr

    def _run_one(self, directory: str, index: int, case: GeneratedCase) -> Outcome:
        script_path, inputs_path = write_case_files(directory, index, case)
        completed = subprocess.run(
            [self.binary, "run", script_path, "--inputs", inputs_path, "-o", "json"],
            capture_output=True,
            text=True,
            timeout=self.timeout,
            env={**os.environ, "NUMSCRIPT_NO_TELEMETRY": "1"},
        )
        if completed.returncode != 0:
            missing = _REFERENCE_MISSING_FUNDS.search(completed.stderr)
            return Outcome(
                error_class=classify_reference_error(completed.stderr),
                error_message=(completed.stderr.strip() or completed.stdout.strip()),
                error_detail=" ".join(missing.groups()) if missing else "",
            )
        return _outcome_from_reference_json(json.loads(completed.stdout))


def _outcome_from_reference_json(result: Dict[str, Any]) -> Outcome:
    postings = tuple(
        (p["source"], p["destination"], p["asset"], int(p["amount"]), p.get("color", "") or "")
        for p in result.get("postings") or []
    )
    accounts: Dict[str, Dict[str, str]] = {}
    for row in result.get("accountsMeta") or []:
        accounts.setdefault(row["account"], {})[row["key"]] = row["value"]
    return Outcome(postings=postings, tx_metadata=dict(result.get("txMeta") or {}), accounts_metadata=accounts)


def run_ours(case: GeneratedCase) -> Outcome:
    """The case through sdk.numscript.run, any NumscriptError turned into its class name."""
    from sdk import numscript

    try:
        result = numscript.run(
            case.program,
            variables=dict(case.variables),
            balances={account: dict(assets) for account, assets in case.balances.items()},
            metadata={account: dict(entries) for account, entries in case.metadata.items()},
            feature_flags=tuple(case.feature_flags),
        )
    except numscript.MissingFundsError as error:
        detail = f"{error.asset} {error.needed} {error.available}"
        return Outcome(error_class=type(error).__name__, error_message=str(error), error_detail=detail)
    except numscript.NumscriptError as error:
        return Outcome(error_class=type(error).__name__, error_message=str(error))
    postings = tuple((p.source, p.destination, p.asset, p.amount, p.color or "") for p in result.postings)
    return Outcome(
        postings=postings,
        tx_metadata=dict(result.tx_metadata),
        accounts_metadata={account: dict(entries) for account, entries in result.accounts_metadata.items()},
    )


def outcomes_agree(reference: Outcome, ours: Outcome) -> bool:
    if reference.failed or ours.failed:
        if not (reference.failed and ours.failed and error_classes_match(reference.error_class, ours.error_class)):
            return False
        # both name the asset, the amount needed and the amount the sources had
        return not (reference.error_detail and ours.error_detail) or reference.error_detail == ours.error_detail
    return (
        reference.postings == ours.postings
        and reference.tx_metadata == ours.tx_metadata
        and reference.accounts_metadata == ours.accounts_metadata
    )


def mismatch_report(case: GeneratedCase, reference: Outcome, ours: Outcome) -> str:
    """Everything needed to reproduce a disagreement: program, inputs, both outcomes."""
    return "\n".join(
        [
            f"sdk.numscript disagrees with the reference numscript {REFERENCE_VERSION} (case seed {case.seed}):",
            "--- program ---",
            case.program,
            "--- inputs (reference inputs-file form) ---",
            json.dumps(reference_inputs(case)),
            "--- the same call in Python ---",
            f"numscript.run(program, variables={case.variables!r}, balances={case.balances!r}, "
            f"metadata={case.metadata!r}, feature_flags={tuple(case.feature_flags)!r})",
            "--- reference ---",
            reference.describe(),
            "--- sdk.numscript ---",
            ours.describe(),
        ]
    )
