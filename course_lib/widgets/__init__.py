"""Interactive widgets for exploring filters and pooling in JupyterLab.

Three widgets, each an ``ipywidgets`` container that a notebook shows when it
is the last expression of a cell:

- :func:`filter_picker`: a named kernel (or your own ``convolve``) on a
  bundled image, a digit or your upload, with honest display options;
- :func:`kernel_editor`: type the weights of a 3x3 or 5x5 kernel yourself;
- :func:`pooling_explorer`: max or average pooling with any size and stride.

Every control and the current result are attributes, so a widget can be
driven from code as well as by hand.

Examples
--------
>>> from course_lib.widgets import filter_picker
>>> picker = filter_picker()
>>> picker.kernel_dropdown.value = "sharpen"
>>> bytes(picker.result_image.value[:4])
b'\\x89PNG'
"""

from .editor import KernelEditor, kernel_editor
from .picker import FilterPicker, filter_picker
from .pooling import PoolingExplorer, pooling_explorer

__all__ = [
    "FilterPicker",
    "KernelEditor",
    "PoolingExplorer",
    "filter_picker",
    "kernel_editor",
    "pooling_explorer",
]
