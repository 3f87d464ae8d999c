"""Sync with the provincial server: protocol types and the client engine (no Qt)."""
