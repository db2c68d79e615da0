"""The command line spells one default of the core itself (so that --help imports nothing heavy)."""

from __future__ import annotations

from ashby_connector.cli._options import DEFAULT_FAST_STREAMS
from ashby_connector.core.freshness import schedules


def test_the_fast_lane_default_shown_by_sync_help_is_the_cores() -> None:
    assert DEFAULT_FAST_STREAMS == schedules.DEFAULT_FAST_STREAMS
