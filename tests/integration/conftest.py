"""Fixtures of the integration tests that pytest finds by name (no imports in the test files)."""

from __future__ import annotations

import pytest

from tests.integration.publishing_helpers import RenderLog, install_render_spy


@pytest.fixture
def renders(monkeypatch: pytest.MonkeyPatch) -> RenderLog:
    """Every render counted; identical HTML rendered once per session (see publishing_helpers)."""
    return install_render_spy(monkeypatch, remember=True)
