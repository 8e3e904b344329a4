"""The emulator's stored state and the service's rules about it (no HTTP here).

- `records`: what is stored: workspaces (projects, catalogs, spaces) and connections.
- `store`: workspaces, connections, data-source accounts (`Store`), and `EmulatorContext`, the
  bundle of everything one emulator instance holds.
- `tokens`: the credentials the emulator accepts and the tokens it issues (PyJWT).
- `descriptors`: the shape of a datasource type (property descriptors, conditional requirements,
  actions) and the building blocks the catalogue's tables share.
- `catalogue`: the datasource types served, and their lookup; the types themselves, with IBM's real ids
  and properties, are tables in `database_types` and `file_types`.
- `checks`: what is checked before a connection is saved.
- `patch`: an update's RFC 6902 JSON Patch (the `jsonpatch` library) under the service's rules.
- `listing`: list filters, sorting and `start`-token paging, on `ScopeIndex`: per scope, the order
  and indexes that make a list page cost O(log n + page).
- `datasources`: the live probe of a connection's data source, and its interaction properties.
- `vault`: vault references in connection properties (our model), the seedable vault, and the
  vaulted-credentials guard.
- `requestlog`: the log of requests received (redacted: no bodies, no headers, no secrets).
- `data_assets`: data assets whose remote attachment points at a connection; `asset_query`: the
  asset search's query forms.
"""
