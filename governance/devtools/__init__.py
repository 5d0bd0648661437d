"""Development tools: demo data, simulators and benchmark-scale seeding."""
