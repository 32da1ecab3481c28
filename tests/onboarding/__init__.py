"""Tests of `onboarding`."""
