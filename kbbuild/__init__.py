"""Load, validate and build the telecom service-norm knowledge base."""
