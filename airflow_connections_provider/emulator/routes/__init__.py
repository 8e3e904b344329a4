"""The HTTP routes at IBM's paths, one module per part of the API a client calls.

- `auth`: the token endpoints (IBM Cloud IAM `/identity/token`, Cloud Pak for Data
  `/icp4d-api/v1/authorize`, the AWS deployment's `/api/rest/mcsp/apikeys/token`).
- `connections`: `/v2/connections` (version, list, create, get, update by JSON Patch with a
  bare-entity reply, delete; 409 on names; the vaulted-credentials guard).
- `actions`: a connection's actions (`GET …/actions` as IBM's recorded listing; `PUT
  …/actions/{name}`: `test`, `validate`, `get_record_count`).
- `search`: `POST /v2/asset_types/{connection|data_asset}/search`, the asset service's search
  (outside the connections service; served from the same state).
- `projects`: `/v2/projects` (its own error body); `workspaces`: `/v2/catalogs`, `/v2/spaces`;
  `datasource_types`: `/v2/datasource_types`.
- `openapi`: the published OpenAPI documents, at the service's own paths.
- `common`: what every route uses (context, caller, query parameters, scope, bodies, the live test,
  the JSON a stored connection is shown as to a caller).

The rules routes apply live in `state/`; faults and the request log wrap them in `middleware.py`.
The test-facing `/_emulator` API is in `inspection/api.py`.
"""
