"""Connections: create, rotate and delete them; their clients, access, requested operations,
child policies, branding and key budget."""
