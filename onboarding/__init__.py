"""The orange carpet: the welcome of arriving talent (issue 6). Imports portal, never the reverse."""
