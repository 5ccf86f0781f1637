"""The main window's parts, one module per job: :mod:`.menubar` (actions and shortcuts),
:mod:`.running` (operations, tasks, undo, progress), :mod:`.browsing` (what is shown and
how it is re-read), :mod:`.records` and :mod:`.photos` (what the actions do). They are
mixins of :class:`fieldkit.gui.mainwindow.MainWindow`, which builds the widgets; what
each part may use of the others is declared once in :mod:`.parts`."""
