"""Tests of `portal.accounts`."""
