"""The law: calendar, dated tables of limits and rates, the facts of an agreement, the rules."""
