"""One module per console page; importing a module registers its routes (core.page)."""
