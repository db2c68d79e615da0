"""Unified reads and writes: pages, filters, query parameters, lazy children."""
