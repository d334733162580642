"""The statistics engine: pure (no Flask, no database, no I/O), exact (int and Decimal).

Modules, each with one job:

- ``cells``         table data as entered, its JSON form, reading typed and pasted values
- ``specs``         what a table asks for and computes; dict form for storage
- ``presets``       template entries (``kind = "occupancy"`` …) → full specs for a period;
                    each kind's hooks into ``compute`` (``KIND_HOOKS``)
- ``periods``       months of a report period: keys, labels, nights
- ``capacity``      offered bed-nights from places-per-night schedules
- ``figures``       computed cells and the arithmetic that keeps unknowns unknown
- ``compute``       a table's computed columns, totals and summary
- ``nationalities`` EU/EEA and third-country shares, the joint list of several units
- ``validate``      errors (block submission) and warnings (may be justified)
- ``aggregate``     joint tables across units, saying who has not reported
- ``compare``       period-over-period changes
- ``formatting``, ``countries``: Swedish formats, the country list
- ``importing``     a package: paste, CSV and .xlsx read into a grid, matched and parsed
                    into an import proposal (its ``__init__`` lists its modules)

This package file imports nothing, so importing one module stays cheap.
"""
