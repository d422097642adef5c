"""Naloxone: product catalog, lot inventory, release worklist, kit events and reversal reports."""
