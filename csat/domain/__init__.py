"""Pure business rules of customer care (DOMAIN.md): no Django import, stdlib + chinese_calendar only.

Modules: levels (level → 100-point score), scoring (five-dimension ratings), grading (A–G),
calendar (working days/time), deadlines (complaint timers), assessment (department points),
transitions (every state machine: complaints, callback tasks, measures, crisis phases),
classification (survey outcomes, validity), signals (early-warning terms), identifiers
(mobile/plate/VIN), periods (YYYY-MM months, month bounds in a zone, quarters), routing (complaint
category → department kind).
"""
