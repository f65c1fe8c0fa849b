"""The instructor's side of the workbook: the student edition and the grading of a class.

* ``student_edition``: ``make student`` builds ``student/`` from the solution notebooks with nbgrader.
* ``grade``: ``make grade SUBMISSIONS=...`` grades a folder of submissions with nbgrader, in parallel on Dask.

The other modules are their parts: ``assignment`` (nbgrader's assignment and gradebook from ``notebooks/``),
``solutions`` (``helpers`` without its solutions), ``submissions`` (finding and checking what students handed in),
``grading`` (one student, in a fresh folder, with limits), ``report`` (CSV, feedback pages, summary).
"""
