"""The lessons panel: pick a lesson, read what to watch, apply its fixes one at a time.

Compact on purpose: a picker (one line), the yellow "watch" box, the text and the fix buttons,
so that the plots get the window's width."""

from __future__ import annotations

import html

from qtpy.QtCore import Qt, Signal
from qtpy.QtWidgets import (
    QComboBox,
    QLabel,
    QPushButton,
    QSizePolicy,
    QStyle,
    QStyleOptionComboBox,
    QStylePainter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from engine import ConfigError, Lesson, load_lessons

#: lessons whose fixes are alternatives to compare side by side: they offer "Overlay all", which
#: trains the problem and every fix to the end and pins each (a `compare` key in the lesson files
#: would say this where the lesson is written)
OVERLAY_LESSONS = frozenset({"optimizers"})


class _ElidedComboBox(QComboBox):
    """A combo box whose current text ends in "…" where the box is narrower than it (a plain one
    cuts it off mid-letter); its tooltip holds it whole."""

    def paintEvent(self, event) -> None:
        painter = QStylePainter(self)
        option = QStyleOptionComboBox()
        self.initStyleOption(option)
        painter.drawComplexControl(QStyle.ComplexControl.CC_ComboBox, option)
        field = self.style().subControlRect(
            QStyle.ComplexControl.CC_ComboBox, option, QStyle.SubControl.SC_ComboBoxEditField, self
        )
        option.currentText = self.fontMetrics().elidedText(option.currentText, Qt.TextElideMode.ElideRight, field.width())
        painter.drawControl(QStyle.ControlElement.CE_ComboBoxLabel, option)


class LessonsPanel(QWidget):
    problemRequested = Signal(str)  # preset name of the lesson's problem
    fixRequested = Signal(str, str)  # preset name, button label
    overlayRequested = Signal(list)  # preset names: the problem, then each fix, to overlay

    def __init__(self, language: str = "en", parent: QWidget | None = None):
        super().__init__(parent)
        self.language = language
        try:
            self.lessons: list[Lesson] = load_lessons()
            error = None
        except ConfigError as exc:  # a damaged lesson file: say which, keep the app
            self.lessons, error = [], str(exc)
        self.picker = _ElidedComboBox()
        self.picker.setObjectName("lessonPicker")
        self.picker.setPlaceholderText(self.tr("Choose a lesson…"))
        # the picker may be narrower than its longest title: the open list shows them whole
        self.picker.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.picker.setMinimumContentsLength(12)
        self.picker.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        for lesson in self.lessons:
            # the picker shows the title up to its colon ("9. Optimizers"), so that it fits the
            # column whole; the text below starts with the full title
            short = lesson.t("title", language).split(":")[0].split("：")[0]
            self.picker.addItem(f"{lesson.order}. {short}", lesson.id)
        self.picker.setCurrentIndex(-1)
        self.picker.view().setMinimumWidth(self.picker.view().sizeHintForColumn(0) + 24)
        self.picker.currentIndexChanged.connect(self._on_picker_currentIndexChanged)
        self.picker.currentTextChanged.connect(self.picker.setToolTip)

        self.look = QLabel()
        self.look.setObjectName("lessonLook")
        self.look.setWordWrap(True)
        self.look.setStyleSheet("background:#fff4d6; border:1px solid #ebd08a; border-radius:4px; padding:6px;")
        self.look.hide()
        # with a seed band on, the views are medians while a lesson's words describe its own seed's run
        self.band_note = QLabel()
        self.band_note.setObjectName("lessonBandNote")
        self.band_note.setWordWrap(True)
        self.band_note.hide()
        self.seeds: tuple[int, ...] = ()
        self.text = QTextBrowser()
        self.text.setObjectName("lessonText")
        self.text.setOpenExternalLinks(False)
        self.problem_button = QPushButton(self.tr("Show the problem again"))
        self.problem_button.setObjectName("lessonProblem")
        self.problem_button.clicked.connect(self._on_problem_button_clicked)
        self.problem_button.hide()
        self.overlay_button = QPushButton(self.tr("Overlay all"))
        self.overlay_button.setObjectName("lessonOverlay")
        self.overlay_button.setToolTip(self.tr("Train the problem and each fix to the end, one after another, and pin each: their curves show together."))
        self.overlay_button.clicked.connect(self._on_overlay_button_clicked)
        self.overlay_button.hide()
        self.fix_box = QVBoxLayout()
        self.fix_buttons: list[QPushButton] = []

        column = QVBoxLayout(self)
        column.setContentsMargins(4, 4, 4, 4)
        column.addWidget(self.picker)
        column.addWidget(self.look)
        column.addWidget(self.band_note)
        column.addWidget(self.text, 1)
        column.addLayout(self.fix_box)
        column.addWidget(self.problem_button)
        column.addWidget(self.overlay_button)
        self.current: Lesson | None = None
        if error:
            self.text.setPlainText(self.tr("The lessons could not be loaded: {0}").format(error))
        else:
            self.text.setPlainText(self.tr("Choose a lesson: it loads the problem, tells you what to watch, and offers the fix."))

    def select(self, lesson_id: str, load: bool = True) -> bool:
        """Choose a lesson; with `load`, its problem is requested as if the learner picked it,
        otherwise only its text and buttons are shown (a window rebuilt in another language)."""
        for row, lesson in enumerate(self.lessons):
            if lesson.id == lesson_id:
                self.picker.blockSignals(not load)
                try:
                    self.picker.setCurrentIndex(row)
                finally:
                    self.picker.blockSignals(False)
                if not load:
                    self.current = lesson
                    self._show(lesson)
                return True
        return False

    def _on_picker_currentIndexChanged(self, row: int) -> None:
        if not 0 <= row < len(self.lessons):
            return
        self.current = self.lessons[row]
        self._show(self.current)
        self.problemRequested.emit(self.current.problem)

    def _show(self, lesson: Lesson) -> None:
        """Show a lesson's text and fix buttons (without loading its problem)."""
        lang = self.language
        self.look.setText(lesson.t("look", lang))
        self.look.show()
        self.text.setHtml(self._body(lesson))
        for button in self.fix_buttons:
            self.fix_box.removeWidget(button)
            button.deleteLater()
        self.fix_buttons = []
        for fix in lesson.fixes:
            label = fix.t("label", lang)
            button = QPushButton(label)
            button.setToolTip(fix.t("text", lang))
            button.setStyleSheet("text-align:left; padding:5px 8px;")
            button.clicked.connect(lambda _=False, f=fix, b=button: self._apply_fix(f, b))
            self.fix_box.addWidget(button)
            self.fix_buttons.append(button)
        self.problem_button.show()
        self.overlay_button.setVisible(lesson.id in OVERLAY_LESSONS)
        self._show_band_note()

    def set_band(self, seeds: tuple[int, ...]) -> None:
        """The run shown is a seed band of `seeds` (() for one run): a lesson says that its
        numbers are its own seed's, and the views the median's."""
        self.seeds = tuple(seeds)
        self._show_band_note()

    def _show_band_note(self) -> None:
        if self.seeds and self.current is not None:
            self.band_note.setText(self.tr(
                "Seed band on: the views show the median of seeds {0}–{1}, shaded by their range. The lesson's "
                "numbers are one seed's run: turn the band off (View menu) to see exactly that, or keep it on "
                "to see how often it happens.").format(self.seeds[0], self.seeds[-1]))
        self.band_note.setVisible(bool(self.seeds) and self.current is not None)

    def _body(self, lesson: Lesson) -> str:
        """The lesson's title (whole: the picker may elide it) and its paragraphs, as HTML."""
        lang = self.language
        title = f"<h3 style='margin-top:0'>{html.escape(lesson.t('title', lang))}</h3>"
        return title + "".join(f"<p>{html.escape(p)}</p>" for p in lesson.paragraphs(lang))

    def _apply_fix(self, fix, button: QPushButton) -> None:
        for other in self.fix_buttons:
            other.setStyleSheet("text-align:left; padding:5px 8px;")
        button.setStyleSheet("text-align:left; padding:5px 8px; background:#e8f4ea; border:1px solid #6fb37f;")
        lang = self.language
        said = f"<b>{html.escape(fix.t('label', lang))}</b> — {html.escape(fix.t('text', lang))}"
        self.text.setHtml(self._body(self.current) + f"<p style='background:#e8f4ea'>{said}</p>")
        # the watch box says what this fix shows: the problem's line would now contradict the screen
        self.look.setText(said)
        self.fixRequested.emit(fix.preset, fix.t("label", lang))

    def _on_problem_button_clicked(self) -> None:
        if self.current is not None:
            for b in self.fix_buttons:
                b.setStyleSheet("text-align:left; padding:5px 8px;")
            self._on_picker_currentIndexChanged(self.picker.currentIndex())

    def _on_overlay_button_clicked(self) -> None:
        if self.current is not None:
            self.overlayRequested.emit([self.current.problem, *(fix.preset for fix in self.current.fixes)])

    def set_overlaying(self, on: bool) -> None:
        """While the runs are being trained and pinned, the button stops them."""
        self.overlay_button.setText(self.tr("Stop overlaying") if on else self.tr("Overlay all"))
