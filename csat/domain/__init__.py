"""Pure business rules of customer care (DOMAIN.md): no Django import, stdlib + chinese_calendar only.

Modules: levels (level → 100-point score), scoring (five-dimension ratings), grading (A–G),
calendar (working days/time), deadlines (complaint timers), assessment (department points),
transitions (allowed state changes), classification (survey outcomes, validity), signals
(early-warning terms), identifiers (mobile/plate/VIN).
"""
