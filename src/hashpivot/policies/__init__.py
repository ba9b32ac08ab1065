"""Policies: treasury (what to do with BTC and cash) and capacity (where the megawatts go).

Each is a small frozen model chosen by its ``kind``; it lowers to a numeric code and a parameter
vector that the engine's jitted daily step reads (``decide`` there is pure: no hidden state).
"""
