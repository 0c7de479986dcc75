"""A netlist compiled into the plan every run reuses: slots and steps, faults named, traced runs."""
