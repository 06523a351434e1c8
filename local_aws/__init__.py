"""Shared test support: moto behind a strict layer, a TLS response endpoint, fakes."""
