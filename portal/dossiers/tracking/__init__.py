"""The applicant following a file: the timeline, answering requests, e-mail preferences."""
