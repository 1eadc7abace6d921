"""The value types every layer speaks: number formats (:mod:`.precision`), model shapes
(:mod:`.transformer`) and the central-with-a-range figure every estimate carries (:mod:`.band`).

They sit below the catalog because the catalog's facts are stated in them (an accelerator's peak
per precision, a preset's shape); they do no I/O and import nothing above ``errors``/``units``.
"""
