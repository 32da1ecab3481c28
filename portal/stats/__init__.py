"""Figures: reports per month, nationality, category, sector and occupation; imports; exports."""
