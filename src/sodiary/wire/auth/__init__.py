"""Authentication: the schemes that turn a request into a Caller, and the login routes."""
