"""Agent methods at POST /api/v1/Agents/<Agent>/<Method>: one module per area, `table` assembles them."""
