"""The deterministic quality checks, one module per family; ``tool.generation.checker`` runs them."""
