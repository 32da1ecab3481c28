"""Drafting and submitting a file: task list, sections, documents, check answers, receipt."""
