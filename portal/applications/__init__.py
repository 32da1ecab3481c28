"""Single-permit applications: rules, dossiers, the wizard, submission and receipts."""
