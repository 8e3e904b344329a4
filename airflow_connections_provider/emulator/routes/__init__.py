"""The HTTP routes at IBM's paths, one module per part of the API a client calls.

- `auth`: the token endpoints (IBM Cloud IAM `/identity/token`, Cloud Pak for Data
  `/icp4d-api/v1/authorize`).
- `auth` also serves the AWS deployment's API-key exchange (`/api/rest/mcsp/apikeys/token`).
- `connections`: everything at a connection's paths: `/v2/connections` CRUD and update by JSON
  Patch (bare-entity reply, 409 on names); the `test` action; and
  `POST /v2/asset_types/connection/search`, the asset search IBM's
  watsonx.ai SDK lists connections with (outside the connections service; served from the same
  state).
- `projects_and_types`: `/v2/projects` and `/v2/datasource_types`.
- `openapi`: the published OpenAPI documents, at the service's own paths.
- `common`: what every route uses (context, caller, query parameters, scope, bodies, the JSON a
  stored connection is shown as).

The rules routes apply live in `state/`; faults and the request log wrap them in `middleware.py`.
The test-facing `/_emulator` API is in `inspection/api.py`.
"""
