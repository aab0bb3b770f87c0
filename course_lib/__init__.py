"""Helpers for a course on image convolutions and pooling.

Submodules are imported on demand so that ``import course_lib`` stays cheap:

- :mod:`course_lib.data`: bundled images and digits, and your own image files.
- :mod:`course_lib.kernels`: named kernels, Gaussian kernels, normalisation.
- :mod:`course_lib.reference`: trusted, vectorised implementations.
- :mod:`course_lib.display`: showing images with honest scaling.
- :mod:`course_lib.widgets`: interactive filter picker, kernel editor, pooling explorer.
- :mod:`course_lib.pending`: cells that use an exercise before it is done wait, or
  draw with the reference, instead of stopping Run All.
- :mod:`course_lib.timing`: best-of-n timings and speed sentences computed from them.
- :mod:`course_lib.grading`: the checks that the notebooks' test cells call.
"""

__version__ = "0.1.0"
