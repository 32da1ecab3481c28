"""Tests of `portal.stats`."""
