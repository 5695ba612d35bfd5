"""Thin, real clients for the vendors' auth APIs."""
