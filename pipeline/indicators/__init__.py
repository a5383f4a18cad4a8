"""Stage 2, indicators: one function per indicator (`annual`), disclosure control of
person tables, plan compliance and multi-year trends."""
