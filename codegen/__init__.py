"""The project's SDK generator: openapi.yaml + gen.yaml -> src/sdk, docs, tests/generated."""
