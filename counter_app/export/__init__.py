"""Exports of our records in other systems' formats (national public-service portal)."""
