"""The orange carpet: the welcome of arriving talent.

Imports `portal`, never the reverse: portal signals "permit granted", onboarding listens.
"""
