"""Use cases. Each opens one unit of work; the transaction boundary lives here only."""
