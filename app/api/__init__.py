"""The Litestar HTTP API: the Mini App's participant and organizer endpoints, ops
endpoints (/healthz, /readyz, /metrics) and the OpenAPI schema at /schema.

`create_app(settings)` builds the application; `serve(settings)` runs it (the `api`
role) under uvicorn on a unix socket or a loopback port.
"""
