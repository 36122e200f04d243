"""The web UI (DESIGN.md §6): server-rendered pages over the services, Chinese first."""

from __future__ import annotations

from zhengming.entrypoints.web.app import create_web_app

__all__ = ["create_web_app"]
