#!/usr/bin/env python3
"""Benchmark the SDK against raw ``requests`` + ``json`` on a local server.

    python benchmarks/run.py                          # this interpreter: raw vs its installed sdk
    python benchmarks/run.py --python /tmp/orig-venv/bin/python   # ... plus another interpreter
    python benchmarks/run.py --quick                  # < 1 minute, fewer repeats and sizes
    python benchmarks/run.py --no-self --python orig=/tmp/orig-venv/bin/python

Every measurement runs in a fresh process (one per repeat); medians over repeats are reported
as ratios sdk/raw measured in the same run under the same interpreter. A table goes to stdout,
progress to stderr and all samples to ``benchmarks/results/<timestamp>.json`` (and
``latest.json``). See ``benchmarks/README.md`` for how to read the output.

Stdlib only; the workloads themselves need ``requests`` (and ``sdk`` for the sdk target) in the
interpreter that runs them.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
RESULTS_DIR = HERE / "results"
WORKER = HERE / "_worker.py"
SERVER = HERE / "_server.py"

# Targets from issue 4: CPU ratio sdk/raw, same run, same interpreter.
TARGETS: dict[str, float] = {
    "cold-import": 1.5,
    "decode": 2.5,
    "small": 1.3,
    "encode": 2.0,
}
LINEAR_TOLERANCE = 1.5
HEADLINE_SIZE = 1000
RAW_COLD = "import requests, json\n"
SDK_COLD = "import sdk\ns = sdk.SDK(server_url={url!r}, security=None)\n"
SDK_COLD_TOUCH = (
    "import sdk\nfrom sdk.models import shared, operations\n"
    "s = sdk.SDK(server_url={url!r}, security=None)\ns.ledger.v2\n"
)
# Appended to every cold-start program (raw and sdk alike): report what got loaded.
COLD_EPILOGUE = """
import json as _j, resource as _r, sys as _s
_m = sorted(m for m in _s.modules if m == "sdk" or m.startswith("sdk."))
print(_j.dumps({"sdk_modules": len(_m), "modules": len(_s.modules),
                "maxrss": _r.getrusage(_r.RUSAGE_SELF).ru_maxrss, "sdk_module_names": _m}))
"""
PROBE = """
import json, platform, sys
info = {"python": platform.python_version(), "executable": sys.executable}
try:
    import requests
    info["requests"] = requests.__version__
except Exception as exc:
    info["requests_error"] = f"{type(exc).__name__}: {exc}"
try:
    import sdk
    from sdk.models import operations, shared
    info["sdk_file"] = getattr(sdk, "__file__", None)
    try:
        from importlib.metadata import version
        info["sdk_dist"] = version("formance-sdk-python")
    except Exception:
        info["sdk_dist"] = None
except Exception as exc:
    info["sdk_error"] = f"{type(exc).__name__}: {exc}"
print(json.dumps(info))
"""


# --------------------------------------------------------------------------- model


@dataclasses.dataclass
class Interpreter:
    label: str
    python: str
    env: dict[str, str]
    note: str = ""
    info: dict[str, Any] = dataclasses.field(default_factory=dict)

    @property
    def skip_reason(self) -> str | None:
        """Why this interpreter cannot run any workload, if it cannot."""
        if "unusable" in self.info:
            return str(self.info["unusable"])
        if "requests_error" in self.info:
            return f"requests not importable: {self.info['requests_error']}"
        return None

    @property
    def has_sdk(self) -> bool:
        return self.skip_reason is None and "sdk_error" not in self.info

    @property
    def has_requests(self) -> bool:
        return self.skip_reason is None


@dataclasses.dataclass(frozen=True)
class Case:
    """One row of measurements: a workload at a size; ``key`` identifies it in results."""

    key: str
    workload: str  # cold-import | cold-touch | decode | small | encode | encode-noreply
    size: int
    repeats: int
    warmup: int = 0
    iterations: int = 1
    min_iterations: int = 1
    min_time: float = 0.0

    @property
    def cold(self) -> bool:
        return self.workload.startswith("cold")


@dataclasses.dataclass
class Series:
    """Samples of one (interpreter, case, target)."""

    samples: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    error: dict[str, Any] | None = None

    def median(self, field: str) -> float | None:
        values = [s[field] for s in self.samples if s.get(field) is not None]
        return statistics.median(values) if values else None

    def first(self, field: str) -> Any:
        for s in self.samples:
            if s.get(field) is not None:
                return s[field]
        return None


@dataclasses.dataclass
class Config:
    repeats: int
    scaling_repeats: int
    sizes: list[int]
    small_calls: int
    min_time: float
    memory: bool
    timeout: float
    workloads: list[str]


# --------------------------------------------------------------------------- processes


def _foreign_env(base: dict[str, str]) -> dict[str, str]:
    """Environment for another interpreter: it must see only its own site-packages."""
    return {k: v for k, v in base.items() if k not in ("PYTHONPATH", "PYTHONHOME")}


def _bytecode_env(env: dict[str, str], pycache: str) -> dict[str, str]:
    """Compile once, then load .pyc files, for every package alike.

    Without this, a checkout run with PYTHONDONTWRITEBYTECODE (or a read-only install) would
    recompile its modules in every cold start while pip-installed packages load precompiled
    ones. All child processes share one bytecode cache in the run's temporary directory, warmed
    before timing, so nothing is written into the checkout or the venvs.
    """
    env = {k: v for k, v in env.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = pycache
    return env


def _probe(python: str, env: dict[str, str], cwd: str) -> dict[str, Any]:
    try:
        proc = subprocess.run(
            [python, "-c", PROBE],
            env=env,
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return {"unusable": f"cannot run {python}: {exc}"}
    try:
        return dict(json.loads(proc.stdout.strip().splitlines()[-1]))
    except (ValueError, IndexError):
        err = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        return {"unusable": f"probe failed: {err}"}


def _parse_python_arg(value: str) -> tuple[str, str]:
    """``PATH`` or ``LABEL=PATH`` -> (label, path)."""
    label, sep, path = value.partition("=")
    if sep and "/" not in label and os.sep not in label:
        return label, path
    p = Path(value)
    # /x/venv-name/bin/python -> venv-name
    guess = p.parent.parent.name if p.parent.name in ("bin", "Scripts") else p.name
    return guess or value, value


def resolve_interpreters(args: argparse.Namespace, cwd: str) -> list[Interpreter]:
    interpreters: list[Interpreter] = []
    base_env = _bytecode_env(dict(os.environ), os.path.join(cwd, "pycache"))
    if not args.no_self:
        env = dict(base_env)
        me = Interpreter("self", sys.executable, env)
        me.info = _probe(sys.executable, env, cwd)
        src = REPO / "src"
        if not me.has_sdk and not args.no_src_fallback and (src / "sdk" / "__init__.py").is_file():
            extra = os.pathsep.join(filter(None, [str(src), base_env.get("PYTHONPATH")]))
            env2 = dict(base_env, PYTHONPATH=extra)
            info2 = _probe(sys.executable, env2, cwd)
            if "sdk_error" not in info2:
                me.env, me.info, me.note = (
                    env2,
                    info2,
                    "sdk from src/ via PYTHONPATH (not installed)",
                )
            else:
                me.info["sdk_error_src"] = info2.get("sdk_error")
        interpreters.append(me)
    used = {i.label for i in interpreters}
    for value in args.python:
        label, path = _parse_python_arg(value)
        while label in used:
            label += "'"
        used.add(label)
        if base_env.get("PYTHONPATH"):
            print(f"note: PYTHONPATH is not passed to {label} ({path})", file=sys.stderr)
        env = _foreign_env(base_env)
        it = Interpreter(label, path, env)
        it.info = _probe(path, env, cwd)
        interpreters.append(it)
    return interpreters


class BenchServer:
    """The HTTP server subprocess; stopped by closing its stdin."""

    def __init__(self, sizes: Sequence[int]) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, str(SERVER), "--prerender", ",".join(map(str, sizes))],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=str(HERE),
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline().split()
        if len(line) != 2 or line[0] != "READY":
            self.stop()
            raise RuntimeError(f"benchmark server failed to start (got {line!r})")
        self.url = f"http://127.0.0.1:{int(line[1])}"

    def stats(self) -> dict[str, Any]:
        try:
            with urllib.request.urlopen(self.url + "/_bench/stats", timeout=10) as r:
                return dict(json.loads(r.read()))
        except OSError as exc:
            return {"error": str(exc)}

    def stop(self) -> None:
        stdin: IO[str] | None = self.proc.stdin
        if stdin is not None:
            stdin.close()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.terminate()
            self.proc.wait(timeout=10)


def _children_cpu() -> float:
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def _last_json(text: str) -> dict[str, Any] | None:
    for line in reversed(text.strip().splitlines()):
        try:
            value = json.loads(line)
        except ValueError:
            continue
        if isinstance(value, dict):
            return value
    return None


def run_cold(it: Interpreter, case: Case, target: str, url: str, cwd: str, timeout: float) -> dict[str, Any]:
    if target == "raw":
        code = RAW_COLD
    else:
        code = (SDK_COLD_TOUCH if case.workload == "cold-touch" else SDK_COLD).format(url=url)
    cpu0, wall0 = _children_cpu(), time.perf_counter()
    try:
        proc = subprocess.run(
            [it.python, "-c", code + COLD_EPILOGUE],
            check=False,
            env=it.env,
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        return {"ok": False, "stage": "import", "error": f"timed out after {timeout:.0f} s"}
    wall, cpu = time.perf_counter() - wall0, _children_cpu() - cpu0
    data = _last_json(proc.stdout) if proc.returncode == 0 else None
    if data is None:
        tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        return {
            "ok": False,
            "stage": "import",
            "error": tail,
            "traceback": proc.stderr[-2000:],
        }
    data.update(ok=True, cpu=cpu, wall=wall)
    return data


def run_worker(
    it: Interpreter,
    case: Case,
    target: str,
    url: str,
    cwd: str,
    timeout: float,
    memory: bool,
) -> dict[str, Any]:
    cmd = [
        it.python,
        str(WORKER),
        f"--workload={case.workload}",
        f"--target={target}",
        f"--url={url}",
        f"--size={case.size}",
        f"--warmup={case.warmup}",
        f"--iterations={case.iterations}",
        f"--min-iterations={case.min_iterations}",
        f"--min-time={case.min_time}",
    ]
    if memory:
        cmd.append("--memory")
    try:
        proc = subprocess.run(
            cmd,
            env=it.env,
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return {
            "ok": False,
            "stage": "run",
            "error": f"timed out after {timeout:.0f} s",
        }
    data = _last_json(proc.stdout)
    if data is None:
        tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        return {
            "ok": False,
            "stage": "run",
            "error": tail,
            "traceback": proc.stderr[-2000:],
        }
    return data


# --------------------------------------------------------------------------- plan


def build_plan(cfg: Config) -> list[Case]:
    r, sr = cfg.repeats, cfg.scaling_repeats
    mt = cfg.min_time
    plan: list[Case] = []
    if "cold" in cfg.workloads:
        plan.append(Case("cold-import", "cold-import", 0, r))
        plan.append(Case("cold-touch", "cold-touch", 0, r))
    if "small" in cfg.workloads:
        n = cfg.small_calls
        plan.append(Case("small", "small", 1, r, warmup=20, iterations=n, min_iterations=n))
    sized = [w for w in ("decode", "encode") if w in cfg.workloads]
    for w in sized:
        sizes = sorted(set(cfg.sizes) | {HEADLINE_SIZE})
        for size in sizes:
            headline = size == HEADLINE_SIZE
            plan.append(
                Case(
                    w if headline else f"{w}@{size}",
                    w,
                    size,
                    r if headline else sr,
                    warmup=3,
                    iterations=200,
                    min_time=mt,
                )
            )
        if w == "encode":
            plan.append(
                Case(
                    "encode-noreply",
                    "encode-noreply",
                    HEADLINE_SIZE,
                    r,
                    warmup=3,
                    iterations=200,
                    min_time=mt,
                )
            )
    return plan


def execute(
    plan: list[Case],
    interpreters: list[Interpreter],
    server: BenchServer,
    cfg: Config,
    cwd: str,
) -> dict[tuple[str, str, str], Series]:
    results: dict[tuple[str, str, str], Series] = {}
    jobs: list[tuple[Case, int, Interpreter, str]] = []
    for case in plan:
        for rep in range(case.repeats):
            for it in interpreters:
                if not it.has_requests:
                    continue
                targets = ["raw", "sdk"] if it.has_sdk else ["raw"]
                for target in targets:
                    jobs.append((case, rep, it, target))
    # One untimed cold start per interpreter and target first, so every timed one finds
    # compiled .pyc files (a first import after install or edit also compiles).
    for it in interpreters:
        if it.has_requests:
            warm = Case("warm", "cold-touch", 0, 1)
            for target in ["raw", "sdk"] if it.has_sdk else ["raw"]:
                run_cold(it, warm, target, server.url, cwd, cfg.timeout)
    total = len(jobs)
    for n, (case, rep, it, target) in enumerate(jobs, 1):
        series = results.setdefault((it.label, case.key, target), Series())
        if series.error is not None:
            continue
        memory = cfg.memory and rep == 0 and not case.cold
        if case.cold:
            sample = run_cold(it, case, target, server.url, cwd, cfg.timeout)
        else:
            sample = run_worker(it, case, target, server.url, cwd, cfg.timeout, memory)
        status = _fmt_time(sample["cpu"]) + " cpu" if sample.get("ok") else "FAILED: " + str(sample.get("error"))
        print(
            f"[{n:>3}/{total}] {case.key:<16} {it.label:<10} {target:<4} r{rep}  {status}",
            file=sys.stderr,
        )
        if sample.get("ok"):
            if series.samples:  # keep the module list once per series
                sample.pop("sdk_module_names", None)
            series.samples.append(sample)
        else:
            series.error = sample
    return results


# --------------------------------------------------------------------------- report


def _fmt_time(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    if seconds >= 1:
        return f"{seconds:.2f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds * 1e6:.1f} us"


def _fmt_bytes(n: float | None) -> str:
    if n is None:
        return "-"
    if n >= 1 << 20:
        return f"{n / (1 << 20):.1f} MiB"
    return f"{n / 1024:.0f} KiB"


def _ratio(a: float | None, b: float | None) -> float | None:
    if a is None or b is None or b <= 0:
        return None
    return a / b


def _fmt_ratio(x: float | None, target: float | None = None) -> str:
    if x is None:
        return "-"
    mark = ""
    if target is not None:
        mark = " ok" if x <= target else " MISS"
    return f"{x:.2f}x{mark}"


def _table(headers: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)]

    def line(cells: list[str]) -> str:
        return "  ".join(c.ljust(w) if i < 2 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths)))

    sep = "  ".join("-" * w for w in widths)
    return "\n".join([line(headers), sep, *(line(r) for r in rows)])


def _missing(series: Series | None) -> str:
    """Cell text when a series has no value: never measured, or failed."""
    if series is None:
        return "n/a"
    return "error" if series.error is not None else "-"


def _module_groups(names: list[str], top: int = 8) -> str:
    """Count modules per parent package (``sdk.models.shared.x`` -> ``sdk.models.shared``)."""
    counts: dict[str, int] = {}
    for name in names:
        key = name.rpartition(".")[0] or name
        counts[key] = counts.get(key, 0) + 1
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    shown = ", ".join(f"{k} {v}" for k, v in ranked[:top])
    rest = sum(v for _, v in ranked[top:])
    return shown + (f", other {rest}" if rest else "")


def _row_label(case: Case) -> str:
    labels = {
        "cold-import": "cold: import sdk + SDK()",
        "cold-touch": "cold: + models + s.ledger.v2",
        "small": f"small call (x{case.iterations}, per call)",
        "decode": f"decode {case.size} tx",
        "encode": f"encode bulk {case.size}",
        "encode-noreply": f"encode bulk {case.size}, empty reply",
    }
    return labels.get(case.key, f"{case.workload} {case.size}")


class Report:
    """Renders the tables and the machine-readable summary from collected series."""

    def __init__(
        self,
        plan: list[Case],
        interpreters: list[Interpreter],
        results: dict[tuple[str, str, str], Series],
    ) -> None:
        self.plan = plan
        self.usable = [it for it in interpreters if it.has_requests]
        self.results = results
        self.summary: list[dict[str, Any]] = []

    def pair(self, it: Interpreter, case: Case) -> tuple[Series | None, Series | None]:
        return (
            self.results.get((it.label, case.key, "raw")),
            self.results.get((it.label, case.key, "sdk")),
        )

    @staticmethod
    def med(series: Series | None, field: str) -> float | None:
        return series.median(field) if series is not None else None

    def render(self) -> str:
        sections = [self.time_table(), self.memory_table()]
        sections += [self.scaling_table(w) for w in ("decode", "encode")]
        sections += [self.modules_table(), self.errors()]
        return "\n\n".join(s for s in sections if s)

    def time_table(self) -> str:
        headers = ["workload", "target"]
        for it in self.usable:
            headers += [f"{it.label} raw cpu", "sdk cpu", "cpu x", "wall x"]
        rows: list[list[str]] = []
        for case in self.plan:
            if "@" in case.key:
                continue  # scaling sizes have their own table
            target = TARGETS.get(case.key)
            row = [_row_label(case), f"<= {target}x" if target else ""]
            for it in self.usable:
                raw, sdk = self.pair(it, case)
                raw_cpu, sdk_cpu = self.med(raw, "cpu"), self.med(sdk, "cpu")
                cpu_x = _ratio(sdk_cpu, raw_cpu)
                wall_x = _ratio(self.med(sdk, "wall"), self.med(raw, "wall"))
                sdk_cell = _fmt_time(sdk_cpu) if sdk_cpu is not None else _missing(sdk)
                row += [_fmt_time(raw_cpu), sdk_cell, _fmt_ratio(cpu_x, target)]
                row.append(_fmt_ratio(wall_x))
                entry: dict[str, Any] = {
                    "interpreter": it.label,
                    "case": case.key,
                    "target_ratio": target,
                    "raw_cpu": raw_cpu,
                    "sdk_cpu": sdk_cpu,
                    "cpu_ratio": cpu_x,
                    "wall_ratio": wall_x,
                    "meets_target": None if cpu_x is None or target is None else cpu_x <= target,
                }
                if case.workload.startswith("encode"):
                    for phase in ("build", "call"):
                        entry[f"{phase}_ratio"] = _ratio(self.med(sdk, f"{phase}_cpu"), self.med(raw, f"{phase}_cpu"))
                self.summary.append(entry)
            rows.append(row)
            if case.key == "encode":
                rows += [self.phase_row(case, phase) for phase in ("build", "call")]
        title = "Time: median over fresh processes (cold: whole process; others: per operation incl. building)"
        return title + "\n" + _table(headers, rows)

    def phase_row(self, case: Case, phase: str) -> list[str]:
        row = [f"  {phase} only", ""]
        for it in self.usable:
            raw, sdk = self.pair(it, case)
            rc, sc = self.med(raw, f"{phase}_cpu"), self.med(sdk, f"{phase}_cpu")
            rw, sw = self.med(raw, f"{phase}_wall"), self.med(sdk, f"{phase}_wall")
            row += [_fmt_time(rc), _fmt_time(sc), _fmt_ratio(_ratio(sc, rc))]
            row.append(_fmt_ratio(_ratio(sw, rw)))
        return row

    def memory_table(self) -> str:
        headers = ["workload", "metric"]
        for it in self.usable:
            headers += [f"{it.label} raw", "sdk", "x"]
        rows: list[list[str]] = []
        for case in self.plan:
            field = "maxrss_bytes" if case.cold else "peak_bytes"
            row = [_row_label(case), "peak RSS" if case.cold else "tracemalloc peak"]
            values: list[float | None] = []
            for it in self.usable:
                raw, sdk = self.pair(it, case)
                rv, sv = self.med(raw, field), self.med(sdk, field)
                values += [rv, sv]
                row += [_fmt_bytes(rv), _fmt_bytes(sv), _fmt_ratio(_ratio(sv, rv))]
            if any(v is not None for v in values):
                rows.append(row)
        if not rows:
            return ""
        title = "Memory: cold = peak RSS of the process; others = tracemalloc peak of one operation"
        return title + "\n" + _table(headers, rows)

    def per_element(self, it: Interpreter, case: Case, kind: str) -> float | None:
        cpu = self.med(self.results.get((it.label, case.key, kind)), "cpu")
        return cpu / case.size if cpu is not None else None

    def marginal_growth(self, it: Interpreter, cases: list[Case], kind: str) -> float | None:
        """Cost per additional element over the last size step / over the first step.

        Fixed per-call costs (HTTP exchange, headers) cancel out, unlike plain per-element cost.
        Needs at least three sizes.
        """
        if len(cases) < 3:
            return None
        cpu = [self.med(self.results.get((it.label, c.key, kind)), "cpu") for c in cases]
        t0, t1, u0, u1 = cpu[0], cpu[1], cpu[-2], cpu[-1]
        if t0 is None or t1 is None or u0 is None or u1 is None:
            return None
        first = (t1 - t0) / (cases[1].size - cases[0].size)
        last = (u1 - u0) / (cases[-1].size - cases[-2].size)
        return _ratio(last, first) if first > 0 and last > 0 else None

    def scaling_table(self, workload: str) -> str:
        cases = sorted((c for c in self.plan if c.workload == workload), key=lambda c: c.size)
        if len(cases) < 2:
            return ""
        headers = [f"{workload} scaling", "size"]
        for it in self.usable:
            headers += [f"{it.label} raw/elem", "sdk/elem", "x"]
        rows: list[list[str]] = []
        for case in cases:
            row = [workload, str(case.size)]
            for it in self.usable:
                rv = self.per_element(it, case, "raw")
                sv = self.per_element(it, case, "sdk")
                row += [_fmt_time(rv), _fmt_time(sv), _fmt_ratio(_ratio(sv, rv))]
            rows.append(row)
        lo, hi = cases[0], cases[-1]
        per_elem = [f"growth {lo.size}->{hi.size}", "per elem"]
        marginal = ["growth", "marginal"]
        for it in self.usable:
            raw_g = _ratio(self.per_element(it, hi, "raw"), self.per_element(it, lo, "raw"))
            sdk_g = _ratio(self.per_element(it, hi, "sdk"), self.per_element(it, lo, "sdk"))
            per_elem += [_fmt_ratio(raw_g), _fmt_ratio(sdk_g), _fmt_ratio(_ratio(sdk_g, raw_g))]
            raw_m = self.marginal_growth(it, cases, "raw")
            sdk_m = self.marginal_growth(it, cases, "sdk")
            # Raw json is linear by construction, yet its cost per element still grows on real
            # machines (caches, allocator, GC): judge the SDK against raw's growth.
            rel = _ratio(sdk_m, raw_m)
            verdict = _fmt_ratio(rel)
            if rel is not None:
                verdict += " linear" if rel <= LINEAR_TOLERANCE else " SUPERLINEAR"
            marginal += [_fmt_ratio(raw_m), _fmt_ratio(sdk_m), verdict]
            self.summary.append(
                {
                    "interpreter": it.label,
                    "case": f"{workload}-growth",
                    "sizes": [c.size for c in cases],
                    "raw_per_element_growth": raw_g,
                    "sdk_per_element_growth": sdk_g,
                    "raw_marginal_growth": raw_m,
                    "sdk_marginal_growth": sdk_m,
                    "relative_marginal_growth": rel,
                    "linear": None if rel is None else rel <= LINEAR_TOLERANCE,
                }
            )
        rows += [per_elem, marginal] if len(cases) >= 3 else [per_elem]
        title = f"Scaling: CPU per element; growth 'per elem' = cost per element at {hi.size} / at {lo.size}"
        if len(cases) >= 3:
            title += (
                f"\n  'marginal' = cost of each extra element between the two largest sizes / between the"
                f" two smallest;\n  verdict: linear if the sdk's marginal growth <= {LINEAR_TOLERANCE}x raw's"
            )
        return title + "\n" + _table(headers, rows)

    def modules_table(self) -> str:
        cold = [c for c in self.plan if c.cold]
        if not cold:
            return ""
        headers = ["cold start", "metric"]
        for it in self.usable:
            headers += [f"{it.label} raw", "sdk"]
        rows: list[list[str]] = []
        for case in cold:
            for field, label in (
                ("sdk_modules", "sdk.* modules"),
                ("modules", "all modules"),
            ):
                row = [_row_label(case), label]
                for it in self.usable:
                    for series in self.pair(it, case):
                        value = series.first(field) if series is not None else None
                        row.append("-" if value is None else str(value))
                rows.append(row)
        lines = ["Modules loaded by the cold-start process", _table(headers, rows)]
        for case in cold:
            if case.key != "cold-touch":
                continue
            for it in self.usable:
                series = self.pair(it, case)[1]
                names = series.first("sdk_module_names") if series is not None else None
                if names:
                    lines.append(f"  {it.label}, after touching s.ledger.v2, by package:")
                    lines.append("    " + _module_groups(names))
        return "\n".join(lines)

    def errors(self) -> str:
        lines = [
            f"  {label} {key} {kind}: [{s.error.get('stage')}] {s.error.get('error')}"
            for (label, key, kind), s in self.results.items()
            if s.error is not None
        ]
        if not lines:
            return ""
        return "\n".join(["Errors (the affected cells show 'error'):", *lines])


def _header(interpreters: list[Interpreter], cfg: Config, server_url: str) -> str:
    lines = [
        (
            f"formance sdk benchmark  {dt.datetime.now().isoformat(timespec='seconds')}  "
            f"{platform.platform()}  cpus={os.cpu_count()}  load={os.getloadavg()[0]:.2f}"
        ),
        (
            f"repeats={cfg.repeats} (scaling sizes: {cfg.scaling_repeats})  sizes={cfg.sizes}  "
            f"small calls={cfg.small_calls}  server={server_url}"
        ),
    ]
    for it in interpreters:
        info = it.info
        versions = f"Python {info.get('python', '?')}, requests {info.get('requests', '?')}"
        desc = f"  {it.label}: {it.python} ({versions})"
        if it.skip_reason is not None:
            desc += f"\n      SKIPPED: {it.skip_reason}"
        elif not it.has_sdk:
            desc += f"\n      sdk NOT importable ({info.get('sdk_error')}): measuring raw only"
            if info.get("sdk_error_src"):
                desc += f"\n      (also tried src/: {info['sdk_error_src']})"
        else:
            dist = info.get("sdk_dist") or "(no dist metadata)"
            desc += f"\n      sdk {dist} from {info.get('sdk_file')}"
            if it.note:
                desc += f"  [{it.note}]"
        lines.append(desc)
    return "\n".join(lines)


# --------------------------------------------------------------------------- main


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description="Benchmark sdk vs raw requests+json on a local server.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--python",
        "--compare",
        dest="python",
        action="append",
        default=[],
        metavar="[LABEL=]PATH",
        help="also run the workloads under this interpreter (repeatable)",
    )
    p.add_argument("--no-self", action="store_true", help="do not measure the current interpreter")
    p.add_argument(
        "--no-src-fallback",
        action="store_true",
        help="if sdk is not installed here, do not fall back to the checkout's src/",
    )
    p.add_argument("--quick", action="store_true", help="fewer repeats and sizes (< 1 minute)")
    p.add_argument(
        "--repeats",
        type=int,
        help="fresh processes per measurement (default 5, quick 3)",
    )
    p.add_argument(
        "--scaling-repeats",
        type=int,
        help="repeats for non-headline sizes (default 3, quick 2)",
    )
    p.add_argument(
        "--sizes",
        help="comma-separated element counts for scaling (default 100,1000,10000)",
    )
    p.add_argument(
        "--small-calls",
        type=int,
        help="create_transaction calls per process (default 500)",
    )
    p.add_argument(
        "--min-time",
        type=float,
        help="seconds of timed operations per process (default 0.5)",
    )
    p.add_argument(
        "--only",
        default="cold,small,decode,encode",
        help="comma-separated subset of: cold,small,decode,encode",
    )
    p.add_argument("--no-memory", action="store_true", help="skip tracemalloc measurements")
    p.add_argument("--timeout", type=float, default=900.0, help="per-process timeout in seconds")
    p.add_argument(
        "--output",
        type=Path,
        help="JSON output path (default benchmarks/results/<time>.json)",
    )
    p.add_argument("--report", type=Path, metavar="JSON", help="print the tables of a saved results file and exit")
    return p.parse_args(argv)


def make_config(args: argparse.Namespace) -> Config:
    quick = bool(args.quick)
    sizes = [int(s) for s in args.sizes.split(",")] if args.sizes else ([100, 1000] if quick else [100, 1000, 10000])
    workloads = [w.strip() for w in args.only.split(",") if w.strip()]
    unknown = set(workloads) - {"cold", "small", "decode", "encode"}
    if unknown:
        raise SystemExit(f"unknown workloads: {', '.join(sorted(unknown))}")
    return Config(
        repeats=args.repeats or (3 if quick else 5),
        scaling_repeats=args.scaling_repeats or (2 if quick else 3),
        sizes=sorted(set(sizes)),
        small_calls=args.small_calls or (100 if quick else 500),
        min_time=args.min_time if args.min_time is not None else (0.2 if quick else 0.5),
        memory=not args.no_memory,
        timeout=args.timeout,
        workloads=workloads,
    )


def measure(args: argparse.Namespace, cfg: Config) -> dict[str, Any] | None:
    """Run every workload; return the results document (None if nothing could run)."""
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="sdk-bench-") as cwd:
        interpreters = resolve_interpreters(args, cwd)
        if not interpreters:
            print("nothing to measure: --no-self given and no --python", file=sys.stderr)
            return None
        for it in interpreters:
            if it.skip_reason is not None:
                print(f"warning: {it.label} skipped: {it.skip_reason}", file=sys.stderr)
            elif not it.has_sdk:
                err = it.info.get("sdk_error")
                print(f"warning: {it.label}: sdk not importable ({err}); measuring raw only", file=sys.stderr)
        if not any(it.has_requests for it in interpreters):
            print("error: no interpreter can run the workloads", file=sys.stderr)
            return None
        server = BenchServer([*cfg.sizes, HEADLINE_SIZE])
        try:
            plan = build_plan(cfg)
            header = _header(interpreters, cfg, server.url)
            print(header, file=sys.stderr)
            results = execute(plan, interpreters, server, cfg, cwd)
            server_stats = server.stats()
        finally:
            server.stop()
    maxrss_scale = 1 if sys.platform == "darwin" else 1024  # ru_maxrss: bytes on macOS, KiB on Linux
    for series in results.values():
        for sample in series.samples:
            if "maxrss" in sample:
                sample["maxrss_bytes"] = sample["maxrss"] * maxrss_scale
    report = Report(plan, interpreters, results)
    report.render()  # fills report.summary
    return {
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "header": header,
        "machine": {
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "loadavg_end": os.getloadavg(),
            "orchestrator_python": platform.python_version(),
        },
        "config": dataclasses.asdict(cfg),
        "targets": TARGETS,
        # Never the environment: it may hold credentials.
        "interpreters": [
            {"label": it.label, "python": it.python, "note": it.note, "info": it.info} for it in interpreters
        ],
        "plan": [dataclasses.asdict(c) for c in plan],
        "summary": report.summary,
        "results": [
            {
                "interpreter": label,
                "case": key,
                "target": target,
                "median_cpu": series.median("cpu"),
                "median_wall": series.median("wall"),
                "error": series.error,
                "samples": series.samples,
            }
            for (label, key, target), series in results.items()
        ],
        "server": server_stats,
        "elapsed_seconds": time.perf_counter() - started,
    }


def render(document: dict[str, Any]) -> str:
    """The printed report of a results document (fresh, or loaded with --report)."""
    plan = [Case(**c) for c in document["plan"]]
    interpreters = [
        Interpreter(label=it["label"], python=it["python"], env={}, note=it.get("note", ""), info=it["info"])
        for it in document["interpreters"]
    ]
    results = {
        (r["interpreter"], r["case"], r["target"]): Series(samples=r["samples"], error=r["error"])
        for r in document["results"]
    }
    server = document.get("server", {})
    footer = (
        f"server CPU: {float(server.get('cpu_seconds', 0.0)):.2f} s over {server.get('requests', '?')}"
        f" requests; total run time {float(document.get('elapsed_seconds', 0.0)):.0f} s"
    )
    tables = Report(plan, interpreters, results).render()
    return "\n\n".join([document.get("header", ""), tables, footer])


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.report is not None:
        print(render(json.loads(args.report.read_text())))
        return 0
    document = measure(args, make_config(args))
    if document is None:
        return 2
    print(render(document))
    RESULTS_DIR.mkdir(exist_ok=True)
    path = args.output or RESULTS_DIR / f"bench-{dt.datetime.now().strftime('%Y%m%d-%H%M%S')}.json"
    text = json.dumps(document, indent=1, default=str)
    path.write_text(text)
    if args.output is None:
        (RESULTS_DIR / "latest.json").write_text(text)
    print(f"results: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
