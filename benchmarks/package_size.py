"""Benchmark 3: the deployment package, zipped, as ``sam build`` makes it.

``sam build`` (the SAM CLI of .venv-sam, with its python3.13 first on PATH) runs on a copy of
template.yaml and src/ in a temporary folder, so nothing is written into the repository. The
function folder is zipped the way ``sam package`` does (deflate), without boto3, botocore and
s3transfer (the Lambda runtime has them; they should not be there anyway). Also reported: the
biggest parts, and the size with compiled bytecode added (``compileall``, unchecked-hash), which
would spare Lambda compiling the package on every cold start (see benchmark 2).

Target: at most 3 MB (3,000,000 bytes) zipped.
"""

from __future__ import annotations

import argparse
import compileall
import io
import os
import py_compile
import shutil
import tempfile
import zipfile
from collections import Counter
from pathlib import Path
from typing import Final

from benchmarks import ROOT, BenchError, Result, child_env, run_checked

TARGET_BYTES: Final = 3_000_000
FUNCTION: Final = "VendedLogsPolicyFunction"
RUNTIME_PROVIDED: Final = ("boto3", "botocore", "s3transfer")
PROJECT_FILES: Final = ("template.yaml", "LICENSE", "README.md")


def sam_executable() -> Path:
    """``$VLP_SAM`` (the Makefile exports it) or .venv-sam/bin/sam."""
    sam = Path(os.environ.get("VLP_SAM") or ROOT / ".venv-sam" / "bin" / "sam")
    if not sam.exists():
        raise BenchError(f"no SAM CLI at {sam}: run make install")
    return sam


def sam_build(dest: Path) -> Path:
    """``sam build`` a copy of the project in ``dest``; returns the function's build folder."""
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
    run_checked(argv, env, project, timeout=300)
    function_dir = dest / "build" / FUNCTION
    if not (function_dir / "vended_logs_policy" / "handler.py").exists():
        raise BenchError(f"sam build left no handler in {function_dir}")
    return function_dir


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


def with_bytecode(function_dir: Path, dest: Path) -> int:
    """Zip size once every module is compiled to unchecked-hash bytecode beside its source."""
    copy = dest / "with-bytecode"
    shutil.copytree(function_dir, copy)
    invalidation = py_compile.PycInvalidationMode.UNCHECKED_HASH
    if not compileall.compile_dir(copy, quiet=2, invalidation_mode=invalidation):
        raise BenchError("compileall failed on the built package")
    return zipped(copy)[0]


def mb(size: int) -> str:
    """Bytes in MB (10**6)."""
    return f"{size / 1_000_000:.2f} MB"


def run(function_dir: Path | None = None) -> Result:
    """Build (unless given a build), zip and break down the package."""
    workdir = Path(tempfile.mkdtemp(prefix="vlp-package-"))
    try:
        built = function_dir or sam_build(workdir)
        size, parts, left_out = zipped(built)
        files = [p for p in built.rglob("*") if p.is_file()]
        unzipped = sum(p.stat().st_size for p in files)
        compiled = sum(1 for p in files if p.suffix == ".pyc")
        bytecode_size = with_bytecode(built, workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    details = [
        f"{len(files)} files, {mb(unzipped)} unzipped, {compiled} .pyc shipped; "
        f"runtime-provided packages present: {', '.join(left_out) or 'none'}",
        "largest parts (zipped): "
        + ", ".join(f"{name} {size / 1000:.0f} kB" for name, size in parts.most_common(6)),
        f"with compiled bytecode added: {mb(bytecode_size)} zipped",
    ]
    return Result(
        3,
        "Deployment package (sam build, zipped, without boto3/botocore)",
        mb(size),
        f"at most {mb(TARGET_BYTES)}",
        size <= TARGET_BYTES,
        details,
    )


def main() -> int:
    """``python -m benchmarks.package_size [--function-dir DIR]``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--function-dir", type=Path, help="an existing sam build function folder")
    args = parser.parse_args()
    result = run(args.function_dir)
    print(result.report())
    return 0 if result.met else 1


if __name__ == "__main__":
    raise SystemExit(main())
