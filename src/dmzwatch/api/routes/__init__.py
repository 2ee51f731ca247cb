"""The API's routers, one module per resource."""

from __future__ import annotations

__all__: list[str] = []
