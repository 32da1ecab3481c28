"""Tests of `portal.fallback`."""
