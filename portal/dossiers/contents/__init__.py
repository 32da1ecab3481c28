"""What a file holds: its sections and when it is complete, its documents, its summary."""
