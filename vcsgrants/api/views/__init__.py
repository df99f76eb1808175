"""The API's endpoints, a module per domain (core, funding, monitoring, equity, engagement), each resource's reads
and writes in one viewset; tokens.py holds the pages where a user manages their own API tokens."""
