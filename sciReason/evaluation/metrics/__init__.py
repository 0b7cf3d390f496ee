"""Metric functions, one module per family (chem, text, stats, seq, materials); see ``registry.METRICS``."""
