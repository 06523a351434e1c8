"""Every account x region target of a run through one bounded pool, interruptible.

Accounts are prepared in the pool (assume the role, list the enabled regions for ``--regions
all``); each prepared account's targets then join the same pool, at most ``MAX_IN_FLIGHT`` at a
time. A target's failure is that target's result; the others go on. On Ctrl-C or SIGTERM queued
work is cancelled ("not started"), running targets stop at their next AWS call ("interrupted",
with what they wrote), and every target is reported.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Any, TypeAlias

from vended_logs_policy.adapters.clients import Clients
from vended_logs_policy.cli.interrupt import Interrupted, Interruption
from vended_logs_policy.cli.live import AwsRun, Target, account_clients, enabled_regions
from vended_logs_policy.cli.progress import Progress
from vended_logs_policy.cli.regions import partition_of
from vended_logs_policy.cli.results import (
    EXIT_OK,
    Status,
    TargetResult,
    failed,
    not_started,
    one_line,
)
from vended_logs_policy.cli.values import Choice
from vended_logs_policy.errors import InvalidInputError

MAX_IN_FLIGHT = 8
POLL_SECONDS = 0.1

Work: TypeAlias = Callable[[Target], TargetResult]
Key: TypeAlias = tuple[str, str | None]


def interrupted(target: Target, writes_policy: bool) -> TargetResult:
    """A target stopped by the interruption, saying what it had written."""
    if not writes_policy:
        summary = "interrupted"
    elif target.writes:
        summary = "interrupted after writing" + "".join(f"; backup {p}" for p in target.backups)
    else:
        summary = "interrupted before writing"
    return TargetResult(
        target.account,
        target.region,
        Status.INTERRUPTED,
        EXIT_OK,
        summary,
        data=target.progress_data(),
    )


@dataclass(frozen=True)
class Prepared:
    """An account ready to work in: its clients and the regions to run in."""

    account: str
    clients: Clients
    regions: Sequence[str]


class Runner:
    """Runs one command's work on every target of the run."""

    def __init__(
        self,
        run: AwsRun,
        interruption: Interruption,
        progress: Progress,
        *,
        role_name: str,
        writes_policy: bool,
    ) -> None:
        self.run = run
        self.interruption = interruption
        self.progress = progress
        self.role_name = role_name
        self.writes_policy = writes_policy
        self._results: dict[Key, TargetResult] = {}
        self._pending: dict[Future[Any], Callable[[Future[Any]], None]] = {}
        self._cancelled = False

    # ---- the run ---------------------------------------------------------------------------

    def execute(
        self, accounts: Sequence[str], regions: Choice | None, work: Work
    ) -> list[TargetResult]:
        """Run ``work`` on every account x region; results in account, then region order."""
        for account in accounts:
            for region in self._planned_regions(regions):
                self._results[(account, region)] = not_started(account, region)
        if regions is not None or len(accounts) > 1:
            self.progress.start(len(self._results))
        try:
            with ThreadPoolExecutor(max_workers=MAX_IN_FLIGHT) as pool:
                for account in accounts:
                    done = self._prepared(pool, work, account)
                    self._submit(pool, self._prepare, (account, regions), done)
                self._drain()
        finally:
            self.progress.close()
        order = {account: index for index, account in enumerate(accounts)}
        return sorted(self._results.values(), key=lambda r: (order[r.account], r.region or ""))

    def _planned_regions(self, regions: Choice | None) -> Sequence[str | None]:
        if regions is None:
            return [self.run.home]
        return [None] if regions.all else regions.names

    def _submit(
        self,
        pool: ThreadPoolExecutor,
        fn: Callable[..., Any],
        args: tuple[Any, ...],
        done: Callable[[Future[Any]], None],
    ) -> None:
        self._pending[pool.submit(fn, *args)] = done

    def _drain(self) -> None:
        while self._pending:
            if self.interruption.requested and not self._cancelled:
                self._cancel_queued()
            finished, _ = wait(
                list(self._pending), timeout=POLL_SECONDS, return_when=FIRST_COMPLETED
            )
            for future in finished:
                self._pending.pop(future)(future)

    def _cancel_queued(self) -> None:
        """Queued work never starts; its targets stay "not started"."""
        self._cancelled = True
        for future in list(self._pending):
            if future.cancel():
                del self._pending[future]

    # ---- accounts --------------------------------------------------------------------------

    def _prepare(self, account: str, regions: Choice | None) -> Prepared:
        self.interruption.check()
        clients = account_clients(self.run, account, self.role_name)
        if regions is None:
            chosen: Sequence[str] = [self.run.home]
        elif regions.all:
            chosen = [r for r in enabled_regions(self.run, clients) if self._in_partition(r)]
        else:
            chosen = regions.names
        return Prepared(account, clients, chosen)

    def _in_partition(self, region: str) -> bool:
        """Whether a listed region may be of the caller's partition (an unknown one may)."""
        try:
            return partition_of(region) == self.run.partition
        except InvalidInputError:
            return True

    def _prepared(
        self, pool: ThreadPoolExecutor, work: Work, account: str
    ) -> Callable[[Future[Any]], None]:
        def done(future: Future[Any]) -> None:
            try:
                prepared: Prepared = future.result()
            except Exception as exc:  # the account's failure is its targets' error
                self._account_failed(account, exc)
                return
            self._add_targets(pool, prepared, work)

        return done

    def _account_failed(self, account: str, exc: BaseException) -> None:
        for key in [k for k in self._results if k[0] == account]:
            if not (self.interruption.requested or isinstance(exc, Interrupted)):
                self._results[key] = failed(account, key[1], one_line(exc))
            self.progress.advance()

    def _add_targets(self, pool: ThreadPoolExecutor, prepared: Prepared, work: Work) -> None:
        account = prepared.account
        if (account, None) in self._results:  # --regions all: now the regions are known
            del self._results[(account, None)]
            self.progress.grow(len(prepared.regions) - 1)
            for region in prepared.regions:
                self._results[(account, region)] = not_started(account, region)
        if self.interruption.requested:
            return
        for region in prepared.regions:
            self._submit(pool, self._target, (prepared, region, work), self._target_done)

    # ---- targets ---------------------------------------------------------------------------

    def _target(self, prepared: Prepared, region: str, work: Work) -> TargetResult:
        if self.interruption.requested:
            return not_started(prepared.account, region)
        try:
            target = Target(
                prepared.account,
                region,
                self.run,
                prepared.clients,
                self._report,
                self.interruption.check,
            )
        except Exception as exc:
            return failed(prepared.account, region, one_line(exc))
        try:
            return work(target)
        except Exception as exc:
            if self.interruption.requested:
                return interrupted(target, self.writes_policy)
            return failed(prepared.account, region, one_line(exc), **target.progress_data())

    def _target_done(self, future: Future[Any]) -> None:
        result: TargetResult = future.result()
        self._results[(result.account, result.region)] = result
        self.progress.advance()

    def _report(self, line: str) -> None:
        self.progress.write(f"vended-logs-policy: {line}")
