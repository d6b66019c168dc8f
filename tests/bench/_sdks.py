"""Which optional Gemini SDKs the bench tests can use."""

from __future__ import annotations

import warnings

import pytest


def _legacy_available() -> bool:
    with warnings.catch_warnings():
        # The deprecated SDK warns on import (end of support, Python version).
        warnings.simplefilter("ignore", FutureWarning)
        warnings.simplefilter("ignore", DeprecationWarning)
        try:
            import google.generativeai  # noqa: F401
        except ImportError:
            return False
    return True


needs_legacy = pytest.mark.skipif(not _legacy_available(), reason="google-generativeai not installed")
