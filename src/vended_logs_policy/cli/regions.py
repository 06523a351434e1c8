"""Regions and partitions from botocore's own data file, read without importing boto3 or botocore.

``render`` must stay offline and quick, so ``botocore/data/partitions.json`` is located with
``importlib.util.find_spec`` (which does not import the package) and read as plain JSON. A region
is known when that file lists it; a name that is not listed is refused with the closest known ones,
so a typo never reaches an ARN. The region used by the live commands comes, like the AWS CLI v2's,
from ``--region``, then ``AWS_REGION``, then ``AWS_DEFAULT_REGION``, then the profile (the boto3
pinned here reads only the last two, so ``AWS_REGION`` is read here).
"""

from __future__ import annotations

import difflib
import importlib.util
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from vended_logs_policy.errors import InvalidInputError

DATA_FILE = ("data", "partitions.json")


@dataclass(frozen=True)
class Partition:
    """One AWS partition (``aws``, ``aws-cn``, ``aws-eusc``, ...) and its regions."""

    id: str
    regions: frozenset[str]


def _data_path() -> Path:
    spec = importlib.util.find_spec("botocore")
    if spec is None or not spec.submodule_search_locations:
        raise InvalidInputError("botocore is not installed: it holds the list of AWS regions")
    return Path(next(iter(spec.submodule_search_locations))).joinpath(*DATA_FILE)


@cache
def partitions() -> tuple[Partition, ...]:
    """Every partition botocore knows, with its regions (not pseudo-regions like aws-global)."""
    path = _data_path()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InvalidInputError(f"cannot read botocore's partition data {path}: {exc}") from exc
    return tuple(
        Partition(
            str(p["id"]),
            frozenset(r for r in p.get("regions", {}) if not r.endswith("-global")),
        )
        for p in data["partitions"]
    )


def known_regions() -> list[str]:
    """Every region of every partition, sorted."""
    return sorted(r for p in partitions() for r in p.regions)


def _closest(name: str, known: list[str]) -> str:
    close = difflib.get_close_matches(name, known, n=3, cutoff=0.6)
    return f"; did you mean {', '.join(close)}?" if close else ""


def partition_of(region: str) -> str:
    """The partition that holds ``region``; an unknown name raises naming the closest ones."""
    for partition in partitions():
        if region in partition.regions:
            return partition.id
    closest = _closest(region, known_regions())
    raise InvalidInputError(
        f"unknown region {region!r} (not in botocore's partition data){closest}"
    )


def check_region(region: str) -> str:
    """``region`` when botocore knows it; otherwise an error naming the closest known regions."""
    partition_of(region)
    return region


def check_partition(name: str) -> str:
    """``name`` when it is a partition botocore knows; otherwise an error listing them."""
    ids = [p.id for p in partitions()]
    if name not in ids:
        raise InvalidInputError(
            f"unknown partition {name!r}{_closest(name, ids)} (known: {', '.join(ids)})"
        )
    return name


def partition_for(region: str, partition: str | None) -> str:
    """The region's partition; a ``partition`` given beside it must be that one."""
    found = partition_of(region)
    if partition is not None and partition != found:
        raise InvalidInputError(
            f"region {region} is in partition {found}, not {partition}: "
            f"drop --partition or pass --partition {found}"
        )
    return found


def region_from_environment(
    flag: str | None, environ: Mapping[str, str] | None = None
) -> str | None:
    """``--region``, else ``AWS_REGION``; None: the session reads AWS_DEFAULT_REGION, profile."""
    environ = os.environ if environ is None else environ
    return flag or environ.get("AWS_REGION") or None
