"""The floor: the least code that can answer the benchmark's requests with the same SQL."""
