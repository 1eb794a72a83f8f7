"""Generate the SDK, its docs and its per-operation tests from openapi.yaml + gen.yaml.

    python -m codegen                 # write into the repository
    python -m codegen --out DIR       # write into DIR instead (used by the regeneration test)
    python -m codegen --check         # exit 1 if the committed files differ from a fresh run

Output is deterministic: sorted, no timestamps, so regenerating an unchanged spec changes nothing.
Generated files are the ones listed by `generated_files`; anything else under the output
folders is hand-written and left alone (sdk/_runtime, sdk/utils, sdk/py.typed).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Dict

import yaml

from codegen import emit_clients, emit_docs, emit_models, emit_tests, spec_model
from codegen.ir import Api

ROOT = Path(__file__).resolve().parent.parent
#: Folders whose files all come from the generator (a stale file there is an error in --check).
GENERATED_DIRS = ("src/sdk/models", "src/sdk/resources", "docs/sdks", "docs/models", "tests/generated")
GENERATED_SINGLE_FILES = (
    "src/sdk/__init__.py",
    "src/sdk/sdk.py",
    "src/sdk/sdkconfiguration.py",
    "src/sdk/servers.py",
)


def load_inputs(root: Path) -> tuple:
    with open(root / "openapi.yaml", encoding="utf-8") as handle:
        spec = yaml.safe_load(handle)
    with open(root / "gen.yaml", encoding="utf-8") as handle:
        config = yaml.safe_load(handle)
    return spec, config


def generated_files(root: Path) -> Dict[str, str]:
    """Repository-relative path -> content of every generated file."""
    spec, config = load_inputs(root)
    api: Api = spec_model.build(spec, config)
    sdk_settings = config.get("sdk", {})
    version = str(sdk_settings.get("version", "0.0.0"))
    agent = str(sdk_settings.get("user_agent_name", sdk_settings.get("package_name", "sdk")))
    files: Dict[str, str] = {}
    for path, text in emit_models.emit(api).items():
        files["src/sdk/" + path] = text
    for path, text in emit_clients.emit(api, version, agent).items():
        files["src/sdk/" + path] = text
    for path, text in emit_docs.emit(api).items():
        files["docs/" + path] = text
    for path, text in emit_tests.emit(api).items():
        files["tests/generated/" + path] = text
    return dict(sorted(files.items()))


def existing_generated(root: Path) -> Dict[str, str]:
    found: Dict[str, str] = {}
    for folder in GENERATED_DIRS:
        base = root / folder
        if not base.exists():
            continue
        for path in sorted(base.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts and path.suffix in (".py", ".md"):
                found[str(path.relative_to(root))] = path.read_text(encoding="utf-8")
    for name in GENERATED_SINGLE_FILES:
        path = root / name
        if path.exists():
            found[name] = path.read_text(encoding="utf-8")
    return found


def write(files: Dict[str, str], out: Path, prune: bool) -> None:
    if prune:
        for stale in set(existing_generated(out)) - set(files):
            (out / stale).unlink()
    for relative, text in files.items():
        target = out / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        if not target.exists() or target.read_text(encoding="utf-8") != text:
            target.write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m codegen", description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=None, help="write into this folder instead of the repository")
    parser.add_argument("--check", action="store_true", help="fail if the committed output is not up to date")
    args = parser.parse_args(argv)
    files = generated_files(ROOT)
    if args.check:
        current = existing_generated(ROOT)
        changed = sorted(p for p in files if current.get(p) != files[p])
        stale = sorted(set(current) - set(files))
        for path in changed:
            print(f"out of date: {path}")
        for path in stale:
            print(f"not generated any more: {path}")
        return 1 if (changed or stale) else 0
    out = args.out or ROOT
    write(files, out, prune=args.out is None)
    print(f"wrote {len(files)} files into {os.path.relpath(out)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
