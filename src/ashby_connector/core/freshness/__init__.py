"""Keeping copies fresh: schedules and the scheduler, the fast lane, retention, status per stream."""
