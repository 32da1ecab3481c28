"""The e-mail fallback: helpdesk tickets, signed proofs, and the mail intake.

Online submission is mandatory; e-mail is accepted only with a proof that the helpdesk
issues when a technical problem cannot be solved in time (see DOMAIN.md, "E-mail
fallback"). The modules:

- `tickets`, `proofs` (with `codes`): the helpdesk's services;
- `intake` reads one delivery (`rawstore` keeps it first, `mailparse` reads it,
  `filing` makes the dossier, `answers` replies); `sources` are the Maildir and IMAP
  mailboxes, `runner` the loop with one commit per message, `cli` its commands;
- `quarantine`: agents review what the intake refused; `completion`: officers type in
  the data of an e-mail file; `formpdf`: the application form of a draft as a PDF;
- `views` (public and applicants), `desk_views` (agents), `officer_views` (officers).
"""
