"""The dossier: one domain for a file, from the first draft to the federal decision.

Layers, each importing only the ones below it (checked by import-linter, see
`pyproject.toml`):

- `wizard`, `tracking`, `public`: the pages (drafting and submitting, following a file,
  the checks before you apply);
- `letters`: the receipt and the decision letter;
- `lifecycle`: the status machine and what each status means, handling, deadlines,
  the timeline, the DVZ exchange;
- `contents`: the sections of a file, its documents and its summary;
- `models`, `rules`, `references`, `access`: the file itself, the rules as data, its
  reference number, and the one loader that fetches and authorises a file.
"""
