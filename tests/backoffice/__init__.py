"""Tests of `portal.backoffice`."""
