"""SuperOffice's `$filter` dialect: a small lark grammar (grammar.lark) parsed into domain.query nodes.

Nothing here builds SQL: the nodes name columns from the collection's catalog and carry typed values,
and the store compiles them with bound parameters.
"""

from sodiary.wire.filter.parse import Column, FilterContext, parse_filter, parse_order

__all__ = ["Column", "FilterContext", "parse_filter", "parse_order"]
