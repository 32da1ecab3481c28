"""Tests of `portal.dossiers`."""
