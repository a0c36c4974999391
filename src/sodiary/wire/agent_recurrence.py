"""Agent methods: recurrence (see wire/agent.py)."""

from __future__ import annotations

from .endpoint import AgentMethod

METHODS: list[AgentMethod] = []
