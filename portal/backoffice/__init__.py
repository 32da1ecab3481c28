"""The officers' and helpdesk agents' pages."""
