"""Seeded generation of an organisation's records."""
