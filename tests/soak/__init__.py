"""Load, soak and contention scripts (not part of `make test`)."""
