"""Users, organisations, mandataries, foreign employers and mandates."""
