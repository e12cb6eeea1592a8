"""The lessons panel: pick a lesson, read what to watch, apply its fixes one at a time."""

from __future__ import annotations

import html

from qtpy.QtCore import Qt, Signal
from qtpy.QtWidgets import (
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from engine.config import ConfigError
from engine.lessons import Lesson, load_lessons


class LessonsPanel(QWidget):
    problemRequested = Signal(str)  # preset name of the lesson's problem
    fixRequested = Signal(str, str)  # preset name, button label

    def __init__(self, language: str = "en", parent: QWidget | None = None):
        super().__init__(parent)
        self.language = language
        try:
            self.lessons: list[Lesson] = load_lessons()
            error = None
        except ConfigError as exc:  # a damaged lesson file: say which, keep the app
            self.lessons, error = [], str(exc)
        self.list = QListWidget()
        self.list.setObjectName("lessonList")
        for lesson in self.lessons:
            item = QListWidgetItem(f"{lesson.order}. {lesson.t('title', language)}")
            item.setData(Qt.ItemDataRole.UserRole, lesson.id)
            self.list.addItem(item)
        self.list.currentRowChanged.connect(self._on_list_currentRowChanged)

        self.title = QLabel()
        self.title.setObjectName("lessonTitle")
        self.title.setStyleSheet("font-size: 15px; font-weight: 600;")
        self.title.setWordWrap(True)
        self.look = QLabel()
        self.look.setObjectName("lessonLook")
        self.look.setWordWrap(True)
        self.look.setStyleSheet("background:#fff4d6; border:1px solid #ebd08a; border-radius:4px; padding:6px;")
        self.look.hide()
        self.text = QTextBrowser()
        self.text.setObjectName("lessonText")
        self.text.setOpenExternalLinks(False)
        self.problem_button = QPushButton(self.tr("Show the problem again"))
        self.problem_button.setObjectName("lessonProblem")
        self.problem_button.clicked.connect(self._on_problem_button_clicked)
        self.problem_button.hide()
        self.fix_box = QVBoxLayout()
        self.fix_buttons: list[QPushButton] = []

        detail = QWidget()
        column = QVBoxLayout(detail)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.title)
        column.addWidget(self.look)
        column.addWidget(self.text, 1)
        column.addLayout(self.fix_box)
        column.addWidget(self.problem_button)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.list)
        split.addWidget(detail)
        split.setStretchFactor(1, 3)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(split)
        self.current: Lesson | None = None
        if error:
            self.text.setPlainText(self.tr("The lessons could not be loaded: {0}").format(error))
        else:
            self.text.setPlainText(self.tr("Choose a lesson: it loads the problem, tells you what to watch, and offers the fix."))

    def select(self, lesson_id: str) -> bool:
        for row, lesson in enumerate(self.lessons):
            if lesson.id == lesson_id:
                self.list.setCurrentRow(row)
                return True
        return False

    def _on_list_currentRowChanged(self, row: int) -> None:
        if not 0 <= row < len(self.lessons):
            return
        self.current = self.lessons[row]
        self._show(self.current)
        self.problemRequested.emit(self.current.problem)

    def _show(self, lesson: Lesson) -> None:
        """Show a lesson's text and fix buttons (without loading its problem)."""
        lang = self.language
        self.title.setText(lesson.t("title", lang))
        self.look.setText(lesson.t("look", lang))
        self.look.show()
        self.text.setHtml("".join(f"<p>{html.escape(p)}</p>" for p in lesson.paragraphs(lang)))
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

    def _apply_fix(self, fix, button: QPushButton) -> None:
        for other in self.fix_buttons:
            other.setStyleSheet("text-align:left; padding:5px 8px;")
        button.setStyleSheet("text-align:left; padding:5px 8px; background:#e8f4ea; border:1px solid #6fb37f;")
        lang = self.language
        paragraphs = "".join(f"<p>{html.escape(p)}</p>" for p in self.current.paragraphs(lang))
        self.text.setHtml(paragraphs + f"<p style='background:#e8f4ea'><b>{html.escape(fix.t('label', lang))}</b> — {html.escape(fix.t('text', lang))}</p>")
        self.fixRequested.emit(fix.preset, fix.t("label", lang))

    def _on_problem_button_clicked(self) -> None:
        if self.current is not None:
            for b in self.fix_buttons:
                b.setStyleSheet("text-align:left; padding:5px 8px;")
            self._on_list_currentRowChanged(self.list.currentRow())
