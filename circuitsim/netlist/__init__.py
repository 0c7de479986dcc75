"""A spec flattened into a netlist: modules expanded, names resolved, topological order; the canonical fast reader and the cache."""
