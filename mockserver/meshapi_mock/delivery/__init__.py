"""Delivery, the pipeline's last step: when the rendered answer's parts leave the fake,
and what goes wrong on the way (timing, faults, chaos).

`spec.py` is the rule vocabulary, `chaos.py` the seeded random faults, `plan.py` one
request's waits and the journal's record of them, `connection.py` the socket under the
response, and `wire.py` the sending itself.
"""
