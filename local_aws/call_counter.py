"""Counting a boto3 client's API calls and HTTP requests with botocore's event hooks."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar, cast

if TYPE_CHECKING:
    from botocore.model import OperationModel

C = TypeVar("C")


class CallCounter:
    """One client's API calls (``before-call``) and HTTP requests (``before-send``, so a hidden
    retry shows as a second send)."""

    def __init__(self) -> None:
        self.operations: list[str] = []
        self.requests = 0

    def attach(self, client: C) -> C:
        """Register on the client's own event system; returns the client."""
        events = cast("Any", client).meta.events
        events.register("before-call", self._on_call)
        events.register("before-send", self._on_send)
        return client

    def _on_call(self, model: OperationModel, **_: Any) -> None:
        self.operations.append(model.name)

    def _on_send(self, **_: Any) -> None:
        self.requests += 1
