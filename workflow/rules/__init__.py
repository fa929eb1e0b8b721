"""AWS naming and format rules the config checks, one module per kind of thing.

Plain functions that return why a value breaks a rule (or None), with no
pydantic and no AWS calls, so they can be read and tested on their own.
"""
