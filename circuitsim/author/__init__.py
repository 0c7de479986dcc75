"""Writing circuits from Python: the Builder, dump, formulas and the plugin scaffold."""
