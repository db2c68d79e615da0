"""Emulator fixtures (owned by the emulator part)."""

from __future__ import annotations
