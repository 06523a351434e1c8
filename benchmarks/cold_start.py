"""Benchmark 1: cold start of the Lambda entry points against ``import boto3`` alone.

Figures, each the median over interleaved rounds of a run's time against the baseline run of the
same round (``paired_ratio``; the ratio of the two series' medians is reported beside it), fresh
processes:

- import: ``import vended_logs_policy.function.custom_resource`` (and the account guard's and the
  watch's handler modules, ``account_guard`` and ``watch``, when the package has them) against
  ``import boto3`` (the Lambda runtime has boto3 anyway, so that part is not ours);
- first Create: importing the custom resource's module plus one Create request through its real
  module-level ``lambda_handler`` (read, write, verifying read against moto, served from the
  benchmark's own process, then the HTTPS answer to the test harness's ResponseEndpoint), against
  a plain boto3 script that makes the same three calls and sends the same HTTPS answer: the least
  any implementation has to do. Every run is checked: one SUCCESS answer, those three calls and
  no other, the fixed policy stored.

Each runs in two layouts:

- installed: the package as installed in .venv, every module (boto3's too) from warm bytecode in
  a private ``PYTHONPYCACHEPREFIX``;
- packaged: the ``sam build`` output on ``PYTHONPATH`` with bytecode writing off, as Lambda runs it
  (its code folder is read-only): what the build ships is what is used, and src/Makefile ships
  compiled bytecode. Each entry point is imported from its own function's build when the template
  builds one, otherwise from the custom resource's (the whole package is in every build). boto3
  comes from .venv, standing in for the runtime's, with bytecode beside its modules as the
  runtime has it: uv installs none, so the benchmark compiles what ``import boto3`` loads from
  .venv once, first (without it the baseline compiled botocore in every run, 825 ms against
  314 ms, and every packaged ratio came out too low).

Every child ends with ``os._exit(0)``: interpreter teardown is not part of a cold start (Lambda
keeps the process), and it grows with what was loaded. Beside each wall-clock ratio the report
gives the ratio of the children's CPU time, which other work on the machine moves less.
``-X importtime`` then shows where the custom resource's extra import time goes.

Every handler process has the literal environment template.yaml gives its function (the
``POWERTOOLS_*`` variables), as deployed.

Targets (wall clock): each handler's import at most 1.10 (issue 17); import + first Create at
most 1.25 (it includes the request's own work: the engine and the service load on first use).
The judged ratios are printed with three decimals, so a figure just over its target does not
read as equal to it.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import re
import shutil
import statistics
import tempfile
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Final

from benchmarks import (
    ANSWER_CODE,
    CONTEXT_CODE,
    EXIT,
    PYTHON,
    BenchError,
    Figure,
    Result,
    Sample,
    alternate,
    child_env,
    exit_status,
    ms,
    paired_ratio,
    run_checked,
    sampled,
    split,
    use_dummy_aws,
)
from benchmarks.package_size import CUSTOM_RESOURCE, HANDLERS, Function
from local_aws.function_env import handler_environment
from local_aws.policies import NAME, compliant_text, report_text

if TYPE_CHECKING:
    from local_aws.logs_server import LogsServer
    from local_aws.response_endpoint import ResponseEndpoint

IMPORT_TARGET: Final = 1.10
CREATE_TARGET: Final = 1.25
DEFAULT_RUNS: Final = 21

IMPORT_BOTO3: Final = "import boto3"
# What a first Create on the report's policy makes, on both sides: read, write, verifying read.
CALLS: Final = ("DescribeResourcePolicies", "PutResourcePolicy", "DescribeResourcePolicies")

CREATE_HANDLER: Final = (
    f"""
import json, os
from {CUSTOM_RESOURCE} import lambda_handler
{CONTEXT_CODE}
lambda_handler(json.loads(os.environ["VLP_BENCH_EVENT"]), Context())
"""
    + EXIT
)

CREATE_BOTO3: Final = (
    f"""
import json, os
import boto3
{ANSWER_CODE}
event = json.loads(os.environ["VLP_BENCH_EVENT"])
client = boto3.client("logs")
client.describe_resource_policies(limit=50)
client.put_resource_policy(
    policyName=event["ResourceProperties"]["PolicyName"],
    policyDocument=os.environ["VLP_BENCH_DOCUMENT"],
)
client.describe_resource_policies(limit=50)
answer(event)
"""
    + EXIT
)


def short(module: str) -> str:
    """The last part of a module's name: ``custom_resource``."""
    return module.rpartition(".")[2]


def entry_points() -> list[str]:
    """The handler modules the installed package has, the custom resource's first."""
    return [module for module in HANDLERS if importlib.util.find_spec(module) is not None]


@dataclass(frozen=True)
class Layout:
    """How the child processes find their code: the baseline's environment, and each module's."""

    name: str
    baseline_env: dict[str, str]
    module_envs: dict[str, dict[str, str]]


def installed_layout(cache: Path, modules: list[str], pythonpath: str | None) -> Layout:
    """The .venv as installed; every module from warm bytecode in a private cache."""
    env = {"PYTHONPYCACHEPREFIX": str(cache)}
    handler = env | ({"PYTHONPATH": pythonpath} if pythonpath else {})
    return Layout("installed", env, {m: handler | handler_environment(m) for m in modules})


def packaged_layout(functions: list[Function], modules: list[str]) -> Layout:
    """The ``sam build`` output, no bytecode written (as on Lambda); boto3 from .venv."""
    env = {"PYTHONDONTWRITEBYTECODE": "1"}
    folders = {f.module: f.folder for f in functions}
    default = functions[0].folder  # the custom resource's build holds the whole package
    return Layout(
        "packaged",
        env,
        {
            m: env | handler_environment(m) | {"PYTHONPATH": str(folders.get(m, default))}
            for m in modules
        },
    )


# What `import boto3` loads from site-packages, compiled beside its source where it is not yet.
RUNTIME_BYTECODE: Final = """
import importlib.util, os, py_compile, sys, sysconfig
import boto3
root = sysconfig.get_paths()["purelib"]
files = [m.__file__ for m in list(sys.modules.values())
         if (getattr(m, "__file__", None) or "").startswith(root) and m.__file__.endswith(".py")]
missing = [f for f in files if not os.path.exists(importlib.util.cache_from_source(f))]
for f in missing:
    py_compile.compile(f, doraise=True)
print(len(files), len(missing))
"""


def runtime_bytecode(workdir: Path) -> str:
    """Give boto3 and what it loads from .venv bytecode beside their sources (as the Lambda
    runtime's boto3 has); a report line."""
    # -B: the import itself writes nothing, so the count says what was missing.
    done = run_checked([str(PYTHON), "-B", "-c", RUNTIME_BYTECODE], child_env(), workdir)
    loaded, compiled = done.stdout.split()
    return (
        f"packaged baseline: boto3 from .venv, its {loaded} modules there with bytecode "
        f"({compiled} compiled now)"
    )


def check_layout(layout: Layout, module: str, workdir: Path) -> str:
    """Where ``module`` comes from in this layout; packaged, whether the build has its bytecode.

    In the packaged layout, the module and every dependency it loads that the build ships
    (crhelper, Powertools) must come from the build (BenchError otherwise).
    """
    code = (
        f"import importlib.util, os, sys, {module}; "
        "found = [sys.modules[m].__file__ for m in "
        f"({module!r}, 'crhelper', 'aws_lambda_powertools') if m in sys.modules]; "
        "print(*found); "
        "print(os.path.exists(importlib.util.cache_from_source(found[0])))"
    )
    env = child_env(layout.module_envs[module])
    first, second = run_checked([str(PYTHON), "-c", code], env, workdir).stdout.splitlines()
    found = first.split()
    wanted = layout.module_envs[module].get("PYTHONPATH")
    if layout.name == "packaged" and wanted and not all(f.startswith(wanted) for f in found):
        raise BenchError(f"packaged layout imports from outside {wanted}: {found}")
    if layout.name != "packaged":
        return f"{short(module)} from {found[0]}"
    shipped = "bytecode shipped" if second == "True" else "NO bytecode shipped: compiled each time"
    return f"{short(module)} from {found[0]} ({shipped})"


class CreateRig:
    """Reseeds moto with the report's policy before each run and checks what the run did."""

    def __init__(self, server: LogsServer, endpoint: ResponseEndpoint, workdir: Path) -> None:
        self.server = server
        self.endpoint = endpoint
        self.workdir = workdir
        self.fixed = compliant_text()

    def event(self) -> dict[str, object]:
        """A Create request answered to the ResponseEndpoint."""
        from local_aws.events import cfn_request

        return cfn_request(
            "Create",
            {"PolicyName": NAME},
            response_url=self.endpoint.url_for("cold-start"),
            request_id="cold-start",
        )

    def env(self, extra: Mapping[str, str]) -> dict[str, str]:
        """The child's environment: moto's endpoint, the CA of the response endpoint, the event."""
        return child_env(
            dict(extra)
            | {
                "AWS_ENDPOINT_URL": self.server.url,
                "SSL_CERT_FILE": self.endpoint.ca_path,
                "VLP_BENCH_EVENT": json.dumps(self.event()),
                "VLP_BENCH_DOCUMENT": self.fixed,
            }
        )

    def runner(self, code: str, extra: Mapping[str, str], handler: bool) -> Callable[[], Sample]:
        """One timed run: reseed, run the child, check the answer and the stored policy."""
        from local_aws.product import seed, stored_policies

        env = self.env(extra)
        argv = [str(PYTHON), "-c", code]

        def run() -> Sample:
            self.server.reset()
            self.endpoint.clear()
            seed(self.server, report_text())
            seconds = sampled(argv, env, self.workdir)
            answers = self.endpoint.responses
            body = answers[-1].body if answers else None
            if len(answers) != 1 or body is None or body.get("Status") != "SUCCESS":
                raise BenchError(f"first Create did not answer SUCCESS once: {answers}")
            if handler and body.get("Data", {}).get("Changed") != "true":
                raise BenchError(f"first Create changed nothing: {body}")
            if list(stored_policies(self.server).values()) != [self.fixed]:
                raise BenchError("first Create did not leave the fixed policy")
            if self.server.calls != list(CALLS):
                raise BenchError(f"first Create made other calls than {CALLS}: {self.server.calls}")
            return seconds

        return run


def importtime(env: Mapping[str, str], code: str, workdir: Path) -> dict[str, int]:
    """Self time in microseconds of every module ``code`` imports (``-X importtime``)."""
    done = run_checked([str(PYTHON), "-X", "importtime", "-c", code], env, workdir)
    found: dict[str, int] = {}
    for line in done.stderr.splitlines():
        match = re.match(r"import time:\s+(\d+) \|\s+\d+ \|\s+(\S.*)$", line)
        if match:
            found[match.group(2).strip()] = int(match.group(1))
    return found


# What a handler module loads beyond ``import boto3`` that is not the package: its dependencies.
LOADED_BEYOND_BOTO3: Final = """
import sys, boto3
before = set(sys.modules)
import {module}
print(*sorted(m for m in set(sys.modules) - before if not m.startswith("vended_logs_policy")))
"""

# One process: boto3, then those dependencies, then the handler module (only the package is left).
SPLIT_IMPORT: Final = (
    """
import importlib, time
t0 = time.perf_counter()
import boto3
t1 = time.perf_counter()
for name in {dependencies!r}:
    importlib.import_module(name)
t2 = time.perf_counter()
import {module}
t3 = time.perf_counter()
print(t1 - t0, t2 - t1, t3 - t2)
"""
    + EXIT
)


def split_line(layout: Layout, module: str, workdir: Path, runs: int) -> str:
    """A handler's import split in one process (medians of ``runs`` processes): boto3, the
    dependencies it loads beyond boto3, and the package; no interpreter start-up and no
    comparison of separate processes, so the host's noise moves it far less than the ratios."""
    env = child_env(layout.module_envs[module])
    probe = [str(PYTHON), "-c", LOADED_BEYOND_BOTO3.format(module=module)]
    dependencies = run_checked(probe, env, workdir).stdout.split()
    code = SPLIT_IMPORT.format(dependencies=dependencies, module=module)
    argv = [str(PYTHON), "-c", code]
    rows = [[float(t) for t in run_checked(argv, env, workdir).stdout.split()] for _ in range(runs)]
    boto3_s, dependencies_s, package_s = (
        statistics.median(row[part] for row in rows) for part in range(3)
    )
    names = ", ".join(sorted({name.split(".")[0] for name in dependencies})) or "none"
    return (
        f"{layout.name} {short(module)} in one process (medians of {runs}): import boto3 "
        f"{ms(boto3_s)}, then its dependencies {ms(dependencies_s)} "
        f"({dependencies_s / boto3_s:.3f} of boto3's; {names}), then the package "
        f"{ms(package_s)} ({package_s / boto3_s:.3f})"
    )


def attribution(layout: Layout, module: str, workdir: Path, top: int = 7) -> str:
    """Where ``module``'s import spends time beyond ``import boto3``, by top-level package."""
    base_env = child_env(layout.baseline_env)
    module_env = child_env(layout.module_envs[module])
    # A first run of each fills the bytecode cache of the installed layout.
    importtime(base_env, IMPORT_BOTO3, workdir)
    importtime(module_env, f"import {module}", workdir)
    base = importtime(base_env, IMPORT_BOTO3, workdir)
    mine = importtime(module_env, f"import {module}", workdir)
    body = mine.pop(module, 0)
    extra: dict[str, int] = defaultdict(int)
    for name, micros in mine.items():
        # Modules boto3 also imports count by what they cost beyond boto3's run, netted per
        # package: one run's noise on a shared module is as often below as above.
        extra[name.split(".")[0]] += micros - base.get(name, 0)
    ranked = sorted((i for i in extra.items() if i[1] > 0), key=lambda item: -item[1])[:top]
    parts = [f"{short(module)} module body {body / 1000:.0f}"]
    parts += [f"{name} {micros / 1000:.0f}" for name, micros in ranked]
    return (
        f"{layout.name}: -X importtime self ms beyond import boto3 (inflated by the tool): "
        + ", ".join(parts)
    )


@dataclass(frozen=True)
class Ratio:
    """Median against the baseline's median: wall clock (judged) and the children's CPU time."""

    wall: float
    cpu: float


def target_of(label: str) -> float:
    """A figure's target: an import's, or import + first Create's."""
    return CREATE_TARGET if "first Create" in label else IMPORT_TARGET


def ratio_line(label: str, baseline: list[Sample], measured: list[Sample]) -> tuple[Ratio, str]:
    """The medians of the per-round ratios, and a report line that also gives the ratio of the
    two series' medians."""
    base_wall, base_cpu = split("baseline", baseline)
    wall, cpu = split(label, measured)
    ratio = Ratio(
        paired_ratio(wall.seconds, base_wall.seconds), paired_ratio(cpu.seconds, base_cpu.seconds)
    )
    verdict = "met" if ratio.wall <= target_of(label) else "MISSED"
    return ratio, (
        f"{label}: {ratio.wall:.3f} ({verdict}; child CPU time {ratio.cpu:.2f}; ratio of "
        f"medians {wall.median / base_wall.median:.2f}); {wall.spread()}; "
        f"baseline {base_wall.spread()}"
    )


def measure_layout(
    layout: Layout, rig: CreateRig, runs: int, workdir: Path
) -> tuple[dict[str, Ratio], list[str]]:
    """The ratios of one layout by figure label, and its report lines."""
    lines = [check_layout(layout, module, workdir) for module in layout.module_envs]
    base_env = child_env(layout.baseline_env)

    def importer(code: str, env: dict[str, str]) -> Callable[[], Sample]:
        return lambda: sampled([str(PYTHON), "-c", code + EXIT], env, workdir)

    series = [("import boto3", importer(IMPORT_BOTO3, base_env))] + [
        (f"import {short(m)}", importer(f"import {m}", child_env(env)))
        for m, env in layout.module_envs.items()
    ]
    baseline, *imports = alternate(series, runs)
    creates = alternate(
        [
            ("boto3", rig.runner(CREATE_BOTO3, layout.baseline_env, handler=False)),
            ("handler", rig.runner(CREATE_HANDLER, layout.module_envs[CUSTOM_RESOURCE], True)),
        ],
        runs,
    )
    ratios: dict[str, Ratio] = {}
    for (name, _), samples in zip(series[1:], imports, strict=True):
        ratios[name], line = ratio_line(f"{layout.name} {name}", baseline, samples)
        lines.append(line)
    label = f"import {short(CUSTOM_RESOURCE)} + first Create"
    ratios[label], line = ratio_line(f"{layout.name} {label}", *creates)
    lines.append(line)
    splits = [split_line(layout, module, workdir, runs) for module in layout.module_envs]
    return ratios, [*lines, *splits, attribution(layout, CUSTOM_RESOURCE, workdir)]


def run(
    runs: int = DEFAULT_RUNS,
    functions: list[Function] | None = None,
    pythonpath: str | None = None,
    layouts: tuple[str, ...] = ("installed", "packaged"),
) -> Result:
    """Measure the chosen layouts; ``functions`` are the functions of a ``sam build``."""
    use_dummy_aws()
    from local_aws.logs_server import LogsServer
    from local_aws.response_endpoint import ResponseEndpoint

    workdir = Path(tempfile.mkdtemp(prefix="vlp-cold-start-"))
    modules = entry_points()
    found: dict[str, dict[str, Ratio]] = defaultdict(dict)  # figure label -> layout -> ratio
    details: list[str] = []
    try:
        with LogsServer() as server, ResponseEndpoint() as endpoint:
            rig = CreateRig(server, endpoint, workdir)
            chosen: list[Layout] = []
            if "installed" in layouts:
                chosen.append(installed_layout(workdir / "pycache", modules, pythonpath))
            if "packaged" in layouts:
                if functions is None:
                    from benchmarks.package_size import sam_build

                    functions = sam_build(workdir / "sam")
                details.append(runtime_bytecode(workdir))
                chosen.append(packaged_layout(functions, modules))
            for layout in chosen:
                ratios, lines = measure_layout(layout, rig, runs, workdir)
                for label, ratio in ratios.items():
                    found[label][layout.name] = ratio
                details += lines
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    every = [ratio.wall for by_layout in found.values() for ratio in by_layout.values()]
    met = {label: max(r.wall for r in by_layout.values()) <= target_of(label)
           for label, by_layout in found.items()}  # fmt: skip
    names = " / ".join(layout for layout in ("installed", "packaged") if layout in layouts)
    figures = [
        Figure(
            f"cold start, {label} vs boto3 ({names})",
            " / ".join(f"{r.wall:.3f}" for r in by_layout.values())
            + " (CPU "
            + " / ".join(f"{r.cpu:.2f}" for r in by_layout.values())
            + ")",
            f"each at most {target_of(label)}",
            met[label],
        )
        for label, by_layout in found.items()
    ]
    return Result(
        1,
        "Cold start against import boto3 (median of per-round ratios, interleaved fresh processes)",
        f"worst {max(every):.3f}",
        f"each import at most {IMPORT_TARGET}, import + first Create at most {CREATE_TARGET}",
        all(met.values()),
        details,
        figures,
    )


def main() -> int:
    """``python -m benchmarks.cold_start [--runs N] [--build-dir DIR] [--pythonpath DIR]``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=DEFAULT_RUNS, help="runs of each series")
    parser.add_argument(
        "--build-dir", type=Path, help="a sam build folder (.aws-sam/build; default: build one)"
    )
    parser.add_argument(
        "--pythonpath", help="put this first on the handlers' path (to measure a prototype)"
    )
    parser.add_argument(
        "--layout", choices=("installed", "packaged"), action="append", help="default: both"
    )
    args = parser.parse_args()
    from benchmarks.package_size import built_functions

    result = run(
        args.runs,
        built_functions(args.build_dir) if args.build_dir else None,
        args.pythonpath,
        tuple(args.layout or ("installed", "packaged")),
    )
    print(result.report())
    return 0 if result.met else 1


if __name__ == "__main__":
    raise SystemExit(exit_status(main))
