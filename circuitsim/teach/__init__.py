"""Teaching: what a teacher hands out and sets up, beyond grading (:mod:`circuitsim.grade`).

- :mod:`~circuitsim.teach.autograder`: the zip Gradescope takes (``circuitsim autograder``);
- :mod:`~circuitsim.teach.worksheet`: a circuit's picture with blanks, and its answer key, as PDF;
- :mod:`~circuitsim.teach.assign`: a variant of a circuit per student, drawn from their id.
"""
