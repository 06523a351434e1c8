"""``StrEnum`` on every supported Python: the standard one from 3.11, an equivalent on 3.10."""

from __future__ import annotations

import sys
from enum import Enum

if sys.version_info >= (3, 11):
    from enum import StrEnum
else:  # pragma: no cover - Python 3.10 (make py310)

    class StrEnum(str, Enum):
        """Members are strings and print as their values, as ``enum.StrEnum`` (3.11) does."""

        def __str__(self) -> str:
            return str(self.value)

        def __format__(self, spec: str) -> str:
            return str(self.value).__format__(spec)


__all__ = ["StrEnum"]
