"""Digitised papers: viewing and attaching files."""
