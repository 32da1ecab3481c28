"""The life of a file: statuses and their meaning, handling, deadlines, timeline, DVZ."""
