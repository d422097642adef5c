"""Facilities: the jails and prisons a program serves."""
