"""Wire: routers, request/response schemas, dependencies."""
