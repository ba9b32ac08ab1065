"""Frozen pydantic models of the world (companies, sites, fleets) and small sourced fact tables."""
