"""The exchange API (`/api/v1/`) for the systems of other governments."""
