"""Cross-validation and learning curves in the background, with progress: K-fold validation
error as mean ± spread per configuration (the current one, and the pinned reference if any)."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from qtpy.QtCore import QTimer
from qtpy.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop_app.style import TRAIN_COLOR, VAL_COLOR, IntegerAxis, without_context_menus
from desktop_app.views.heatmap import format_value
from engine import Config, ConfigError, CVResult, JobProcess, check_folds, default_sizes


class StudyDialog(QDialog):
    def __init__(self, configs: list[tuple[str, Config]], parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(self.tr("Cross-validation and learning curve"))
        self.resize(720, 560)
        self.configs = configs  # (name, configuration) pairs, the current one first
        self.job: JobProcess | None = None
        self.results: list[list] = []
        self.kind = ""

        self.folds = QSpinBox()
        self.folds.setRange(2, 20)
        self.folds.setValue(5)
        self.cv_button = QPushButton(self.tr("Run K-fold cross-validation"))
        self.cv_button.clicked.connect(lambda: self.start("cv"))
        self.curve_button = QPushButton(self.tr("Run learning curve"))
        self.curve_button.clicked.connect(lambda: self.start("curve"))
        self.stop_button = QPushButton(self.tr("Stop"))
        self.stop_button.clicked.connect(self.stop)
        self.stop_button.setEnabled(False)
        self.progress = QProgressBar()
        self.summary = QLabel(self.tr("Each fold trains a fresh network on the other K−1 folds and is scored on the one held out."))
        self.summary.setWordWrap(True)
        self.table = QTableWidget(0, 4)
        self.table.setHorizontalHeaderLabels([self.tr("configuration"), self.tr("fold / points"), self.tr("training error"), self.tr("validation error")])
        self.table.horizontalHeader().setStretchLastSection(True)
        self.plot_widget = pg.PlotWidget(axisItems={"bottom": IntegerAxis("bottom")})  # folds, points: whole numbers
        self.plot = self.plot_widget.getPlotItem()
        self.plot.showGrid(x=True, y=True, alpha=0.25)
        self.plot.setLabel("left", self.tr("error"))
        self.plot.getAxis("left").enableAutoSIPrefix(False)  # an error of 0.5 reads 0.5, not 500 ×0.001
        self.plot.getAxis("bottom").enableAutoSIPrefix(False)
        self.legend = self.plot.addLegend(offset=(-10, 10), labelTextSize="9pt", brush=(255, 255, 255, 210), pen="#bbbbbb")
        without_context_menus(self.plot_widget.scene(), self.plot)

        top = QHBoxLayout()
        top.addWidget(QLabel(self.tr("Folds K")))
        top.addWidget(self.folds)
        top.addWidget(self.cv_button)
        top.addWidget(self.curve_button)
        top.addWidget(self.stop_button)
        top.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(QLabel(self.tr("Configurations: {0}").format(", ".join(name for name, _ in configs))))
        layout.addWidget(self.progress)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.plot_widget, 1)
        self.timer = QTimer(self, interval=50)
        self.timer.timeout.connect(self._on_timer_timeout)

    def start(self, kind: str) -> None:
        self.stop()
        k = self.folds.value()
        try:
            for _, config in self.configs:
                if kind == "cv":
                    check_folds(config, k)
        except ConfigError as exc:
            self.summary.setText(str(exc))
            return
        self.kind = kind
        self.results = [[] for _ in self.configs]
        self.table.setRowCount(0)
        self.plot.clear()
        # the runs of each configuration; the bar counts them in hundredths, so that it moves while
        # a configuration's runs train together (the "progress" messages)
        self.counts = [k if kind == "cv" else len(default_sizes(c.n_train)) for _, c in self.configs]
        self.total = sum(self.counts)
        self.progress.setRange(0, 100 * self.total)
        self.progress.setValue(0)
        self.job = JobProcess(kind, [c for _, c in self.configs], k)
        self.timer.start()
        self.stop_button.setEnabled(True)
        self.summary.setText(self.tr("Training in the background…"))

    def stop(self) -> None:
        self.timer.stop()
        if self.job is not None:
            self.job.close(0.5)
            self.job = None
        self.stop_button.setEnabled(False)

    def _on_timer_timeout(self) -> None:
        if self.job is None:
            return
        for message in self.job.receive():
            if message[0] == "item":
                _, index, item = message
                self.results[index].append(item)
                self._add_row(index, item)
                done = sum(len(r) for r in self.results)
                self.progress.setMaximum(100 * max(self.total, done))
                self.progress.setValue(max(self.progress.value(), 100 * done))
            elif message[0] == "progress":  # the share of configuration `index`'s steps done
                _, index, share = message
                before = sum(self.counts[:index])
                self.progress.setValue(max(self.progress.value(), round(100 * (before + share * self.counts[index]))))
            elif message[0] == "failed":
                self.summary.setText(self.tr("The study stopped: {0}").format(message[1]))
                self.stop()
                return
            elif message[0] == "done":
                self.progress.setValue(self.progress.maximum())
                self.stop()
        self._show_summary()

    def _add_row(self, index: int, item) -> None:
        row = self.table.rowCount()
        self.table.insertRow(row)
        where = f"{item.fold} / {item.folds}" if self.kind == "cv" else str(item.n_train)
        for col, text in enumerate((self.configs[index][0], where, format_value(item.train_error), format_value(item.val_error))):
            self.table.setItem(row, col, QTableWidgetItem(text))

    def _show_summary(self) -> None:
        self.plot.clear()
        lines = []
        for index, (name, config) in enumerate(self.configs):
            items = self.results[index]
            if not items:
                continue
            val = np.array([i.val_error for i in items], dtype=float)
            train = np.array([i.train_error for i in items], dtype=float)
            style = pg.QtCore.Qt.PenStyle.SolidLine if index == 0 else pg.QtCore.Qt.PenStyle.DashLine
            val_name = self.tr("validation ({0})").format(name)
            train_name = self.tr("training ({0})").format(name)
            if self.kind == "cv":
                cv = CVResult(config, tuple(items))  # as `vanishing-point cv` reports it
                lines.append(self.tr("{0}: validation error {1} ± {2} over {3} folds").format(name, format_value(cv.mean_val_error), format_value(cv.std_val_error), len(items)))
                x = np.array([i.fold for i in items], dtype=float) + 0.15 * index  # side by side, not on top
                symbol = "o" if index == 0 else "t"
                self.plot.plot(x, val, pen=None, symbol=symbol, symbolBrush=VAL_COLOR, name=val_name)
                self.plot.plot(x, train, pen=None, symbol=symbol, symbolBrush=TRAIN_COLOR, name=train_name)
                self.plot.setXRange(0.5, items[0].folds + 0.5, padding=0)
                self.plot.setLabel("bottom", self.tr("fold"))
            else:
                sizes = [i.n_train for i in items]
                self.plot.plot(sizes, val, pen=pg.mkPen(VAL_COLOR, width=2, style=style), symbol="o", symbolBrush=VAL_COLOR, name=val_name)
                self.plot.plot(sizes, train, pen=pg.mkPen(TRAIN_COLOR, width=2, style=style), symbol="o", symbolBrush=TRAIN_COLOR, name=train_name)
                self.plot.setLabel("bottom", self.tr("training points"))
                lines.append(self.tr("{0}: validation error {1} with {2} training points").format(name, format_value(val[-1]), sizes[-1]))
        if lines:
            self.summary.setText("\n".join(lines))
            errors = np.array([e for items in self.results for i in items for e in (i.val_error, i.train_error)], dtype=float)
            top = errors[np.isfinite(errors)].max(initial=0.0)
            self.plot.setYRange(0, max(top * 1.1, 0.05), padding=0)  # errors from 0: a small gap looks small

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        self.stop()
        super().closeEvent(event)
