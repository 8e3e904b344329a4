"""The operators DAG files import: create, update, delete (``ibm``) and sync (``sync``, re-exported by ``ibm``),
on a shared base (``base``: hook, project, links, masking) with argument checks (``arguments``), the
retry-or-fail rule (``failures``) and target lookups (``targets``). Kept import-light for DAG parsing."""
