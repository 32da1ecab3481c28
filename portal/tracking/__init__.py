"""Status machine, timeline, deadlines, notifications and the audit trail."""
