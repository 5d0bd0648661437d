"""Development tools: demo data for a fresh portal and simulated capture streams.

Nothing in the request path imports this package; the `seed_demo` and
`simulate_capture` management commands and the tests do.
"""
