"""Public pages, no account needed: the eligibility check and the posting guide."""
