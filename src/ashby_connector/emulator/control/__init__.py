"""The control API (``/_emulator/``): actions tests and demos use to steer the emulated
organisation (keys, clock, resets, webhooks, files, reports, UI-only events)."""
