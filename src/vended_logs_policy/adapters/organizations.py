"""Organizations: the organisation's active accounts (``--accounts all``), paged."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

from vended_logs_policy.adapters.retry import Caller, Retry, pages

if TYPE_CHECKING:
    from mypy_boto3_organizations import OrganizationsClient

PAGE_SIZE = 20  # ListAccounts' maximum


@dataclass(frozen=True)
class Account:
    """One member account as ``ListAccounts`` lists it."""

    id: str
    name: str
    status: str


class Organization:
    """The caller's organisation, read through the retry budget one page at a time."""

    def __init__(
        self, client: OrganizationsClient, retry: Retry | None = None, page_size: int = PAGE_SIZE
    ) -> None:
        self._client = client
        self._call = Caller("organizations", "Organizations", retry)
        self._page_size = page_size

    def accounts(self) -> list[Account]:
        """Every account of the organisation, in the service's order."""
        read = partial(self._client.list_accounts, MaxResults=self._page_size)
        return [
            Account(str(a.get("Id", "")), str(a.get("Name", "")), str(a.get("Status", "")))
            for page in pages(self._call, "ListAccounts", read, "NextToken")
            for a in page.get("Accounts", [])
        ]

    def active_accounts(self) -> list[Account]:
        """The accounts whose status is ``ACTIVE`` (not suspended or closing)."""
        return [a for a in self.accounts() if a.status == "ACTIVE"]
