"""Benchmark 3: the deployment packages, zipped, exactly as ``sam build`` leaves them.

``sam build`` (the SAM CLI of .venv-sam, with its python3.13 first on PATH) runs on a copy of
template.yaml and src/ in a temporary folder, so nothing is written into the repository. The
build runs src/Makefile (``BuildMethod: makefile``), which already compiles the package to
bytecode; each function's folder is zipped as it is (deflate, as ``sam package`` does), nothing
compiled or removed here. boto3, botocore and s3transfer would be left out (the Lambda runtime has
them) and reported, but the build should not ship them at all.

Measured: the custom resource's function, and every other function of the template that runs this
package (the account guard and the watch, once the template builds them).

Target: each at most 3 MB (3,000,000 bytes) zipped.
"""

from __future__ import annotations

import argparse
import importlib
import io
import os
import shutil
import tempfile
import zipfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from benchmarks import ROOT, BenchError, Figure, Result, child_env, exit_status, run_checked

TARGET_BYTES: Final = 3_000_000
RUNTIME_PROVIDED: Final = ("boto3", "botocore", "s3transfer")
PROJECT_FILES: Final = ("template.yaml", "LICENSE", "README.md")
PACKAGE: Final = "vended_logs_policy"
CUSTOM_RESOURCE: Final = "vended_logs_policy.function.custom_resource"
# The package's Lambda entry points by handler module, with what the reports call them.
HANDLERS: Final = {
    CUSTOM_RESOURCE: "custom resource",
    "vended_logs_policy.function.account_guard": "account guard",
    "vended_logs_policy.function.watch": "watch",
}


@dataclass(frozen=True)
class Function:
    """One built function: its logical id, the module of its handler, its build folder."""

    logical_id: str
    module: str
    folder: Path


def sam_executable() -> Path:
    """``$VLP_SAM`` (the Makefile exports it) or .venv-sam/bin/sam."""
    sam = Path(os.environ.get("VLP_SAM") or ROOT / ".venv-sam" / "bin" / "sam")
    if not sam.exists():
        raise BenchError(f"no SAM CLI at {sam}: run make install")
    return sam


def read_template(path: Path) -> Any:
    """A template's YAML; CloudFormation's short-form tags (!GetAtt, !Sub, ...) read as None."""
    yaml: Any = importlib.import_module("yaml")  # PyYAML, without type stubs
    loader: Any = type("TemplateLoader", (yaml.SafeLoader,), {})
    loader.add_multi_constructor("!", lambda _loader, _suffix, _node: None)
    return yaml.load(path.read_text(encoding="utf-8"), Loader=loader)


def built_functions(build_dir: Path) -> list[Function]:
    """The functions of a build folder that run this package, from its built template.

    The custom resource's function comes first; ``BenchError`` when it is missing.
    """
    build_dir = build_dir.resolve()  # the handlers' children run in other folders
    if not (build_dir / "template.yaml").is_file():
        raise BenchError(
            f"{build_dir} holds no template.yaml: give a sam build folder (.aws-sam/build)"
        )
    template = read_template(build_dir / "template.yaml")
    found: list[Function] = []
    for logical_id, resource in (template.get("Resources") or {}).items():
        properties = resource.get("Properties") or {}
        handler = properties.get("Handler")
        if resource.get("Type") != "AWS::Serverless::Function" or not isinstance(handler, str):
            continue
        module = handler.rpartition(".")[0]
        folder = build_dir / logical_id
        if module.startswith(f"{PACKAGE}.") and folder.is_dir():
            found.append(Function(logical_id, module, folder))
    found.sort(key=lambda f: (f.module != CUSTOM_RESOURCE, f.logical_id))
    if not found or found[0].module != CUSTOM_RESOURCE:
        raise BenchError(f"sam build left no {CUSTOM_RESOURCE} function in {build_dir}")
    for function in found:
        source = function.folder / (function.module.replace(".", "/") + ".py")
        if not source.exists():
            raise BenchError(f"sam build left no {source}")
    return found


def sam_build(dest: Path) -> list[Function]:
    """``sam build`` a copy of the project in ``dest``; the functions it built."""
    project = dest / "project"
    project.mkdir(parents=True)
    for name in PROJECT_FILES:
        if (ROOT / name).exists():
            shutil.copy2(ROOT / name, project / name)
    shutil.copytree(
        ROOT / "src", project / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info")
    )
    sam = sam_executable()
    path = f"{sam.parent}{os.pathsep}{os.environ.get('PATH', '')}"
    env = child_env({"PATH": path, "SAM_CLI_TELEMETRY": "0"})
    argv = [str(sam), "build", "--template-file", "template.yaml"]
    argv += ["--build-dir", str(dest / "build"), "--cache-dir", str(dest / "cache")]
    run_checked(argv, env, project, timeout=600)
    return built_functions(dest / "build")


def _part(relative: Path) -> str:
    """The breakdown key of a file: its top-level folder, one level deeper for Powertools."""
    parts = relative.parts
    if parts[0] == "aws_lambda_powertools" and len(parts) > 2:
        return f"{parts[0]}/{parts[1]}"
    return parts[0]


def zipped(function_dir: Path) -> tuple[int, Counter[str], list[str]]:
    """Zip size in bytes, compressed bytes per part, and the runtime-provided parts left out."""
    buffer = io.BytesIO()
    parts: Counter[str] = Counter()
    left_out: set[str] = set()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(function_dir.rglob("*")):
            relative = path.relative_to(function_dir)
            top = relative.parts[0].split("-")[0]
            if top in RUNTIME_PROVIDED:
                left_out.add(top)
                continue
            if path.is_file():
                archive.write(path, relative.as_posix())
        for info in archive.infolist():
            parts[_part(Path(info.filename))] += info.compress_size
    return len(buffer.getvalue()), parts, sorted(left_out)


def mb(size: int) -> str:
    """Bytes in MB (10**6)."""
    return f"{size / 1_000_000:.2f} MB"


def measure(function: Function) -> tuple[int, list[str]]:
    """One function's zipped size and its report lines."""
    size, parts, left_out = zipped(function.folder)
    files = [p for p in function.folder.rglob("*") if p.is_file()]
    unzipped = sum(p.stat().st_size for p in files)
    compiled = sum(1 for p in files if p.suffix == ".pyc")
    sources = sum(1 for p in files if p.suffix == ".py")
    pyc = sum(p.stat().st_size for p in files if p.suffix == ".pyc")
    lines = [
        f"{function.logical_id} ({function.module}): {mb(size)} zipped; {len(files)} files, "
        f"{mb(unzipped)} unzipped, {compiled} .pyc for {sources} .py ({mb(pyc)} of bytecode); "
        f"runtime-provided packages present: {', '.join(left_out) or 'none'}",
        "  largest parts (zipped): "
        + ", ".join(f"{name} {part / 1000:.0f} kB" for name, part in parts.most_common(6)),
    ]
    return size, lines


def run(functions: list[Function] | None = None) -> Result:
    """Build (unless given a build), then zip and break down each function as built."""
    workdir = Path(tempfile.mkdtemp(prefix="vlp-package-"))
    try:
        built = functions or sam_build(workdir)
        measured = [(function, *measure(function)) for function in built]
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    details = [line for _, _, lines in measured for line in lines]
    figures = [
        Figure(
            f"{HANDLERS.get(f.module, f.logical_id)} function, zipped as built",
            mb(size),
            f"at most {mb(TARGET_BYTES)}",
            size <= TARGET_BYTES,
        )
        for f, size, _ in measured
    ]
    missing = sorted(set(HANDLERS) - {f.module for f in built})
    if missing:
        details.append(f"not built by this template: {', '.join(missing)}")
    return Result(
        3,
        "Deployment packages (sam build output as is, zipped, without boto3/botocore)",
        ", ".join(f"{f.logical_id} {mb(size)}" for f, size, _ in measured),
        f"each at most {mb(TARGET_BYTES)}",
        all(figure.met for figure in figures),
        details,
        figures,
    )


def main() -> int:
    """``python -m benchmarks.package_size [--build-dir DIR]``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--build-dir", type=Path, help="an existing sam build folder (.aws-sam/build)"
    )
    args = parser.parse_args()
    result = run(built_functions(args.build_dir) if args.build_dir else None)
    print(result.report())
    return 0 if result.met else 1


if __name__ == "__main__":
    raise SystemExit(exit_status(main))
