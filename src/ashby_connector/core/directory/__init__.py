"""Directories: a users CSV pushed over SCIM, role gaps, CSV input."""
