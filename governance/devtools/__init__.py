"""Development tools: demo data for a fresh portal, simulated capture streams and
a company-sized data set for measuring pages at scale.

Nothing in the request path imports this package; the `seed_demo`,
`simulate_capture` and `seed_scale` management commands, the benchmarks and the
tests do.
"""
