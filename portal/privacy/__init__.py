"""Personal data with an end date: the retention schedule and the daily purge (issue 18)."""
