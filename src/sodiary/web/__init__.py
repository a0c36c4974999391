"""The diary in the browser: one static page and a small ES module that call the agent API (issue 16)."""
