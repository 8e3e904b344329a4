"""The operators DAG files import: create, update, delete (``ibm``) and sync (``sync``, re-exported by ``ibm``),
on a shared base (``base``: hook, project, links, masking, the client's retry-or-fail rule) with argument
checks (``arguments``) and target lookups (``targets``). Kept import-light for DAG parsing."""
