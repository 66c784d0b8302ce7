"""The items resource: models, schemas, service and routes, grouped by domain."""
