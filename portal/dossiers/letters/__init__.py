"""What a file produces on paper: the submission receipt and the decision letter."""
