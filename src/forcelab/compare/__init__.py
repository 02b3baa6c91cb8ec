"""Comparing sessions over time: trends, typical error, smallest worthwhile change, asymmetry flags (no Qt)."""
