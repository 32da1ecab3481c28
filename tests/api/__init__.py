"""Tests of `portal.api`."""
