"""The Single Permit Portal: applications for the Flemish single permit."""

from portal.app import create_app

__all__ = ["create_app"]
